"""The demo county: zones, schools, staff and a year of plausible responses."""
from flask import Flask


def init_app(app: Flask) -> None:
    """Register `flask demo load`."""
    from .cli import demo_cli
    app.cli.add_command(demo_cli)
