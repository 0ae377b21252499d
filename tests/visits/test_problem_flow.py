"""A problem's life through the API: raised, two failed follow-ups, escalated, closed; the
deadline-based escalation with an injected today; validation."""
from __future__ import annotations

from datetime import date

import pytest

from app.audit.models import AuditEvent
from app.extensions import db
from app.visits.models import Problem


@pytest.fixture
def today(app):
    """Move the county's today (config DUDAO_TODAY) and return a setter."""
    def set_today(day: date):
        app.config["DUDAO_TODAY"] = day
    set_today(date(2026, 6, 10))
    return set_today


def raise_one(client, headers, visit, **body):
    body = {"category": "homework", "description": "三年级书面作业超时", "deadline": "2026-06-30", **body}
    return client.post(f"/api/v1/visits/{visit.id}/problems", json=body, headers=headers)


def test_two_failed_follow_ups_escalate_and_closing_ends_it(client, token_for, supervisor, visit, today):
    headers = token_for(supervisor)
    created = raise_one(client, headers, visit, requirement="控制在60分钟内")
    assert created.status_code == 201
    problem = created.get_json()
    assert problem["status"] == "open" and problem["escalated"] is False
    assert problem["visit"] == visit.id and problem["school"] == "S100"
    assert [h["status"] for h in problem["history"]] == ["open"]
    assert problem["history"][0]["by"] == "sup" and problem["history"][0]["action"] == "created"

    first = client.post(f"/api/v1/problems/{problem['id']}/follow-ups",
                        json={"date": "2026-06-20", "rectified": False, "note": "仍超时"}, headers=headers)
    assert first.status_code == 201
    after_one = client.get(f"/api/v1/problems/{problem['id']}", headers=headers).get_json()
    assert after_one["status"] == "rectifying" and after_one["escalated"] is False

    client.post(f"/api/v1/problems/{problem['id']}/follow-ups",
                json={"date": "2026-06-28", "rectified": False}, headers=headers)
    escalated = client.get(f"/api/v1/problems/{problem['id']}", headers=headers).get_json()
    assert escalated["escalated"] is True and escalated["escalation_reason"] == "follow_ups"
    assert escalated["follow_ups"] == [{"date": "2026-06-20", "rectified": False, "note": "仍超时"},
                                       {"date": "2026-06-28", "rectified": False, "note": None}]
    assert [h["action"] for h in escalated["history"]] == ["created", "follow_up", "follow_up", "escalated"]
    listed = client.get("/api/v1/problems?escalated=1", headers=headers).get_json()
    assert [p["id"] for p in listed] == [problem["id"]]
    # A rectifying problem is still open; only rectifying ones under status=rectifying.
    assert [p["id"] for p in client.get("/api/v1/problems?status=open", headers=headers).get_json()] == [problem["id"]]
    assert [p["id"] for p in client.get("/api/v1/problems?status=rectifying", headers=headers).get_json()] \
        == [problem["id"]]

    closed = client.post(f"/api/v1/problems/{problem['id']}/close", json={"note": "已整改到位"}, headers=headers)
    assert closed.status_code == 200
    body = closed.get_json()
    assert body["status"] == "closed" and body["escalated"] is False and body["overdue"] is False
    assert body["history"][-1] == {**body["history"][-1], "action": "closed", "status": "closed",
                                   "note": "已整改到位", "by": "sup"}
    assert client.get("/api/v1/problems?escalated=1", headers=headers).get_json() == []
    assert client.get("/api/v1/problems?status=open", headers=headers).get_json() == []
    assert [p["id"] for p in client.get("/api/v1/problems?status=closed", headers=headers).get_json()] == [problem["id"]]
    # Closed is final: no more follow-ups, no second closing.
    assert client.post(f"/api/v1/problems/{problem['id']}/close", json={}, headers=headers).status_code == 409
    assert client.post(f"/api/v1/problems/{problem['id']}/follow-ups",
                       json={"date": "2026-07-01", "rectified": True}, headers=headers).status_code == 409
    actions = [e.action for e in db.session.query(AuditEvent).filter_by(entity="problem", entity_id=str(problem["id"]))]
    assert actions == ["create", "update", "update", "update"]


def test_one_failed_and_one_good_follow_up_do_not_escalate(client, token_for, supervisor, visit, today):
    headers = token_for(supervisor)
    pid = raise_one(client, headers, visit).get_json()["id"]
    for rectified in (False, True):
        client.post(f"/api/v1/problems/{pid}/follow-ups", json={"date": "2026-06-20", "rectified": rectified},
                    headers=headers)
    assert client.get(f"/api/v1/problems/{pid}", headers=headers).get_json()["escalated"] is False


def test_deadline_escalation_after_the_grace_period(app, client, token_for, supervisor, visit, today):
    headers = token_for(supervisor)
    app.config["ESCALATION_GRACE_DAYS"] = 5
    pid = raise_one(client, headers, visit, deadline="2026-06-30").get_json()["id"]
    today(date(2026, 6, 30))
    on_the_day = client.get(f"/api/v1/problems/{pid}", headers=headers).get_json()
    assert on_the_day["overdue"] is False and on_the_day["escalated"] is False
    today(date(2026, 7, 1))
    late = client.get(f"/api/v1/problems/{pid}", headers=headers).get_json()
    assert late["overdue"] is True and late["escalated"] is False
    assert [p["id"] for p in client.get("/api/v1/problems?overdue=1", headers=headers).get_json()] == [pid]
    today(date(2026, 7, 5))   # deadline + 5 days: not yet "more than" 5
    assert client.get(f"/api/v1/problems/{pid}", headers=headers).get_json()["escalated"] is False
    today(date(2026, 7, 6))
    listed = client.get("/api/v1/problems", headers=headers).get_json()
    assert listed[0]["escalated"] is True and listed[0]["escalation_reason"] == "deadline"
    history = client.get(f"/api/v1/problems/{pid}", headers=headers).get_json()["history"]
    assert [(h["action"], h["by"]) for h in history] == [("created", "sup"), ("escalated", "system")]
    # Stays escalated even if the grace is widened later; read again: no second event.
    app.config["ESCALATION_GRACE_DAYS"] = 60
    again = client.get(f"/api/v1/problems/{pid}", headers=headers).get_json()
    assert again["escalated"] is True and len(again["history"]) == 2


def test_immediate_problem_is_due_the_day_it_is_raised(client, token_for, supervisor, visit, today):
    headers = token_for(supervisor)
    body = raise_one(client, headers, visit, deadline="immediate").get_json()
    assert body["deadline"] == "immediate" and body["deadline_date"] == "2026-06-10"
    assert body["overdue"] is False
    today(date(2026, 6, 11))
    assert client.get(f"/api/v1/problems/{body['id']}", headers=headers).get_json()["overdue"] is True


def test_problem_on_a_submitted_visit(client, token_for, supervisor, make_visit, today):
    visit = make_visit(status="submitted", evidence=[], flags=[])
    response = raise_one(client, token_for(supervisor), visit)
    assert response.status_code == 201 and response.get_json()["visit"] == visit.id


@pytest.mark.parametrize("body, field", [
    ({"category": "weather"}, "category"),
    ({"description": "  "}, "description"),
    ({"deadline": "2026-02-30"}, "deadline"),
    ({"deadline": "tomorrow"}, "deadline"),
    ({"deadline": None}, "deadline"),
    ({"indicator": "no_such_indicator"}, "indicator"),
    ({"description": "x" * 5000}, "description"),
])
def test_invalid_problem_names_the_field(client, token_for, supervisor, visit, today, body, field):
    response = raise_one(client, token_for(supervisor), visit, **body)
    assert response.status_code == 422
    assert field in response.get_json()["fields"]
    assert db.session.query(Problem).count() == 0


def test_bad_bodies_are_refused_cleanly(client, token_for, supervisor, visit, today):
    headers = token_for(supervisor)
    assert client.post(f"/api/v1/visits/{visit.id}/problems", data="[1", headers=headers).status_code == 400
    assert client.post(f"/api/v1/visits/{visit.id}/problems", json=[1], headers=headers).status_code == 400  # not an object: as everywhere in the API
    assert client.post("/api/v1/visits/999999/problems", json={}, headers=headers).status_code == 404
    pid = raise_one(client, headers, visit).get_json()["id"]
    for body in ({"date": "2026-13-01", "rectified": False}, {"date": "2026-06-20", "rectified": "no"}, {}):
        response = client.post(f"/api/v1/problems/{pid}/follow-ups", json=body, headers=headers)
        assert response.status_code == 422, body
    assert client.get("/api/v1/problems?status=weird", headers=headers).status_code == 422
    assert client.get("/api/v1/problems?zone=NOPE", headers=headers).status_code == 404
    assert client.get("/api/v1/problems/99999999999", headers=headers).status_code == 404


def test_status_change_and_departments_flag(client, token_for, supervisor, visit, today):
    headers = token_for(supervisor)
    pid = raise_one(client, headers, visit).get_json()["id"]
    moved = client.patch(f"/api/v1/problems/{pid}", json={"status": "rectifying", "note": "学校已制定方案"},
                         headers=headers)
    assert moved.status_code == 200 and moved.get_json()["status"] == "rectifying"
    marked = client.patch(f"/api/v1/problems/{pid}", json={"needs_departments": True}, headers=headers).get_json()
    assert marked["needs_departments"] is True
    assert [h["action"] for h in marked["history"]] == ["created", "status", "marked_departments"]
    assert client.patch(f"/api/v1/problems/{pid}", json={"status": "closed"}, headers=headers).status_code == 422
    assert [p["id"] for p in client.get("/api/v1/problems?departments=1", headers=headers).get_json()] == [pid]


def test_raise_problem_without_a_visit(app, school, admin, today):
    """The plaque helper raises problems from substantiated complaints (visit None)."""
    from app.visits.problems import raise_problem
    problem = raise_problem(school, category="fees", description="违规收费", deadline=date(2026, 7, 1),
                            actor=admin, note="来自举报")
    assert problem.id and problem.visit_id is None and problem.status == "open"
    assert problem.history[0].note == "来自举报" and problem.history[0].by_name == "office"
