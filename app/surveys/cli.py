"""`flask surveys sync` and `flask surveys check FILE`."""
from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import AppGroup

from pathlib import Path

from ..definitions import DefinitionError, load_file
from ..definitions.loader import SCALES_FILE, load_scales
from .sync import sync_surveys

surveys_cli = AppGroup("surveys", help="Load and validate survey definitions.")


@surveys_cli.command("sync")
def sync_command():
    """Validate every file in surveys/ and store new versions."""
    try:
        report = sync_surveys(current_app.config["SURVEYS_DIR"])
    except DefinitionError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    for label, keys in (("created", report.created), ("new version", report.new_versions),
                        ("updated (no responses yet)", report.updated_in_place),
                        ("unchanged", report.unchanged), ("retired", report.retired)):
        if keys:
            click.echo(f"{label}: {', '.join(keys)}")


@surveys_cli.command("check")
@click.argument("path", type=click.Path(dir_okay=False))
def check_command(path):
    """Validate one survey file without storing it."""
    try:
        # A draft kept outside surveys/ uses the shared scales of SURVEYS_DIR.
        own = Path(path).with_name(SCALES_FILE)
        scales = load_scales(own if own.exists() else Path(current_app.config["SURVEYS_DIR"]) / SCALES_FILE)
        survey = load_file(path, scales=scales)
    except DefinitionError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    click.echo(f"ok: {survey.key} ({len(survey.questions)} questions)")
