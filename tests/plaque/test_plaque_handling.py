"""Handling reports (受理、核实): the transition rules, the reporter's view at each step, the
contact erased on closing, the audit trail, raising a problem, time limits and counts."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import text

from app.audit.models import AuditEvent
from app.extensions import db
from app.plaque.models import Complaint


def _reporter(client, code) -> dict:
    response = client.get(f"/api/v1/public/reports/{code}")
    assert response.status_code == 200
    return response.get_json()


def _raw_contact(complaint_id):
    return db.session.execute(text("SELECT contact FROM complaints WHERE id = :i"),
                              {"i": complaint_id}).scalar()


def test_a_report_through_every_status_with_the_reporters_view(client, county, file_report, move):
    complaint, code = file_report(county["school_a"], contact="138 0000 0000")
    sup = county["sup_a"]
    assert _reporter(client, code) == {"status": "received", "additions": []}

    response = move(sup, complaint, "verifying", note="已电话联系学校", reply="我们已受理，正在核实。")
    assert response.status_code == 200
    assert response.get_json()["status"] == "verifying"
    view = _reporter(client, code)
    assert view["status"] == "verifying" and view["reply"] == "我们已受理，正在核实。"
    assert "已电话联系学校" not in repr(view)  # staff notes stay with staff

    added = client.post(f"/api/v1/public/reports/{code}/additions", json={"text": "周末也布置很多。"})
    assert added.status_code == 201
    view = _reporter(client, code)
    assert [a["text"] for a in view["additions"]] == ["周末也布置很多。"]
    at = datetime.fromisoformat(view["additions"][0]["at"])
    assert (at.minute, at.second) == (0, 0)  # the reporter's time only to the hour

    assert move(sup, complaint, "substantiated", note="查实").status_code == 200
    assert _reporter(client, code)["status"] == "substantiated"
    assert _raw_contact(complaint.id) == "138 0000 0000"  # kept while handling

    response = move(sup, complaint, "closed", reply="学校已整改，感谢反映。")
    assert response.status_code == 200
    assert response.get_json()["contact"] is None
    view = _reporter(client, code)
    assert view == {"status": "closed", "reply": "学校已整改，感谢反映。",
                    "additions": view["additions"]}
    db.session.expire_all()
    assert _raw_contact(complaint.id) is None  # erased in the database, not only hidden
    row = db.session.get(Complaint, complaint.id)
    assert row.outcome == "substantiated" and row.closed_at is not None
    steps = [(e.status_from, e.status_to, e.actor_name) for e in row.events if e.kind == "status"]
    assert steps == [("received", "verifying", "李督学"), ("verifying", "substantiated", "李督学"),
                     ("substantiated", "closed", "李督学")]
    audit = db.session.scalars(db.select(AuditEvent).where(
        AuditEvent.entity == "complaint", AuditEvent.entity_id == str(complaint.id))).all()
    assert [e.after.get("status") for e in audit] == ["verifying", "substantiated", "closed"]
    assert all(e.actor == "sup_a" for e in audit)
    # The trail never holds what the reporter wrote or left.
    assert "作业太多" not in repr([(e.before, e.after, e.summary) for e in audit])
    assert "138" not in repr([(e.before, e.after, e.summary) for e in audit])
    # A closed report takes no more information.
    assert client.post(f"/api/v1/public/reports/{code}/additions",
                       json={"text": "还有"}).status_code == 409


@pytest.mark.parametrize("path, target", [
    ([], "substantiated"), ([], "unsubstantiated"), ([], "closed"),
    (["verifying"], "closed"), (["verifying", "unsubstantiated"], "substantiated"),
    (["verifying", "substantiated", "closed"], "verifying"),
])
def test_moves_the_rules_do_not_allow_are_409_and_change_nothing(county, file_report, move, path, target):
    complaint, _code = file_report(county["school_a"], contact="电话")
    for step in path:
        assert move(county["sup_a"], complaint, step).status_code == 200
    before = db.session.get(Complaint, complaint.id).status
    response = move(county["sup_a"], complaint, target)
    assert response.status_code == 409
    assert response.get_json()["error"]
    db.session.expire_all()
    assert db.session.get(Complaint, complaint.id).status == before


@pytest.mark.parametrize("body", [{"status": "received"}, {"status": "done"}, {},
                                  {"status": "verifying", "note": "x" * 2001},
                                  {"status": "closed", "spam": "yes"}])
def test_bad_transition_bodies_are_422(county, file_report, client, token_for, body):
    complaint, _code = file_report(county["school_a"])
    response = client.post(f"/api/v1/complaints/{complaint.id}/transitions", json=body,
                           headers=token_for(county["sup_a"]))
    assert response.status_code == 422
    db.session.expire_all()
    assert db.session.get(Complaint, complaint.id).status == "received"


def test_spam_can_be_closed_at_once_and_its_contact_erased(county, file_report, move):
    complaint, _code = file_report(county["school_a"], contact="广告 加微信")
    response = move(county["sup_a"], complaint, "closed", spam=True, note="广告")
    assert response.status_code == 200
    db.session.expire_all()
    row = db.session.get(Complaint, complaint.id)
    assert (row.status, row.outcome) == ("closed", "spam")
    assert _raw_contact(complaint.id) is None


def test_a_suggestion_is_closed_as_noted_after_verifying(county, file_report, move):
    complaint, _code = file_report(county["school_a"], kind="suggestion", category=None)
    assert move(county["sup_a"], complaint, "verifying").status_code == 200
    assert move(county["sup_a"], complaint, "closed").status_code == 200
    db.session.expire_all()
    assert db.session.get(Complaint, complaint.id).outcome == "noted"


def test_a_substantiated_report_raises_a_problem_linked_both_ways(client, county, file_report,
                                                                   move, token_for):
    from app.plaque.services import complaint_for_problem
    from app.visits.models import Problem
    complaint, _code = file_report(county["school_a"], category="tutoring")
    url = f"/api/v1/complaints/{complaint.id}/problem"
    body = {"description": "教师有偿补课", "deadline": "2027-01-15"}
    # Not yet substantiated: no problem.
    assert client.post(url, json=body, headers=token_for(county["sup_a"])).status_code == 409
    move(county["sup_a"], complaint, "verifying")
    move(county["sup_a"], complaint, "substantiated")
    # Another zone's supervisor cannot raise it.
    assert client.post(url, json=body, headers=token_for(county["sup_b"])).status_code == 403
    # A bad deadline raises nothing.
    bad = client.post(url, json={**body, "deadline": "soon"}, headers=token_for(county["sup_a"]))
    assert bad.status_code == 422
    assert db.session.scalar(text("SELECT count(*) FROM problems")) == 0

    response = client.post(url, json=body, headers=token_for(county["sup_a"]))
    assert response.status_code == 201
    problem_id = response.get_json()["problem_id"]
    problem = db.session.get(Problem, problem_id)
    assert problem.school_id == county["school_a"].id
    assert problem.category == "ethics"  # paid tutoring maps onto teachers' ethics
    assert problem.description == "教师有偿补课"
    db.session.expire_all()
    assert db.session.get(Complaint, complaint.id).problem_id == problem_id
    assert complaint_for_problem(problem_id).id == complaint.id
    # Only one problem per report.
    assert client.post(url, json=body, headers=token_for(county["sup_a"])).status_code == 409
    # The problem's page links back to the report (for those who handle reports).
    client.post("/login", data={"username": county["sup_a"].username, "password": "password123"})
    page = client.get(f"/staff/problems/{problem_id}")
    assert page.status_code == 200
    assert f'href="/staff/reports/{complaint.id}"' in page.text


def test_time_limits_count_working_days_and_flag_overdue_reports(make_app, county, file_report, move,
                                                                 client, token_for):
    from app.plaque.services import add_working_days, overdue
    assert add_working_days(date(2026, 12, 4), 1) == date(2026, 12, 7)  # Friday + 1 → Monday
    assert add_working_days(date(2026, 12, 2), 2) == date(2026, 12, 4)
    assert add_working_days(date(2026, 12, 2), 15) == date(2026, 12, 23)
    complaint, _code = file_report(county["school_a"])
    row = db.session.get(Complaint, complaint.id)
    row.received_hour = datetime(2026, 12, 2, 2, tzinfo=timezone.utc)  # Wednesday, 10:00 local
    db.session.commit()
    assert overdue(row, date(2026, 12, 4)) == []
    assert overdue(row, date(2026, 12, 7)) == ["acknowledge"]
    assert overdue(row, date(2026, 12, 24)) == ["acknowledge", "conclude"]
    move(county["sup_a"], row, "verifying")
    assert overdue(row, date(2026, 12, 7)) == []
    assert overdue(row, date(2026, 12, 24)) == ["conclude"]
    move(county["sup_a"], row, "unsubstantiated")
    assert overdue(row, date(2026, 12, 24)) == []


def test_overdue_reports_are_flagged_in_the_api(make_app, county, file_report, token_for):
    complaint, _code = file_report(county["school_a"])
    row = db.session.get(Complaint, complaint.id)
    row.received_hour = datetime(2026, 12, 2, 2, tzinfo=timezone.utc)
    db.session.commit()
    app = make_app(DUDAO_TODAY=date(2026, 12, 8))
    with app.app_context():
        client = app.test_client()
        headers = token_for(county["admin"])
        listed = client.get("/api/v1/complaints", headers=headers).get_json()
        assert listed[0]["overdue"] == ["acknowledge"]
        assert listed[0]["acknowledge_by"] == "2026-12-04"
        assert [c["id"] for c in client.get("/api/v1/complaints?overdue=1",
                                            headers=headers).get_json()] == [complaint.id]


def test_complaint_counts_are_counts_only(county, file_report, move):
    from app.plaque.services import complaint_counts
    a1, _ = file_report(county["school_a"], category="fees")
    file_report(county["school_a"], kind="praise", category=None)
    file_report(county["school_b"], category="fees")
    move(county["sup_a"], a1, "verifying")
    move(county["sup_a"], a1, "substantiated")
    counts = complaint_counts(zone_id=county["zone_a"].id)
    assert counts["total"] == 2
    assert counts["by_kind"] == {"complaint": 1, "suggestion": 0, "praise": 1}
    assert counts["by_category"]["fees"] == 1 and counts["by_category"]["none"] == 1
    assert counts["substantiated"] == 1
    assert complaint_counts()["total"] == 3
    assert complaint_counts(school_id=county["school_b"].id)["by_category"]["fees"] == 1
    assert complaint_counts(start=date(2030, 1, 1))["total"] == 0
    assert "作业" not in repr(complaint_counts())


def test_counts_api_is_for_handlers_of_that_zone(client, county, file_report, token_for):
    file_report(county["school_a"])
    get = lambda user, q: client.get(f"/api/v1/complaints/counts{q}", headers=token_for(user))
    assert get(county["sup_a"], f"?zone={county['zone_a'].code}").get_json()["total"] == 1
    assert get(county["sup_a"], f"?zone={county['zone_b'].code}").status_code == 403
    assert get(county["admin"], "").get_json()["total"] == 1
    assert get(county["viewer"], "").status_code == 403
    assert get(county["admin"], "?start=soon").status_code == 422


def test_the_demo_adds_reports_in_every_state(app, county):
    import random
    from app.plaque.demo import add_demo_complaints
    add_demo_complaints([county["school_a"], county["school_b"]], random.Random(1))
    db.session.commit()
    rows = db.session.scalars(db.select(Complaint)).all()
    assert {r.status for r in rows} == {"received", "verifying", "substantiated",
                                        "unsubstantiated", "closed"}
    assert all(r.contact is None for r in rows if r.status == "closed")


def test_the_api_description_documents_the_plaque_paths():
    # The fragment beside the code, which /api/v1/openapi.json merges with every feature's.
    from pathlib import Path

    import yaml

    import app.plaque
    fragment = yaml.safe_load((Path(app.plaque.__file__).with_name("openapi.yaml")).read_text("utf-8"))
    for path in ("/schools/{code}/plaque", "/public/plaque/{token}/reports",
                 "/public/reports/{code}", "/complaints", "/complaints/{id}/transitions"):
        assert "/api/v1" + path in fragment["paths"]
    assert fragment["paths"]["/api/v1/public/plaque/{token}/reports"]["post"]["security"] == []
    assert set(fragment["components"]["schemas"]["Complaint"]["required"]) == {
        "id", "school", "kind", "category", "text", "contact", "status", "received"}


def test_the_served_api_description_includes_the_plaque_paths(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in ("/schools/{code}/plaque", "/public/plaque/{token}/reports",
                 "/public/reports/{code}", "/complaints", "/complaints/{id}/transitions"):
        assert "/api/v1" + path in paths  # full paths, like every other fragment
