"""Fixtures for result tests: responses with chosen answers, stored directly."""
from __future__ import annotations

import secrets
from datetime import datetime, timezone

import pytest
from sqlalchemy import insert

from app.extensions import db
from app.responses.models import Response


@pytest.fixture
def add_responses(app):
    """Store answer dicts as responses of a launch, at a chosen time (default: mid-2026).

    Figures count a response in the year its launch opened (app.disclosure): responses dated in
    another local year than the launch opened in go to a sibling launch (same survey, school
    and audience) opened at that time, as that year's survey would have been.
    """
    from zoneinfo import ZoneInfo

    from app.launches.models import Launch, as_utc
    siblings = {}

    def add(launch, answers_list, when: datetime | None = None):
        when = when or datetime(2026, 6, 15, 9, tzinfo=timezone.utc)
        local = ZoneInfo(app.config["TIMEZONE"])
        year = when.astimezone(local).year
        if as_utc(launch.opens_at).astimezone(local).year != year:
            key = (launch.id, year)
            if key not in siblings:
                siblings[key] = Launch(survey_version_id=launch.survey_version_id, school_id=launch.school_id,
                                       audience=launch.audience, opens_at=when)
                db.session.add(siblings[key])
                db.session.commit()
            launch = siblings[key]
        rows = [{"launch_id": launch.id, "school_id": launch.school_id,
                 "survey_version_id": launch.survey_version_id, "submitted_hour": when,
                 "receipt": secrets.token_urlsafe(12), "answers": answers} for answers in answers_list]
        db.session.execute(insert(Response), rows)
        db.session.commit()
    return add


@pytest.fixture
def sleep_answers():
    """Answers to the sleep survey with the measures that matter and the other required ones."""
    def make(grade: str, hours: float, bedtime: str = "21:00") -> dict:
        return {"grade": grade, "sleep_hours": hours, "bedtime": bedtime, "wake_time": "06:40"}
    return make
