"""Who may read and write problems and monthly reports: admins everything, supervisors their
zones (403 when reaching for another zone's record by id), viewers read only."""
from __future__ import annotations

import pytest

from app.extensions import db
from app.visits.models import Problem


@pytest.fixture
def problem(app, school, supervisor, visit):
    """An open problem at `school`, raised on `visit`."""
    from app.visits.problems import raise_problem
    return raise_problem(school, category="phones", description="手机未统一保管", deadline="2026-06-30",
                         visit=visit, actor=supervisor)


@pytest.fixture
def other_problem(app, other_school, other_supervisor, make_visit):
    """A problem at another zone's school."""
    from app.visits.problems import raise_problem
    visit = make_visit(school=other_school, supervisor=other_supervisor)
    return raise_problem(other_school, category="sleep", description="作息安排过早", deadline="2026-06-30",
                         visit=visit, actor=other_supervisor)


WRITES = [
    ("post", "/api/v1/problems/{id}/follow-ups", {"date": "2026-06-20", "rectified": False}, 201),
    ("patch", "/api/v1/problems/{id}", {"needs_departments": True}, 200),
    ("post", "/api/v1/problems/{id}/close", {}, 200),
]


@pytest.mark.parametrize("method, path, body, ok", WRITES)
def test_writes_per_role(client, token_for, problem, other_problem, supervisor, admin, viewer,
                         other_supervisor, method, path, body, ok):
    url = path.format(id=problem.id)
    assert getattr(client, method)(url, json=body, headers=token_for(viewer)).status_code == 403
    assert getattr(client, method)(url, json=body, headers=token_for(other_supervisor)).status_code == 403
    assert getattr(client, method)(url, json=body, headers=token_for(supervisor)).status_code == ok
    other = path.format(id=other_problem.id)
    assert getattr(client, method)(other, json=body, headers=token_for(supervisor)).status_code == 403
    assert getattr(client, method)(other, json=body, headers=token_for(admin)).status_code == ok
    assert getattr(client, method)(url, json=body).status_code == 401


def test_raising_per_role(client, token_for, visit, supervisor, other_supervisor, admin, viewer):
    body = {"category": "homework", "description": "作业超量", "deadline": "2026-06-30"}
    url = f"/api/v1/visits/{visit.id}/problems"
    assert client.post(url, json=body, headers=token_for(viewer)).status_code == 403
    assert client.post(url, json=body, headers=token_for(other_supervisor)).status_code == 403
    assert client.post(url, json=body, headers=token_for(supervisor)).status_code == 201
    assert client.post(url, json=body, headers=token_for(admin)).status_code == 201
    assert db.session.query(Problem).count() == 2


def test_reading_per_role(client, token_for, problem, other_problem, supervisor, other_supervisor, admin, viewer):
    for user in (admin, viewer):
        ids = {p["id"] for p in client.get("/api/v1/problems", headers=token_for(user)).get_json()}
        assert ids == {problem.id, other_problem.id}
        assert client.get(f"/api/v1/problems/{other_problem.id}", headers=token_for(user)).status_code == 200
    mine = client.get("/api/v1/problems", headers=token_for(supervisor)).get_json()
    assert [p["id"] for p in mine] == [problem.id]
    assert client.get(f"/api/v1/problems/{problem.id}", headers=token_for(supervisor)).status_code == 200
    assert client.get(f"/api/v1/problems/{other_problem.id}", headers=token_for(supervisor)).status_code == 403
    assert client.get("/api/v1/problems?zone=ZB", headers=token_for(supervisor)).status_code == 403
    assert client.get("/api/v1/problems?school=S200", headers=token_for(supervisor)).status_code == 403
    assert [p["id"] for p in client.get("/api/v1/problems?zone=ZB", headers=token_for(viewer)).get_json()] \
        == [other_problem.id]
    assert client.get("/api/v1/problems").status_code == 401


def test_monthly_report_per_role(client, token_for, school, other_school, supervisor, other_supervisor,
                                 admin, viewer):
    for user in (admin, viewer):
        report = client.get("/api/v1/reports/monthly?month=2026-06", headers=token_for(user)).get_json()
        assert {(r["zone"], r["supervisor"]) for r in report["rows"]} == {("ZA", "sup"), ("ZB", "sup2")}
    mine = client.get("/api/v1/reports/monthly?month=2026-06", headers=token_for(supervisor)).get_json()
    assert [(r["zone"], r["supervisor"]) for r in mine["rows"]] == [("ZA", "sup")]
    assert mine["not_visited"] == ["S100"]
    assert client.get("/api/v1/reports/monthly?month=2026-06&zone=ZB",
                      headers=token_for(supervisor)).status_code == 403
    assert client.get("/api/v1/reports/monthly?month=2026-13", headers=token_for(admin)).status_code == 422


def test_monthly_submission_per_role(app, client, token_for, school, supervisor, other_supervisor, admin, viewer):
    from datetime import date
    app.config["DUDAO_TODAY"] = date(2026, 6, 20)
    body = {"month": "2026-06", "zone": "ZA"}
    assert client.post("/api/v1/reports/monthly", json=body, headers=token_for(viewer)).status_code == 403
    assert client.post("/api/v1/reports/monthly", json=body, headers=token_for(admin)).status_code == 403
    assert client.post("/api/v1/reports/monthly", json=body, headers=token_for(other_supervisor)).status_code == 403
    done = client.post("/api/v1/reports/monthly", json=body, headers=token_for(supervisor))
    assert done.status_code == 201 and done.get_json()["figures"]["schools_total"] == 1
    assert client.post("/api/v1/reports/monthly", json=body, headers=token_for(supervisor)).status_code == 409
    assert client.post("/api/v1/reports/monthly", json={"month": "2026-07", "zone": "ZA"},
                       headers=token_for(supervisor)).status_code == 422   # not begun
    rows = client.get("/api/v1/reports/monthly/submissions?month=2026-06", headers=token_for(admin)).get_json()["rows"]
    assert {r["supervisor"] for r in rows if r["submitted"]} == {"sup"}
