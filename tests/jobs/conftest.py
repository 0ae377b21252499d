"""Fixtures for job tests: an app whose archive is a temporary folder, a small county with
published sleep responses, staff of every role, and a recorder for injected builders."""
from __future__ import annotations

import secrets
from datetime import datetime, timezone

import pytest
from sqlalchemy import insert

from app.extensions import db
from app.responses.models import Response


@pytest.fixture
def app(make_app, tmp_path):
    """The test app (jobs run at once: HUEY_IMMEDIATE), archiving under tmp_path."""
    app = make_app(REPORTS_DIR=str(tmp_path / "reports"), JOBS_PROGRESS_INTERVAL=0)
    with app.app_context():
        yield app


@pytest.fixture
def add_published(app):
    """Store answer dicts as responses of a launch and publish them (the gate takes its steps)."""
    from app.disclosure import advance

    def add(launch, answers_list, when: datetime | None = None, publish: bool = True):
        when = when or datetime(2026, 6, 15, 9, tzinfo=timezone.utc)
        rows = [{"launch_id": launch.id, "school_id": launch.school_id,
                 "survey_version_id": launch.survey_version_id, "submitted_hour": when,
                 "receipt": secrets.token_urlsafe(12), "answers": answers} for answers in answers_list]
        db.session.execute(insert(Response), rows)
        db.session.commit()
        if publish:
            advance([launch.id])
    return add


def sleep_answer(i: int, **extra) -> dict:
    """A valid parent answer to the sleep survey, varied by i."""
    answer = {"grade": str(1 + i % 6), "sleep_hours": 8 + (i % 5) * 0.5, "bedtime": "21:30",
              "wake_time": "06:40"}
    answer.update(extra)
    return answer


@pytest.fixture
def county(app, make_zone, make_school, make_user, make_launch, add_published):
    """Two zones with a school each; 12 published sleep responses at school A (zone 1), 12 at
    school B (zone 2); an admin, a viewer, and one supervisor per zone."""
    from datetime import datetime as dt
    z1, z2 = make_zone(code="Z1", name="城关责任区"), make_zone(code="Z2", name="东山责任区")
    a, b = make_school(code="SA", name="城关一小", zone=z1), make_school(code="SB", name="东山小学", zone=z2)
    opened = dt(2026, 3, 1, tzinfo=timezone.utc)
    la, lb = make_launch(school=a, opens_at=opened), make_launch(school=b, opens_at=opened)
    add_published(la, [sleep_answer(i, reasons=["homework", "screens"] if i % 2 else ["not_late"],
                                    comments=f"意见{i}") for i in range(12)])
    add_published(lb, [sleep_answer(i) for i in range(12)])
    users = {"admin": make_user("boss", "admin"), "viewer": make_user("look", "viewer"),
             "sup1": make_user("sup1", "supervisor", zones=[z1]),
             "sup2": make_user("sup2", "supervisor", zones=[z2])}
    return {"zones": (z1, z2), "schools": (a, b), "launches": (la, lb), "users": users}


@pytest.fixture
def fake_builder(app, monkeypatch):
    """Replace a kind's builder by one that reports progress and records, at each step, the
    progress a reader of the job row sees at that moment (from its own connection)."""
    from sqlalchemy import select

    from app.jobs import tasks
    from app.jobs.models import ReportJob

    seen: list[tuple[float, str | None, str]] = []

    def install(kind: str = "annual", fail: Exception | None = None, data: bytes = b"%PDF-fake report"):
        def builder(job, progress):
            for fraction, label in ((0.1, "读取"), (0.4, "计算"), (0.8, "排版")):
                progress(fraction, label)
                with db.engine.connect() as conn:
                    row = conn.execute(select(ReportJob.progress, ReportJob.progress_label, ReportJob.status)
                                       .where(ReportJob.id == job.id)).one()
                seen.append(tuple(row))
                if fail is not None and fraction >= 0.4:
                    raise fail
            return data, {"data_as_of": "2026-06-15T09:00:00+00:00", "filename": "报告.pdf",
                          "content_type": "application/pdf"}
        monkeypatch.setitem(tasks.BUILDERS, kind, builder)
        return seen
    return install


@pytest.fixture
def login(client):
    """Sign a user in on the shared test client through the real login form."""
    def sign_in(user, password: str = "password123"):
        response = client.post("/login", data={"username": user.username, "password": password})
        assert response.status_code == 302, response.text
        return response
    return sign_in
