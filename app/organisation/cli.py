"""`flask users create|token` and `flask schools import`."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

from ..errors import ServiceError
from .importer import import_schools, read_rows
from .models import ROLES
from .services import create_user, issue_token

users_cli = AppGroup("users", help="Staff accounts.")
schools_cli = AppGroup("schools", help="Schools.")


def _fail(exc: ServiceError) -> None:
    click.echo(f"error: {exc.message}", err=True)
    for name, message in exc.fields.items():
        click.echo(f"  {name}: {message}", err=True)
    sys.exit(1)


@users_cli.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--name", "display_name", default=None, help="Display name, e.g. 张老师.")
def create_command(username, role, password, display_name):
    """Create a staff account."""
    try:
        create_user(username, role, password, display_name)
    except ServiceError as exc:
        _fail(exc)
    click.echo(f"created {role} {username}", err=True)


@users_cli.command("token")
@click.argument("username")
def token_command(username):
    """Print a new API bearer token for the user (only the token, on stdout)."""
    try:
        click.echo(issue_token(username))
    except ServiceError as exc:
        _fail(exc)


@schools_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def import_command(path):
    """Import schools from a CSV or XLSX file (code, name, stage, zone[, zone_name])."""
    try:
        report = import_schools(read_rows(Path(path).read_bytes(), path))
    except ServiceError as exc:
        _fail(exc)
    click.echo(f"created {report.created}, updated {report.updated} schools"
               + (f"; new zones {', '.join(report.zones_created)}" if report.zones_created else ""))


def init_app(app: Flask) -> None:
    """Register the commands."""
    app.cli.add_command(users_cli)
    app.cli.add_command(schools_cli)
