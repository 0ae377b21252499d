"""Fixtures for the statistics tests: a factory turning answers into frames (make_survey is shared)."""
from pathlib import Path

import pytest

from app.statistics import build_frame


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
