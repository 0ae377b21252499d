"""Production settings for `gunicorn wsgi:app` (picked up from the working directory).

Environment:
  GUNICORN_WORKERS (or WEB_CONCURRENCY)  worker processes; default 2 x CPU cores
  GUNICORN_BIND                          address; default 0.0.0.0:$PORT, else 127.0.0.1:8000
  GUNICORN_WORKER_CLASS                  default "sync" (measured best; see benchmarks/RESULTS.md)
  GUNICORN_THREADS                       threads per worker for the "gthread" class; default 1
  GUNICORN_TIMEOUT                       seconds before a silent worker is restarted; default 30

Every worker is independent (no shared state but the database), so any number may run behind a
load balancer. Access logs stay off on purpose: they would record respondents' addresses next to
form URLs (docs/privacy.md). Errors still go to stderr, through PrivateLogger: no client address
or public token is ever written, and requests to public paths never reach an access log.
"""
import multiprocessing
import os

from gunicorn.glogging import Logger

from app.request_logs import RedactingFilter, mentions_public_path


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


workers = _int("GUNICORN_WORKERS", _int("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count()))
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "sync")
threads = _int("GUNICORN_THREADS", 1)
bind = [os.environ.get("GUNICORN_BIND")
        or (f"0.0.0.0:{os.environ['PORT']}" if os.environ.get("PORT") else "127.0.0.1:8000")]

# A request that takes 30 s is stuck (SQLite writers wait at most 30 s for the lock, see
# app/database.py); restart the worker rather than let it hold a slot for ever.
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = 30
# Behind a proxy that keeps connections open (nginx upstream keepalive); ignored by "sync".
keepalive = 5
# Connections waiting for a free worker; a school-wide burst queues here instead of failing.
backlog = 2048

accesslog = None
errorlog = "-"
# If an access log is ever turned on, it has no client address (%(h)s) either.
access_log_format = '"%(r)s" %(s)s %(b)s %(M)sms'


class PrivateLogger(Logger):
    """gunicorn's logger without addresses: "Invalid request from ip=..." and every other error
    line is redacted (address and public token), and public requests are never access-logged."""

    def setup(self, cfg):
        super().setup(cfg)
        if not any(isinstance(f, RedactingFilter) for f in self.error_log.filters):
            self.error_log.addFilter(RedactingFilter())
            self.access_log.addFilter(RedactingFilter())

    def access(self, resp, req, environ, request_time):
        if mentions_public_path(environ.get("PATH_INFO") or getattr(req, "path", "") or ""):
            return
        super().access(resp, req, environ, request_time)


logger_class = PrivateLogger
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")
# Workers open their own database connections after the fork.
preload_app = False


def post_worker_init(worker):
    """The app is loaded in this worker: take what it allocated at start-up (modules, models,
    catalogues, ~200,000 objects) out of the garbage collector's sight. Otherwise every full
    collection walks all of them, a ~100 ms pause in the middle of some request every few
    thousand requests; none of them is ever garbage."""
    import gc
    gc.collect()
    gc.freeze()
