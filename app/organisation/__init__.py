"""Zones, schools, staff accounts, login and API tokens."""
from flask import Flask


def init_app(app: Flask) -> None:
    """Register login handling, the auth and admin pages and the `flask users|zones|schools` commands."""
    from . import admin, auth, cli
    auth.init_app(app)
    admin.init_app(app)
    cli.init_app(app)
