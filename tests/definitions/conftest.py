"""Fixtures for the definitions tests (scales and make_survey live in tests/conftest.py)."""
import shutil
from pathlib import Path

import pytest

from app.definitions.loader import SCALES_FILE

SURVEYS_DIR = Path(__file__).resolve().parents[2] / "surveys"


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
