"""Background jobs (Huey): report generation and exports, with durable job records."""
from flask import Flask


def init_app(app: Flask) -> None:
    """Register this feature (filled in by the jobs work)."""
