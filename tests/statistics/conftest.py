"""Fixtures for the statistics tests: tiny inline surveys and a factory turning answers into frames."""
from pathlib import Path

import pytest
import yaml

from app.definitions import parse_definition
from app.definitions.loader import SCALES_FILE, load_scales
from app.statistics import build_frame

SURVEYS_DIR = Path(__file__).resolve().parents[2] / "surveys"


@pytest.fixture(scope="session")
def scales():
    """The shared Likert scales and grade labels of the project."""
    return load_scales(SURVEYS_DIR / SCALES_FILE)


@pytest.fixture
def make_survey(scales):
    """Build a `Survey` from a list of question dicts (or a YAML string of them)."""
    def make(questions, **overrides):
        """A tiny survey; `overrides` replace top-level fields."""
        if isinstance(questions, str):
            questions = yaml.safe_load(questions)
        data = {"key": "tiny", "title": "小问卷", "audiences": ["parent"], "questions": questions}
        data.update(overrides)
        return parse_definition(data, scales=scales, source="tiny.yaml")
    return make


@pytest.fixture
def make_frame():
    """Build a survey frame from a list of answer dicts (meta columns given per record or shared)."""
    def make(survey, answers, **meta):
        """A survey frame; a list in `meta` gives one value per answer."""
        records = []
        for i, answer in enumerate(answers):
            record = {"response_id": i, "school_id": 1, "launch_id": 1, "period": 2025}
            record.update({k: (v[i] if isinstance(v, list) else v) for k, v in meta.items()})
            record["answers"] = answer
            records.append(record)
        return build_frame(survey, records)
    return make
