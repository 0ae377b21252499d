"""Zones, schools, staff accounts, login and API tokens."""
from flask import Flask


def init_app(app: Flask) -> None:
    """Register login handling, the auth pages and the `flask users|zones|schools` commands."""
    from . import auth, cli
    auth.init_app(app)
    cli.init_app(app)
