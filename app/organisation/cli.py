"""`flask users …`, `flask zones assign|unassign` and `flask schools import`."""
from __future__ import annotations

import sys
from contextlib import contextmanager
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

from ..errors import ServiceError
from .importer import import_schools, read_rows
from .models import ROLES
from .services import (activate_user, assign_supervisor, create_user, deactivate_user,
                       issue_token, reset_password, revoke_tokens, unassign_supervisor)

users_cli = AppGroup("users", help="Staff accounts.")
zones_cli = AppGroup("zones", help="Supervision zones.")
schools_cli = AppGroup("schools", help="Schools.")


def _fail(exc: ServiceError) -> None:
    click.echo(f"error: {exc.message}", err=True)
    for name, message in exc.fields.items():
        click.echo(f"  {name}: {message}", err=True)
    sys.exit(1)


@contextmanager
def _or_fail():
    """Run a service call; a ServiceError exits non-zero with its message (see `_fail`)."""
    try:
        yield
    except ServiceError as exc:
        _fail(exc)


@users_cli.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--name", "display_name", default=None, help="Display name, e.g. 张老师.")
def create_command(username, role, password, display_name):
    """Create a staff account."""
    with _or_fail():
        create_user(username, role, password, display_name)
    click.echo(f"created {role} {username}", err=True)


@users_cli.command("token")
@click.argument("username")
@click.option("--days", type=click.IntRange(1, 3650), default=None,
              help="Days until the token expires (default API_TOKEN_DAYS).")
def token_command(username, days):
    """Print a new API bearer token for the user (only the token, on stdout)."""
    with _or_fail():
        click.echo(issue_token(username, days))


@users_cli.command("deactivate")
@click.argument("username")
def deactivate_command(username):
    """Deactivate an account: its sessions and tokens stop working at once."""
    with _or_fail():
        deactivate_user(username)
    click.echo(f"deactivated {username}; sessions ended, tokens revoked", err=True)


@users_cli.command("activate")
@click.argument("username")
def activate_command(username):
    """Let a deactivated account sign in again."""
    with _or_fail():
        activate_user(username)
    click.echo(f"activated {username}", err=True)


@users_cli.command("reset-password")
@click.argument("username")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
def reset_password_command(username, password):
    """Set a new password; the user's sessions end (API tokens are kept)."""
    with _or_fail():
        reset_password(username, password)
    click.echo(f"password of {username} changed; sessions ended", err=True)


@users_cli.command("revoke-tokens")
@click.argument("username")
def revoke_tokens_command(username):
    """Revoke every API token of the user."""
    with _or_fail():
        count = revoke_tokens(username)
    click.echo(f"revoked {count} tokens of {username}", err=True)


@zones_cli.command("assign")
@click.argument("code")
@click.argument("username")
def assign_command(code, username):
    """Make a supervisor responsible for a zone."""
    with _or_fail():
        assign_supervisor(code, username)
    click.echo(f"{username} now covers zone {code}", err=True)


@zones_cli.command("unassign")
@click.argument("code")
@click.argument("username")
def unassign_command(code, username):
    """Take a zone away from a supervisor."""
    with _or_fail():
        unassign_supervisor(code, username)
    click.echo(f"{username} no longer covers zone {code}", err=True)


@schools_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--encoding", type=click.Choice(["auto", "utf-8", "gbk"]), default="auto",
              help="Text encoding of a CSV file (default: detect; ambiguous files are refused).")
def import_command(path, encoding):
    """Import schools from a CSV or XLSX file (code, name, stage, zone[, zone_name])."""
    try:
        report = import_schools(read_rows(Path(path).read_bytes(), path,
                                          None if encoding == "auto" else encoding))
    except ServiceError as exc:
        _fail(exc)
    click.echo(f"created {report.created}, updated {report.updated} schools"
               + (f"; new zones {', '.join(report.zones_created)}" if report.zones_created else ""))


def init_app(app: Flask) -> None:
    """Register the commands."""
    app.cli.add_command(users_cli)
    app.cli.add_command(zones_cli)
    app.cli.add_command(schools_cli)
