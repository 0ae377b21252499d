"""`flask report annual …` (build a report in-process, no queue) and `flask jobs worker`."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

from ..errors import ServiceError

report_cli = AppGroup("report", help="Build reports from the command line (no queue needed).")
jobs_cli = AppGroup("jobs", help="The background job queue.")


class StderrBar:
    """A progress bar on stderr: `[#########...........]  45%  label`."""

    WIDTH = 30

    def __init__(self, stream=None):
        self.stream = stream or sys.stderr
        self.shown = None

    def __call__(self, fraction, label: str = "") -> None:
        """Redraw the bar when the whole percentage or the label changes."""
        value = min(1.0, max(0.0, float(fraction)))
        key = (int(value * 100), label)
        if key == self.shown:
            return
        self.shown = key
        filled = int(round(value * self.WIDTH))
        self.stream.write(f"\r[{'#' * filled}{'.' * (self.WIDTH - filled)}] {value:4.0%}  {label:<20}")
        self.stream.flush()

    def close(self) -> None:
        """End the bar's line."""
        self.stream.write("\n")
        self.stream.flush()


def _fail(exc: ServiceError) -> click.ClickException:
    """A service error as a one-line CLI message (exit status 1)."""
    details = "; ".join(f"{k}: {v}" for k, v in exc.fields.items())
    return click.ClickException(f"{exc.message}{(' (' + details + ')') if details else ''}")


@report_cli.command("annual")
@click.option("--year", type=int, required=True, help="Report year, e.g. 2026.")
@click.option("--zone", "zone_code", help="A zone's code (default: the whole county).")
@click.option("--school", "school_code", help="A school's code.")
@click.option("--format", "fmt", type=click.Choice(["pdf", "xlsx", "csv"]), default="pdf", show_default=True)
@click.option("--audience", type=click.Choice(["parent", "student", "teacher"]), default="parent",
              show_default=True)
@click.option("--out", "out", type=click.Path(dir_okay=False, writable=True), required=True,
              help="Where to write the file.")
def annual_command(year, zone_code, school_code, fmt, audience, out):
    """Build the annual report of the county, a zone or a school and write it to --out."""
    from .services import parse_scope
    if zone_code and school_code:
        raise click.UsageError("Give --zone or --school, not both.")
    if not Path(out).resolve().parent.is_dir():
        raise click.ClickException(f"The folder of --out does not exist: {Path(out).parent}")
    value = {"zone": zone_code} if zone_code else {"school": school_code} if school_code else "county"
    try:
        scope = parse_scope(value)
    except ServiceError as exc:
        raise _fail(exc) from None
    from ..reporting.annual import build_annual
    bar = StderrBar()
    try:
        data, meta = build_annual(scope.stored(), year, audience, fmt, bar)
    except ServiceError as exc:
        bar.close()
        raise _fail(exc) from None
    bar.close()
    Path(out).write_bytes(data)
    click.echo(f"{out}: {len(data)} bytes, data as of {meta.get('data_as_of')}", err=True)


@jobs_cli.command("worker")
@click.option("--workers", type=int, default=2, show_default=True, help="Worker threads.")
def worker_command(workers):
    """Run the Huey consumer for this app's queue (production: its own process)."""
    from .queue import huey_of
    from .services import recover_stale
    huey = huey_of()
    if huey.immediate:
        raise click.ClickException("HUEY_IMMEDIATE is on: jobs run in the web process, no worker needed.")
    import logging
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    retried = recover_stale()
    if retried:
        click.echo(f"re-queued jobs cut off earlier: {retried}", err=True)
    # Poll the queue at most every 2 s when idle, so a request starts within seconds.
    consumer = huey.create_consumer(workers=max(1, workers), worker_type="thread", periodic=True,
                                    initial_delay=0.1, backoff=1.15, max_delay=2.0)
    consumer.run()


@jobs_cli.command("recover")
def recover_command():
    """Retry (once) or fail running jobs whose worker stopped sending heartbeats."""
    from .services import recover_stale
    click.echo(f"re-queued: {recover_stale()}")


def init_app(app: Flask) -> None:
    """Register the command groups."""
    app.cli.add_command(report_cli)
    app.cli.add_command(jobs_cli)
