"""The staff pages for problems, the monthly report and coverage, per role."""
from __future__ import annotations

from datetime import date
from io import BytesIO

import pytest

from app.extensions import db
from app.visits.models import FollowUp, Problem


@pytest.fixture
def login(client):
    """Sign a user in on the test client."""
    def sign_in(user):
        client.post("/logout")
        response = client.post("/login", data={"username": user.username, "password": "password123"})
        assert response.status_code == 302
    return sign_in


@pytest.fixture
def problem(app, school, supervisor, visit):
    """An open problem at `school` about sleep."""
    from app.visits.problems import raise_problem
    app.config["DUDAO_TODAY"] = date(2026, 6, 10)
    return raise_problem(school, category="sleep", description="学生睡眠时间不足", deadline="2026-06-30",
                         visit=visit, actor=supervisor)


@pytest.fixture
def other_problem(app, other_school, other_supervisor, make_visit):
    """A problem in another zone."""
    from app.visits.problems import raise_problem
    visit = make_visit(school=other_school, supervisor=other_supervisor)
    return raise_problem(other_school, category="fees", description="违规收费", deadline="2026-06-30",
                         visit=visit, actor=other_supervisor)


def test_overview_per_role(client, login, problem, other_problem, supervisor, admin, viewer):
    login(admin)
    page = client.get("/staff/problems")
    assert page.status_code == 200
    assert f"/staff/problems/{problem.id}" in page.text and f"/staff/problems/{other_problem.id}" in page.text
    assert 'class="table-wrap"' in page.text
    login(supervisor)
    page = client.get("/staff/problems")
    assert f"/staff/problems/{problem.id}" in page.text and f"/staff/problems/{other_problem.id}" not in page.text
    assert client.get("/staff/problems?zone=ZB").status_code == 403
    login(viewer)
    assert f"/staff/problems/{other_problem.id}" in client.get("/staff/problems").text
    filtered = client.get("/staff/problems?category=fees")
    assert f"/staff/problems/{other_problem.id}" in filtered.text and f"/staff/problems/{problem.id}\"" not in filtered.text
    assert client.get("/staff/problems?status=bogus").status_code == 422


def test_detail_per_role(client, login, problem, supervisor, other_supervisor, admin, viewer):
    url = f"/staff/problems/{problem.id}"
    for user in (admin, supervisor):
        login(user)
        page = client.get(url)
        assert page.status_code == 200 and f'action="{url}/follow-ups"' in page.text
    login(viewer)
    page = client.get(url)
    assert page.status_code == 200 and f'action="{url}/follow-ups"' not in page.text
    assert client.post(f"{url}/follow-ups", data={"date": "2026-06-20", "rectified": "no"}).status_code == 403
    login(other_supervisor)
    assert client.get(url).status_code == 403
    assert client.post(f"{url}/close", data={}).status_code == 403
    assert client.get("/staff/problems/99999").status_code == 404
    client.post("/logout")
    assert client.get(url).status_code == 302   # to sign-in


def test_page_follow_ups_escalate_and_close(client, login, problem, supervisor):
    login(supervisor)
    url = f"/staff/problems/{problem.id}"
    for day in ("2026-06-15", "2026-06-25"):
        response = client.post(f"{url}/follow-ups", data={"date": day, "rectified": "no", "note": "未整改"})
        assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Problem, problem.id).escalated is True
    assert db.session.query(FollowUp).count() == 2
    assert client.post(f"{url}/follow-ups", data={"date": "", "rectified": "no"}).status_code == 400
    assert client.post(f"{url}/update", data={"change": "departments", "note": "需住建部门配合"}).status_code == 302
    assert client.post(f"{url}/close", data={"note": "已销号"}).status_code == 302
    db.session.expire_all()
    closed = db.session.get(Problem, problem.id)
    assert closed.status == "closed" and closed.needs_departments is True
    page = client.get(url)
    assert page.status_code == 200 and f'action="{url}/close"' not in page.text


def test_new_problem_page(client, login, visit, supervisor, other_supervisor, viewer):
    url = f"/staff/visits/{visit.id}/problems/new"
    for user in (viewer, other_supervisor):
        login(user)
        assert client.get(url).status_code == 403
    login(supervisor)
    assert client.get(url).status_code == 200
    bad = client.post(url, data={"category": "homework", "description": "作业多", "deadline_kind": "date"})
    assert bad.status_code == 422 and db.session.query(Problem).count() == 0
    done = client.post(url, data={"category": "homework", "description": "作业多", "deadline_kind": "immediate",
                                  "indicator": "homework_compliance"})
    assert done.status_code == 302
    created = db.session.query(Problem).one()
    assert created.immediate is True and created.indicator == "homework_compliance" and created.visit_id == visit.id
    assert client.get("/staff/visits/99999/problems/new").status_code == 404


def test_monthly_and_coverage_pages(app, client, login, school, supervisor, admin, viewer, make_visit):
    app.config["DUDAO_TODAY"] = date(2026, 6, 20)
    make_visit(date=date(2026, 6, 3), status="submitted", methods=["homework_inspection"])
    for user in (admin, viewer, supervisor):
        login(user)
        page = client.get("/staff/reports/monthly?month=2026-06")
        assert page.status_code == 200 and 'class="table-wrap"' in page.text
        assert client.get("/staff/coverage?semester=2025-2").status_code == 200
        workbook = client.get("/staff/reports/monthly.xlsx?month=2026-06")
        assert workbook.status_code == 200
        from openpyxl import load_workbook
        assert load_workbook(BytesIO(workbook.data)).worksheets[0]["C2"].value == 1
    assert client.get("/staff/reports/monthly?month=June").status_code == 422
    assert 'action="/staff/reports/monthly?month=2026-06"' in client.get("/staff/reports/monthly?month=2026-06").text
    assert client.post("/staff/reports/monthly?month=2026-06", data={"zone": "ZA"}).status_code == 302
    from app.visits.models import MonthlyReport
    assert db.session.query(MonthlyReport).one().figures["visits"] == 1
    login(viewer)
    assert client.post("/staff/reports/monthly?month=2026-06", data={"zone": "ZA"}).status_code == 403


def test_nav_links(client, login, supervisor):
    login(supervisor)
    home = client.get("/staff/").text
    assert 'href="/staff/problems"' in home and 'href="/staff/reports/monthly"' in home

