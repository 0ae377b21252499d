"""The Huey queue: its storage from the config, and the two tasks (run a job, recover stale ones).

The tasks close over the Flask app they were registered with, so a consumer started by
`flask jobs worker` (which has built the app) runs each task inside that app's context, and
in immediate mode (tests) a task runs at once in a fresh app context of its own, with its own
database session, exactly like a worker would.
"""
from __future__ import annotations

from flask import Flask, current_app
from huey import Huey, MemoryHuey, RedisHuey, SqliteHuey, crontab

#: Huey's name for this app's queue (a Redis key prefix, a name in the SQLite file).
QUEUE_NAME = "dudao"


def make_huey(config) -> Huey:
    """Immediate in tests; Redis when HUEY_URL=redis://…; else a SQLite file under instance/."""
    if config.get("HUEY_IMMEDIATE"):
        return MemoryHuey(QUEUE_NAME, immediate=True)
    url = config.get("HUEY_URL") or ""
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisHuey(QUEUE_NAME, url=url)
    if url:
        raise RuntimeError(f"HUEY_URL must be redis://… (or unset for the SQLite queue), not {url!r}")
    return SqliteHuey(QUEUE_NAME, filename=config["HUEY_FILE"])


def init_app(app: Flask) -> None:
    """Create the app's queue and register its tasks in app.extensions."""
    huey = make_huey(app.config)

    @huey.task(name="dudao.run_job")
    def run_job_task(job_id: int) -> None:
        """Generate one job's file (in a fresh app context: its own session, as in a worker)."""
        from .services import run_job
        with app.app_context():
            run_job(job_id)

    @huey.periodic_task(crontab(minute="*"), name="dudao.recover_stale_jobs")
    def recover_task() -> None:
        """Every minute: a running job whose worker died is retried once, then failed."""
        from .services import recover_stale
        with app.app_context():
            recover_stale()

    app.extensions["dudao.huey"] = huey
    app.extensions["dudao.run_job_task"] = run_job_task


def huey_of(app: Flask | None = None) -> Huey:
    """The queue of this app."""
    return (app or current_app).extensions["dudao.huey"]


def enqueue(job_id: int) -> None:
    """Put a job on the queue (immediate mode: run it now)."""
    current_app.extensions["dudao.run_job_task"](job_id)
