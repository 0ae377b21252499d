"""Fixtures for survey syncing: a private surveys folder and an app that reads it."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

SURVEYS_DIR = Path(__file__).resolve().parents[2] / "surveys"


def tiny_survey(key: str, label: str) -> str:
    """A one-question survey definition as YAML."""
    return f"""\
key: {key}
title: {{zh: 小问卷{key}, en: Tiny {key}}}
audiences: [parent]
questions:
  - id: hours
    type: number
    min: 0
    max: 24
    label: {{zh: "{label}", en: "How many hours?"}}
"""


@pytest.fixture
def survey_folder(tmp_path) -> Path:
    """A folder with the project's shared scales and nothing else yet."""
    folder = tmp_path / "surveys"
    folder.mkdir()
    shutil.copy(SURVEYS_DIR / "scales.yaml", folder / "scales.yaml")
    return folder


@pytest.fixture
def write_survey(survey_folder):
    """Write a file into the folder: a tiny survey by key and label, or any text."""
    def write(name: str, text: str | None = None, *, key: str | None = None,
              label: str = "上学日每天睡几个小时？") -> Path:
        path = survey_folder / name
        path.write_text(text if text is not None else tiny_survey(key or path.stem, label),
                        encoding="utf-8")
        return path
    return write


@pytest.fixture
def copy_of_real_surveys(survey_folder) -> Path:
    """The folder filled with a copy of the project's own survey files."""
    for path in SURVEYS_DIR.glob("*.yaml"):
        shutil.copy(path, survey_folder / path.name)
    return survey_folder


@pytest.fixture
def surveys_app(make_app, survey_folder):
    """An app whose SURVEYS_DIR is that folder (not synced yet), in an application context."""
    app = make_app(sync=False, SURVEYS_DIR=str(survey_folder))
    with app.app_context():
        yield app


@pytest.fixture
def sync_cli(surveys_app):
    """Run `flask surveys ...` against that app."""
    runner = surveys_app.test_cli_runner()

    def invoke(*args):
        return runner.invoke(args=["surveys", *args])
    return invoke
