"""Survey evidence on visit records: live while a draft, frozen on submit, never more revealing
than the live figures; cross-check flags where the checklist and the evidence disagree."""
from __future__ import annotations

import pytest
from statsmodels.stats.proportion import proportion_confint

from app.extensions import db


def sleep_of(body, audience="parent"):
    """The sleep indicator of one audience's evidence block."""
    block = next(b for b in body["evidence"] if b["audience"] == audience)
    return next(i for i in block["indicators"] if i["key"] == "sleep_compliance")


@pytest.fixture
def sleep_launch(make_launch, school):
    """A parents' sleep survey at the school."""
    return make_launch("sleep", school=school)


@pytest.fixture
def new_visit(client, token_for, supervisor, school):
    """POST a draft with checklist answers; returns the created record."""
    def create(checklist=None, **fields):
        body = {"school": school.code, "date": "2026-06-10", "kind": "routine",
                "checklist": checklist or {}, **fields}
        response = client.post("/api/v1/visits", json=body, headers=token_for(supervisor))
        assert response.status_code == 201, response.json
        return response.json
    return create


def test_submitted_evidence_stays_as_it_was_when_more_answers_arrive(
        client, token_for, supervisor, school, sleep_launch, add_responses, sleep_answers, new_visit):
    # 30 grade-3 children: 12 sleep 10.5 h (meet the primary 10 h standard), 18 sleep 8 h.
    add_responses(sleep_launch, [sleep_answers("3", 10.5)] * 12 + [sleep_answers("3", 8)] * 18)
    headers = token_for(supervisor)
    visit = new_visit({"sleep_protected": True})
    live_api = client.get(f"/api/v1/schools/{school.code}/indicators?audience=parent", headers=headers).json
    live = next(i for i in live_api["indicators"] if i["key"] == "sleep_compliance")
    submitted = client.post(f"/api/v1/visits/{visit['id']}/submit", headers=headers)
    assert submitted.status_code == 200 and submitted.json["status"] == "submitted"
    frozen = sleep_of(submitted.json)
    # The frozen figure is the one the school's indicators API showed live.
    for field in ("value", "ci_low", "ci_high", "n", "suppressed", "target", "verdict"):
        assert frozen[field] == live[field], field
    assert (frozen["n"], frozen["value"]) == (30, pytest.approx(12 / 30))
    low, high = proportion_confint(12, 30, method="wilson")
    assert frozen["ci_high"] == pytest.approx(high, abs=1e-12)
    block = submitted.json["evidence"][0]
    assert block["year"] == live_api["year"] and block["n"] == 30 and block["as_of"]
    assert [l["id"] for l in block["launches"]] == [sleep_launch.id]
    assert block["launches"][0]["survey"] == "sleep"

    # Twenty more families answer, all sleeping enough: the live figure moves, the record does not.
    add_responses(sleep_launch, [sleep_answers("3", 11)] * 20)
    moved = client.get(f"/api/v1/schools/{school.code}/indicators?audience=parent", headers=headers).json
    assert next(i for i in moved["indicators"] if i["key"] == "sleep_compliance")["n"] == 50
    again = client.get(f"/api/v1/visits/{visit['id']}", headers=headers).json
    assert again["evidence"] == submitted.json["evidence"]
    assert again["flags"] == submitted.json["flags"] and again["evidence_as_of"] == submitted.json["evidence_as_of"]


def test_a_draft_shows_live_evidence(client, token_for, supervisor, school, sleep_launch,
                                     add_responses, sleep_answers, new_visit):
    add_responses(sleep_launch, [sleep_answers("3", 10.5)] * 10)
    visit = new_visit()
    assert sleep_of(visit)["n"] == 10
    add_responses(sleep_launch, [sleep_answers("3", 10.5)] * 10)
    assert sleep_of(client.get(f"/api/v1/visits/{visit['id']}", headers=token_for(supervisor)).json)["n"] == 20


def test_a_school_without_responses_has_no_evidence(client, token_for, supervisor, new_visit):
    visit = new_visit({"sleep_protected": True})
    submitted = client.post(f"/api/v1/visits/{visit['id']}/submit", headers=token_for(supervisor)).json
    assert submitted["evidence"] == [] and submitted["flags"] == []


def test_suppressed_stays_suppressed_when_frozen(client, token_for, supervisor, school, sleep_launch,
                                                 add_responses, sleep_answers, new_visit):
    # Five answers: too few to publish. All fail the standard, yet no figure and no flag appears.
    add_responses(sleep_launch, [sleep_answers("3", 7)] * 5)
    visit = new_visit({"sleep_protected": True})
    body = client.post(f"/api/v1/visits/{visit['id']}/submit", headers=token_for(supervisor)).json
    sleep = sleep_of(body)
    assert sleep["suppressed"] is True
    assert sleep["value"] is None and sleep["ci_low"] is None and sleep["ci_high"] is None
    assert body["flags"] == []
    # Stored the same way (nothing more revealing hides in the database copy).
    from app.visits.models import Visit
    stored = db.session.get(Visit, visit["id"]).evidence
    stored_sleep = next(i for i in stored[0]["indicators"] if i["key"] == "sleep_compliance")
    assert stored_sleep["value"] is None and stored_sleep["ci_high"] is None


def test_flag_raised_where_the_evidence_disagrees(client, token_for, supervisor, sleep_launch,
                                                  add_responses, sleep_answers, new_visit):
    # 3 of 30 sleep enough: 10%, interval about 3%-26%, wholly below the 90% target.
    add_responses(sleep_launch, [sleep_answers("3", 10.5)] * 3 + [sleep_answers("3", 8)] * 27)
    visit = new_visit({"sleep_protected": True, "phones_managed": True})
    assert [(f["item"], f["indicator"]) for f in visit["flags"]] == [("sleep_protected", "sleep_compliance")]
    body = client.post(f"/api/v1/visits/{visit['id']}/submit", headers=token_for(supervisor)).json
    (flag,) = body["flags"]
    assert flag["item"] == "sleep_protected" and flag["indicator"] == "sleep_compliance"
    assert flag["message"] and "10.0%" in flag["message"] and "90.0%" in flag["message"]


def test_no_flag_where_the_checklist_says_no(client, token_for, supervisor, sleep_launch,
                                             add_responses, sleep_answers, new_visit):
    add_responses(sleep_launch, [sleep_answers("3", 8)] * 30)
    visit = new_visit({"sleep_protected": False})
    body = client.post(f"/api/v1/visits/{visit['id']}/submit", headers=token_for(supervisor)).json
    assert body["flags"] == []


def test_no_flag_where_the_evidence_agrees(client, token_for, supervisor, sleep_launch,
                                           add_responses, sleep_answers, new_visit):
    add_responses(sleep_launch, [sleep_answers("3", 10.5)] * 30)
    visit = new_visit({"sleep_protected": True})
    body = client.post(f"/api/v1/visits/{visit['id']}/submit", headers=token_for(supervisor)).json
    assert sleep_of(body)["value"] == 1.0 and body["flags"] == []


def test_no_flag_where_the_interval_reaches_the_target(client, token_for, supervisor, sleep_launch,
                                                       add_responses, sleep_answers, new_visit):
    # 25 of 30 (83%) is below the 90% target, but its interval (about 66%-93%) reaches it: not
    # confident enough to contradict the supervisor.
    add_responses(sleep_launch, [sleep_answers("3", 10.5)] * 25 + [sleep_answers("3", 8)] * 5)
    visit = new_visit({"sleep_protected": True})
    body = client.post(f"/api/v1/visits/{visit['id']}/submit", headers=token_for(supervisor)).json
    sleep = sleep_of(body)
    assert sleep["verdict"] == "does_not_meet" and sleep["ci_high"] > 0.9
    assert body["flags"] == []


def test_flag_reads_the_county_target(client, token_for, supervisor, sleep_launch, add_responses,
                                      sleep_answers, new_visit):
    from app.results.models import CountyTarget
    # 27 of 30 (90%, interval about 74%-97%): no flag against the default 90% target ...
    add_responses(sleep_launch, [sleep_answers("3", 10.5)] * 27 + [sleep_answers("3", 8)] * 3)
    assert new_visit({"sleep_protected": True})["flags"] == []
    # ... but the county raised its target to 99%: the whole interval is now below it.
    db.session.add(CountyTarget(key="sleep_compliance", value=0.99))
    db.session.commit()
    visit = new_visit({"sleep_protected": True})
    assert [f["item"] for f in visit["flags"]] == ["sleep_protected"]
    assert sleep_of(visit)["target"] == 0.99
