"""The audit trail page: admins only, filters, paging, the before/after table; what features
record (launches, targets); never respondents."""
from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest

from app.audit import record
from app.audit.models import AuditEvent
from app.extensions import db
from tests.office_support import events, office, sign_in, trail_text  # noqa: F401  (fixtures)


def add_event(action="update", entity="school", entity_id="1", actor="office", zone_id=None,
              at=None, before=None, after=None):
    """Store one event directly (as a feature's service would)."""
    event = record(action, entity, entity_id, before=before, after=after, zone_id=zone_id,
                   actor_name=actor)
    if at is not None:
        event.at = at
    db.session.commit()
    return event


def shown_ids(client, query: str = "") -> set[int]:
    """Ids of the events the trail page lists for a query string."""
    page = client.get("/staff/audit/" + query)
    assert page.status_code == 200
    return {int(i) for i in re.findall(r'data-event="(\d+)"', page.text)}


@pytest.mark.parametrize("role", ["supervisor", "viewer"])
def test_only_admins_read_the_trail(client, sign_in, make_user, role):
    sign_in(make_user("other", role=role))
    assert client.get("/staff/audit/").status_code == 403


def test_filters_by_kind_actor_action_zone_id_and_dates(client, sign_in, office, make_zone):
    cg, xc = make_zone(code="CG"), make_zone(code="XC")
    a = add_event(entity="school", entity_id="7", actor="office", zone_id=cg.id,
                  at=datetime(2026, 3, 1, 2, tzinfo=timezone.utc), before={"name": "甲"}, after={"name": "乙"})
    b = add_event(entity="user", entity_id="3", actor="cli", action="create", after={"username": "li"},
                  at=datetime(2026, 4, 10, 2, tzinfo=timezone.utc))
    c = add_event(entity="school", entity_id="8", actor="li", action="move", zone_id=xc.id,
                  at=datetime(2026, 4, 20, 2, tzinfo=timezone.utc), before={"zone": "CG"}, after={"zone": "XC"})
    sign_in(office)
    assert shown_ids(client) == {a.id, b.id, c.id}
    assert shown_ids(client, "?entity=school") == {a.id, c.id}
    assert shown_ids(client, "?actor=cli") == {b.id}
    assert shown_ids(client, "?action=move") == {c.id}
    assert shown_ids(client, "?zone=CG") == {a.id}
    assert shown_ids(client, "?entity=school&entity_id=8") == {c.id}
    assert shown_ids(client, "?since=2026-04-01") == {b.id, c.id}
    assert shown_ids(client, "?until=2026-04-10") == {a.id, b.id}
    assert shown_ids(client, "?since=2026-04-11&until=2026-04-30") == {c.id}
    assert shown_ids(client, "?zone=NOPE") == set()
    assert shown_ids(client, "?since=not-a-date&page=abc") == {a.id, b.id, c.id}


def test_date_filters_use_the_countys_local_day(client, sign_in, office):
    # 2026-05-01 23:30 UTC is 2026-05-02 07:30 in Asia/Shanghai.
    late = add_event(at=datetime(2026, 5, 1, 23, 30, tzinfo=timezone.utc))
    sign_in(office)
    assert shown_ids(client, "?since=2026-05-02&until=2026-05-02") == {late.id}
    assert shown_ids(client, "?until=2026-05-01") == set()


def test_before_and_after_show_as_a_diff_table(client, sign_in, office):
    add_event(before={"name": "城关一小"}, after={"name": "城关第一小学"})
    sign_in(office)
    page = client.get("/staff/audit/").text
    assert '<table class="diff">' in page
    assert re.search(r'<td>[^<]+</td><td class="old">城关一小</td><td class="new">城关第一小学</td>', page)


def test_pages_of_fifty_newest_first(client, sign_in, office):
    made = [add_event(entity_id=str(n)) for n in range(120)]
    sign_in(office)
    first = shown_ids(client)
    assert first == {e.id for e in made[-50:]}
    assert shown_ids(client, "?page=3") == {e.id for e in made[:20]}
    page = client.get("/staff/audit/?page=2&entity=school").text
    assert "page=3" in page and "entity=school" in page and "page=1" in page


def test_launch_create_and_close_are_recorded(client, sign_in, office, make_school):
    school = make_school(code="S1")
    sign_in(office)
    client.post("/staff/launches/new", data={"survey": "sleep", "audience": "parent",
                                             "scope": "school", "school": "S1"})
    [created] = events(entity="launch")
    assert (created.action, created.zone_id, created.actor) == ("create", school.zone_id, "office")
    assert created.after["audience"] == "parent" and created.after["closed_at"] is None
    client.post(f"/staff/launches/{created.entity_id}/close", data={"confirm": "y"})
    closed = events(entity="launch", action="close")
    assert len(closed) == 1 and closed[0].before == {"closed_at": None}
    assert closed[0].after["closed_at"] is not None


def test_a_zone_launch_is_one_event_naming_its_launches(client, sign_in, office, make_zone, make_school):
    zone = make_zone(code="CG")
    make_school(code="S1", zone=zone)
    make_school(code="S2", zone=zone)
    sign_in(office)
    client.post("/staff/launches/new", data={"survey": "sleep", "audience": "parent",
                                             "scope": "zone", "zone": "CG"})
    [event] = events()
    assert (event.entity, event.zone_id, event.after["scope"]) == ("launch_batch", zone.id, "zone:CG")
    assert len(event.after["launches"]) == 2


def test_saving_targets_records_the_changed_keys_only(client, sign_in, office):
    from app.results.targets import target_keys
    key = target_keys()[0]
    sign_in(office)
    client.post("/staff/targets", data={key: "77"})
    [event] = events(entity="target")
    assert event.before == {key: None} and event.after == {key: pytest.approx(0.77)}
    client.post("/staff/targets", data={key: "77"})
    assert len(events(entity="target")) == 1  # nothing changed, nothing recorded


def test_responses_never_enter_the_trail(client, sign_in, office, make_launch):
    from app.surveys.registry import definition_of
    from tests.support import valid_answers
    launch = make_launch("sleep")
    before = len(events())
    survey = definition_of(launch.survey_version)
    answers = {k: (float(v) if survey.question(k).type == "number" else v)
               for k, v in valid_answers(launch, seed=3).items()}
    response = client.post(f"/api/v1/public/{launch.token}/responses", json={"answers": answers})
    assert response.status_code in (200, 201), response.text
    assert len(events()) == before
    assert db.session.query(AuditEvent).filter(AuditEvent.entity.in_(["response", "respondent"])).count() == 0
    assert response.json.get("receipt", "no receipt") not in trail_text()
