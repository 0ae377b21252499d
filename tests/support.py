"""Small helpers shared by tests (fixtures live in conftest.py)."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from app.extensions import db


def form_ticket(page_html: str) -> str:
    """The hidden timing ticket of a served form."""
    return re.search(r'name="_ticket" value="([^"]+)"', page_html).group(1)


def count_responses() -> int:
    """Responses stored, across all launches."""
    from app.responses.models import Response
    return db.session.query(Response).count()


def days_from_now(days: float) -> datetime:
    """A UTC time relative to now."""
    return datetime.now(timezone.utc) + timedelta(days=days)


def valid_answers(launch, seed: int = 1, **overrides) -> dict:
    """A complete, valid answer set for the launch's survey (as an HTML form would send it)."""
    import random

    from app.demo.generate import fake_answers
    from app.surveys.registry import definition_of
    survey = definition_of(launch.survey_version)
    answers = fake_answers(survey, launch.school.stage, random.Random(seed))
    answers.update(overrides)
    return {k: (v if isinstance(v, list) else str(v)) for k, v in answers.items()}
