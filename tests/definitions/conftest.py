"""Fixtures for the definitions tests: the real shared scales and tiny inline surveys."""
import shutil
from pathlib import Path

import pytest
import yaml

from app.definitions import parse_definition
from app.definitions.loader import SCALES_FILE, load_scales

SURVEYS_DIR = Path(__file__).resolve().parents[2] / "surveys"


@pytest.fixture(scope="session")
def scales():
    """The shared Likert scales and grade labels of the project."""
    return load_scales(SURVEYS_DIR / SCALES_FILE)


@pytest.fixture
def make_survey(scales):
    """Build a `Survey` from a list of question dicts (or a YAML string of them)."""
    def make(questions, **overrides):
        if isinstance(questions, str):
            questions = yaml.safe_load(questions)
        data = {"key": "tiny", "title": "小问卷", "audiences": ["parent"], "questions": questions}
        data.update(overrides)
        return parse_definition(data, scales=scales, source="tiny.yaml")
    return make


@pytest.fixture
def survey_folder(tmp_path):
    """A folder holding a copy of the real scales; returns a function that writes a survey file."""
    shutil.copy(SURVEYS_DIR / SCALES_FILE, tmp_path / SCALES_FILE)

    def write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path
    write.folder = tmp_path
    return write
