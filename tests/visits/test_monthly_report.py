"""The monthly report's figures against counts made by hand: two zones, three supervisors (two
sharing a zone), visits on month boundaries, drafts, closings across a time-zone midnight."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from app.extensions import db
from app.visits import problems as services


@pytest.fixture
def county(app, make_zone, make_school, make_user, make_visit):
    """The scene described in each test's expectations (see the comments)."""
    app.config["ESCALATION_GRACE_DAYS"] = 14
    za, zb = make_zone(code="MA"), make_zone(code="MB")
    a1, a2, a3 = (make_school(code=c, zone=za) for c in ("A1", "A2", "A3"))
    b1, _b2 = (make_school(code=c, zone=zb) for c in ("B1", "B2"))
    amy = make_user("amy", role="supervisor", zones=[za])
    bob = make_user("bob", role="supervisor", zones=[za])
    cat = make_user("cat", role="supervisor", zones=[zb])
    make_user("office", role="admin")

    def visit(school, day, who, status="submitted"):
        v = make_visit(school=school, supervisor=who[0], date=day, status=status)
        v.supervisors.extend(who[1:])
        db.session.commit()
        return v

    v_may = visit(a1, date(2026, 5, 31), [amy])
    v_a1 = visit(a1, date(2026, 6, 1), [amy])
    v_team = visit(a2, date(2026, 6, 30), [amy, bob])
    v_draft = visit(a2, date(2026, 6, 15), [amy], status="draft")
    v_jul = visit(a3, date(2026, 7, 1), [bob])
    v_b1 = visit(b1, date(2026, 6, 10), [cat])
    visit(b1, date(2026, 6, 10), [cat])   # a second visit the same day
    visit(b1, date(2026, 5, 10), [cat], status="draft")

    def problem(v, deadline, closed_at=None):
        app.config["DUDAO_TODAY"] = v.date
        p = services.raise_problem(v.school, category="other", description="问题", deadline=deadline,
                                   visit=v, actor=v.supervisors[0])
        if closed_at is not None:
            services.close_problem(p, note=None, actor=v.supervisors[0])
            p.closed_at = closed_at
            db.session.commit()
        return p

    found = {
        "p1": problem(v_a1, "2026-06-10", closed_at=datetime(2026, 6, 9, 4, tzinfo=timezone.utc)),
        "p2": problem(v_draft, "2026-07-31"),
        "p3": problem(v_team, "2026-06-30"),
        "p4": problem(v_may, "2026-06-05"),
        "p5": problem(v_b1, "2026-07-15"),
        # Closed at 01:00 on 2 July in Beijing (17:00 UTC on 1 July): a July closing.
        "p6": problem(v_b1, "2026-06-20", closed_at=datetime(2026, 7, 1, 17, tzinfo=timezone.utc)),
        "p7": problem(v_jul, "2026-07-31"),
    }
    app.config["DUDAO_TODAY"] = date(2026, 7, 8)
    services.add_follow_up(found["p7"], day=date(2026, 7, 5), rectified=False, note=None, actor=bob)
    services.add_follow_up(found["p7"], day=date(2026, 7, 8), rectified=False, note=None, actor=bob)
    app.config["DUDAO_TODAY"] = date(2026, 8, 15)
    return found


def report(client, token_for, month):
    from app.organisation.models import User
    admin = db.session.query(User).filter_by(username="office").one()
    response = client.get(f"/api/v1/reports/monthly?month={month}", headers=token_for(admin))
    assert response.status_code == 200
    body = response.get_json()
    assert body["month"] == month
    # make_visit brings the shared fixture's zone ZA (school S100) along: leave it out here.
    return ({(r["zone"], r["supervisor"]): {k: v for k, v in r.items() if k not in ("zone", "supervisor")}
             for r in body["rows"] if r["zone"] != "ZA"}, [c for c in body["not_visited"] if c != "S100"])


def row(visits, visited, total, found, closed, overdue, escalated):
    return {"visits": visits, "schools_visited": visited, "schools_total": total, "problems_found": found,
            "problems_closed": closed, "problems_overdue": overdue, "problems_escalated": escalated}


def test_june(client, token_for, county):
    rows, not_visited = report(client, token_for, "2026-06")
    # amy: submitted visits A1 on 1 June and A2 on 30 June (the 15 June draft is not a visit made);
    # problems found on her June visits p1, p2 (the draft's), p3; p1 closed in June; at 30 June
    # p4 is overdue (deadline 5 June) and escalated (5 June + 14 days passed on 20 June).
    assert rows[("MA", "amy")] == row(2, 2, 3, 3, 1, 1, 1)
    # bob: only the team visit of 30 June; p3 found on it; the zone's figures as amy's.
    assert rows[("MA", "bob")] == row(1, 1, 3, 1, 1, 1, 1)
    # cat: two visits to B1; p5 and p6 found; p6 closed only in July; p6 overdue at 30 June.
    assert rows[("MB", "cat")] == row(2, 1, 2, 2, 0, 1, 0)
    assert set(rows) == {("MA", "amy"), ("MA", "bob"), ("MB", "cat")}
    assert not_visited == ["A3", "B2"]


def test_july(client, token_for, county):
    rows, not_visited = report(client, token_for, "2026-07")
    # Zone MA at 31 July: overdue p3 and p4 (p2 and p7 are due that very day); escalated p3
    # (30 June + 14 passed on 15 July), p4, and p7 (two failed follow-ups on 5 and 8 July).
    assert rows[("MA", "amy")] == row(0, 0, 3, 0, 0, 2, 3)
    assert rows[("MA", "bob")] == row(1, 1, 3, 1, 0, 2, 3)
    # Zone MB: p6 closed on 2 July (local); p5 overdue since 16 July, escalated on 30 July.
    assert rows[("MB", "cat")] == row(0, 0, 2, 0, 1, 1, 1)
    assert not_visited == ["A1", "A2", "B1", "B2"]


def test_may_before_the_june_problems_existed(client, token_for, county):
    rows, not_visited = report(client, token_for, "2026-05")
    assert rows[("MA", "amy")] == row(1, 1, 3, 1, 0, 0, 0)
    assert rows[("MB", "cat")] == row(0, 0, 2, 0, 0, 0, 0)   # a draft visit does not count
    assert not_visited == ["A2", "A3", "B1", "B2"]


def test_current_month_describes_now(client, token_for, county):
    rows, _ = report(client, token_for, "2026-08")   # today is 15 August
    # Now: p2 (31 July + 14 passed today), p3, p4, p7 overdue and escalated in MA; p5 in MB.
    assert rows[("MA", "amy")] == row(0, 0, 3, 0, 0, 4, 4)
    assert rows[("MB", "cat")] == row(0, 0, 2, 0, 0, 1, 1)


def test_zone_filter_and_submission_freezes_the_row(app, client, token_for, county):
    from app.organisation.models import User
    amy = db.session.query(User).filter_by(username="amy").one()
    body = client.get("/api/v1/reports/monthly?month=2026-06&zone=MA", headers=token_for(amy)).get_json()
    assert [r["supervisor"] for r in body["rows"]] == ["amy", "bob"] and body["not_visited"] == ["A3"]
    done = client.post("/api/v1/reports/monthly", json={"month": "2026-06", "zone": "MA", "note": "按时报送"},
                       headers=token_for(amy))
    assert done.status_code == 201
    frozen = done.get_json()["figures"]
    assert {k: frozen[k] for k in row(0, 0, 0, 0, 0, 0, 0)} == row(2, 2, 3, 3, 1, 1, 1)
    # Later changes do not touch the submitted figures.
    services.close_problem(county["p4"], note=None, actor=amy)
    from app.visits.models import MonthlyReport
    assert db.session.query(MonthlyReport).one().figures["problems_closed"] == 1
    rows = client.get("/api/v1/reports/monthly/submissions?month=2026-06", headers=token_for(amy)).get_json()
    assert {r["supervisor"]: bool(r["submitted"]) for r in rows["rows"]} == {"amy": True, "bob": False}
    assert rows["due"] == "2026-06-27"


def test_xlsx_holds_real_numbers_and_a_frozen_header(client, token_for, county):
    from io import BytesIO

    from openpyxl import load_workbook
    from app.organisation.models import User
    admin = db.session.query(User).filter_by(username="office").one()
    response = client.get("/api/v1/reports/monthly?month=2026-06&format=xlsx", headers=token_for(admin))
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    sheet = load_workbook(BytesIO(response.data)).worksheets[0]
    assert sheet.freeze_panes == "A2"
    values = [[c.value for c in r] for r in sheet.iter_rows(min_row=2)]
    assert values[0] == ["MA", "amy", 2, 2, 3, 3, 1, 1, 1]
    assert all(isinstance(v, int) for v in values[2][2:])


def test_six_at_leasts_and_coverage(app, client, token_for, make_zone, make_school, make_user, make_visit):
    app.config["DUDAO_TODAY"] = date(2026, 11, 20)
    zone = make_zone(code="SX")
    school, quiet = make_school(code="X1", zone=zone), make_school(code="X2", zone=zone)
    sup = make_user("sx", role="supervisor", zones=[zone])
    make_visit(school=school, supervisor=sup, date=date(2026, 9, 8), status="submitted",
               methods=["homework_inspection", "class_observation"])
    make_visit(school=school, supervisor=sup, date=date(2026, 10, 12), status="submitted",
               methods=["interview", "principal_report"])
    make_visit(school=school, supervisor=sup, date=date(2026, 11, 3), status="draft",
               methods=["lesson_preparation"])                       # a draft does not count
    make_visit(school=school, supervisor=sup, date=date(2026, 6, 3), status="submitted",
               methods=["after_school_observation"])                 # last semester
    six = client.get("/api/v1/reports/six-at-leasts?semester=2026-1", headers=token_for(sup)).get_json()
    by_school = {r["school"]: r for r in six["rows"]}
    assert by_school["X1"]["done"] == ["homework", "class", "forum", "principal_report"]
    assert by_school["X1"]["missing"] == ["after_school", "lesson_preparation"]
    assert len(by_school["X2"]["missing"]) == 6
    grid = client.get("/api/v1/reports/coverage?semester=2026-1", headers=token_for(sup)).get_json()
    assert grid["months"] == ["2026-09", "2026-10", "2026-11", "2026-12", "2027-01"]
    cells = {r["school"]: [c["state"] for c in r["cells"]] for r in grid["rows"]}
    assert cells["X1"] == ["ok", "ok", "open", "future", "future"]
    assert cells["X2"] == ["gap", "gap", "open", "future", "future"]
    assert grid["gaps"] == 2
    assert client.get("/api/v1/reports/coverage?semester=2026-3", headers=token_for(sup)).status_code == 422



def test_the_monthly_report_counts_reports_from_parents_per_zone(client, token_for, county):
    """Anonymous plaque reports received in the month appear as counts per zone (no texts), on
    the API, the page and in the workbook."""
    import io

    from openpyxl import load_workbook

    from app.organisation.models import School, User
    from app.plaque.services import live_plaque
    from datetime import datetime
    from zoneinfo import ZoneInfo
    school = db.session.query(School).filter_by(code="A1").one()
    for kind in ("complaint", "suggestion"):
        response = client.post(f"/api/v1/public/plaque/{live_plaque(school).token}/reports",
                               json={"kind": kind, "text": "食堂的菜太咸了，希望改进。"})
        assert response.status_code == 201
    admin = db.session.query(User).filter_by(username="office").one()
    # Reports are stamped with the real hour they arrive (the fixture's "today" is elsewhere).
    month = datetime.now(ZoneInfo(client.application.config["TIMEZONE"])).strftime("%Y-%m")
    body = client.get(f"/api/v1/reports/monthly?month={month}", headers=token_for(admin)).get_json()
    by_zone = {c["zone"]: c for c in body["complaints"]}
    assert by_zone[school.zone.code]["total"] == 2
    assert by_zone[school.zone.code]["by_kind"] == {"complaint": 1, "suggestion": 1, "praise": 0}
    assert all(c["total"] == 0 for code, c in by_zone.items() if code != school.zone.code)
    assert "食堂" not in str(body)
    workbook = client.get(f"/api/v1/reports/monthly?month={month}&format=xlsx", headers=token_for(admin))
    sheet = load_workbook(io.BytesIO(workbook.data)).worksheets[-1]
    rows = {r[0]: r for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows[school.zone.code][1:4] == (2, 1, 1)
