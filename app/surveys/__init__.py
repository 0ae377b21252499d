"""Survey definitions as the app stores them: sync from surveys/, versions, lookup."""
from flask import Flask


def init_app(app: Flask) -> None:
    """Register the `flask surveys` commands."""
    from .cli import surveys_cli
    app.cli.add_command(surveys_cli)
