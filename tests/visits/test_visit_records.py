"""Visit records through the API: drafts, editing, submit and lock, amendments, validation,
listing by school and month, the problems raised on them, and the audit trail of every write."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.extensions import db


@pytest.fixture
def api(client, token_for, supervisor, school):
    """Call the API (about `school`) as the zone's supervisor: api("post", "/visits", json=...)."""
    def call(method, path, user=None, **kwargs):
        return getattr(client, method)(f"/api/v1{path}", headers=token_for(user or supervisor), **kwargs)
    return call


def draft(api, **fields):
    body = {"school": "S100", "date": "2026-06-10", "kind": "routine", **fields}
    response = api("post", "/visits", json=body)
    assert response.status_code == 201, response.json
    return response.json


def events(visit_id):
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.entity == "visit",
                                                            AuditEvent.entity_id == str(visit_id))
                                   .order_by(AuditEvent.id)))


def test_create_returns_a_draft_with_every_field(api, school, supervisor):
    body = draft(api, theme="作业管理", methods=["homework_inspection", "campus_patrol"],
                 observations="巡查了三个班", highlights="作业公示", problems_found="四年级作业偏多",
                 checklist={"homework_within_limits": True, "phones_managed": False})
    assert body["status"] == "draft" and body["school"] == "S100" and body["date"] == "2026-06-10"
    assert body["kind"] == "routine" and body["theme"] == "作业管理"
    # Methods are kept in the standard order, each once.
    assert body["methods"] == ["campus_patrol", "homework_inspection"]
    assert body["supervisors"] == ["sup"] and body["problems"] == [] and body["amendments"] == []
    assert body["checklist"] == {"homework_within_limits": True, "phones_managed": False}
    assert body["observations"] == "巡查了三个班" and body["highlights"] == "作业公示"
    assert body["problems_found"] == "四年级作业偏多"
    assert {"evidence", "flags"} <= set(body)
    (created,) = events(body["id"])
    assert created.action == "create" and created.actor == "sup" and created.zone_id == school.zone_id


def test_a_draft_can_be_changed_and_resumed(api, client, token_for, supervisor):
    visit = draft(api)
    changed = api("patch", f"/visits/{visit['id']}", json={"observations": "补记", "methods": ["interview"]})
    assert changed.status_code == 200
    # Resumed elsewhere (a fresh read, as from another device): the server kept the draft.
    again = api("get", f"/visits/{visit['id']}").json
    assert again["observations"] == "补记" and again["methods"] == ["interview"] and again["kind"] == "routine"
    mine = api("get", "/visits?status=draft&mine=1").json
    assert [v["id"] for v in mine] == [visit["id"]]
    update = events(visit["id"])[-1]
    assert update.action == "update" and update.before == {"observations": None, "methods": []}
    assert update.after == {"observations": "补记", "methods": ["interview"]}


def test_submit_locks_the_record(api):
    visit = draft(api, observations="原文")
    submitted = api("post", f"/visits/{visit['id']}/submit")
    assert submitted.status_code == 200 and submitted.json["status"] == "submitted"
    assert submitted.json["evidence_as_of"] and submitted.json["submitted_at"]
    assert api("patch", f"/visits/{visit['id']}", json={"observations": "改了"}).status_code == 409
    assert api("post", f"/visits/{visit['id']}/submit").status_code == 409
    assert api("get", f"/visits/{visit['id']}").json["observations"] == "原文"
    assert [e.action for e in events(visit["id"])] == ["create", "submit"]


def test_amendments_keep_the_original(api, supervisor):
    visit = draft(api, observations="原文")
    assert api("post", f"/visits/{visit['id']}/amendments", json={"text": "早"}).status_code == 409
    api("post", f"/visits/{visit['id']}/submit")
    before = api("get", f"/visits/{visit['id']}").json
    response = api("post", f"/visits/{visit['id']}/amendments", json={"text": "日期应为6月11日"})
    assert response.status_code == 201 and response.json["text"] == "日期应为6月11日"
    after = api("get", f"/visits/{visit['id']}").json
    assert [a["text"] for a in after["amendments"]] == ["日期应为6月11日"]
    assert after["amendments"][0]["by"] == "sup"
    assert {k: v for k, v in after.items() if k != "amendments"} == \
        {k: v for k, v in before.items() if k != "amendments"}
    assert events(visit["id"])[-1].action == "amend"
    for bad in ({"text": "  "}, {}, {"text": 5}):
        response = api("post", f"/visits/{visit['id']}/amendments", json=bad)
        assert response.status_code == 422 and "text" in response.json["fields"]


@pytest.mark.parametrize("change, field", [
    ({"kind": "social"}, "kind"),
    ({"kind": None}, "kind"),
    ({"methods": ["campus_patrol", "karaoke"]}, "methods"),
    ({"methods": "campus_patrol"}, "methods"),
    ({"date": "2026-13-01"}, "date"),
    ({"date": "10/06/2026"}, "date"),
    ({"date": None}, "date"),
    ({"school": "NOPE"}, "school"),
    ({"school": None}, "school"),
    ({"checklist": {"unicorns_fed": True}}, "checklist"),
    ({"checklist": {"sleep_protected": "yes"}}, "checklist"),
    ({"checklist": ["sleep_protected"]}, "checklist"),
    ({"theme": "主" * 201}, "theme"),
    ({"observations": 12}, "observations"),
    ({"supervisors": ["nobody"]}, "supervisors"),
])
def test_invalid_fields_are_named(api, school, change, field):
    body = {"school": "S100", "date": "2026-06-10", "kind": "routine", **change}
    response = api("post", "/visits", json=body)
    assert response.status_code == 422, response.json
    assert field in response.json["fields"]
    assert not db.session.scalars(select(AuditEvent).where(AuditEvent.entity == "visit")).all()


def test_patch_validates_too(api):
    visit = draft(api)
    response = api("patch", f"/visits/{visit['id']}", json={"methods": ["dancing"], "kind": "x"})
    assert response.status_code == 422 and {"methods", "kind"} <= set(response.json["fields"])
    assert api("get", f"/visits/{visit['id']}").json["kind"] == "routine"


@pytest.mark.parametrize("body", ["[1, 2]", "not json", '"text"'])
def test_a_body_that_is_not_an_object_is_a_400(client, token_for, supervisor, school, body):
    response = client.post("/api/v1/visits", data=body, content_type="application/json",
                           headers=token_for(supervisor))
    assert response.status_code == 400 and response.json["error"]


def test_co_supervisors_must_be_supervisors_of_the_zone(api, make_user, zone, other_supervisor):
    colleague = make_user("sup_b", role="supervisor", zones=[zone])
    ok = draft(api, supervisors=["sup_b"])
    assert ok["supervisors"] == ["sup", "sup_b"]
    # The colleague, being on the record, may edit it.
    assert api("patch", f"/visits/{ok['id']}", user=colleague, json={"theme": "手机"}).status_code == 200
    wrong = api("post", "/visits", json={"school": "S100", "date": "2026-06-10", "kind": "routine",
                                          "supervisors": ["sup2"]})
    assert wrong.status_code == 422 and "sup2" in wrong.json["fields"]["supervisors"]


def test_list_filters_by_school_and_month(api, make_school, zone):
    second = make_school(code="S101", zone=zone)
    june = draft(api, date="2026-06-30")
    july = draft(api, date="2026-07-01")
    elsewhere = draft(api, school=second.code, date="2026-06-15")
    ids = lambda r: [v["id"] for v in r.json]  # noqa: E731
    assert ids(api("get", "/visits?month=2026-06")) == [june["id"], elsewhere["id"]]  # newest first
    assert ids(api("get", "/visits?school=S100&month=2026-06")) == [june["id"]]
    assert ids(api("get", "/visits?school=S100")) == [july["id"], june["id"]]
    assert ids(api("get", "/visits?month=2026-08")) == []
    for bad in ("2026-6", "2026-13", "June"):
        response = api("get", f"/visits?month={bad}")
        assert response.status_code == 422 and "month" in response.json["fields"]
    assert api("get", "/visits?school=NOPE").status_code == 422


def test_the_record_lists_its_problems(api, school, supervisor):
    from app.visits.models import Problem
    visit = draft(api)
    for text in ("作业超时", "手机未统一保管"):
        db.session.add(Problem(school=school, visit_id=visit["id"], category="homework",
                               description=text, deadline=date(2026, 7, 1)))
    db.session.commit()
    ids = sorted(db.session.scalars(select(Problem.id)))
    assert api("get", f"/visits/{visit['id']}").json["problems"] == ids


def test_last_visit_is_the_latest_submitted(api, school):
    from app.visits.services import last_visits
    first = draft(api, date="2026-05-01")
    api("post", f"/visits/{first['id']}/submit")
    draft(api, date="2026-06-01")   # a later draft does not count
    assert last_visits([school.id])[school.id].id == first["id"]


def test_the_visit_api_is_documented(client):
    spec = client.get("/api/v1/openapi.json").json
    for path, methods in {"/api/v1/checklists": {"get"}, "/api/v1/visits": {"get", "post"},
                          "/api/v1/visits/{id}": {"get", "patch"}, "/api/v1/visits/{id}/submit": {"post"},
                          "/api/v1/visits/{id}/amendments": {"post"}}.items():
        assert methods <= set(spec["paths"][path]), path
    assert {"Visit", "VisitInput", "Evidence", "Flag", "ChecklistItem"} <= set(spec["components"]["schemas"])
