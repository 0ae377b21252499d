"""Closing with a confirmation step, reopening and extending a launch (audited, through the
disclosure gate), and the warning before launching the same survey twice at a school."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest

from app.extensions import db
from app.launches.models import Launch, as_utc
from app.surveys.registry import definition_of
from tests.office_support import events, office, sign_in  # noqa: F401  (fixtures)
from tests.support import valid_answers


def stored(launch_id: int) -> Launch:
    """The launch as stored now."""
    db.session.expire_all()
    return db.session.get(Launch, launch_id)


def submit(client, launch, count: int, seed: int = 0) -> None:
    """Answer the launch's public form `count` times through the JSON endpoint."""
    survey = definition_of(launch.survey_version)
    for n in range(count):
        answers = {k: (float(v) if survey.question(k).type == "number" else v)
                   for k, v in valid_answers(launch, seed=seed + n).items()}
        response = client.post(f"/api/v1/public/{launch.token}/responses", json={"answers": answers})
        assert response.status_code in (200, 201), response.text


def in_days(days: int) -> str:
    """A local date `days` from today, as the date field sends it."""
    return (datetime.now(timezone.utc) + timedelta(days=days)).date().isoformat()


# --- closing needs a confirmation --------------------------------------------------------------

def test_close_now_goes_through_a_confirmation_page(client, sign_in, office, make_launch):
    launch = make_launch("sleep")
    sign_in(office)
    page = client.get(f"/staff/launches/{launch.id}").text
    assert f'href="/staff/launches/{launch.id}/close"' in page
    confirm = client.get(f"/staff/launches/{launch.id}/close")
    assert confirm.status_code == 200 and 'name="confirm"' in confirm.text
    assert stored(launch.id).closed_at is None  # looking at the page closes nothing


def test_close_without_the_ticked_box_is_refused(client, sign_in, office, make_launch):
    launch = make_launch("sleep")
    sign_in(office)
    response = client.post(f"/staff/launches/{launch.id}/close", data={})
    assert response.status_code == 422 and 'class="field-error"' in response.text
    assert stored(launch.id).closed_at is None and events(entity="launch") == []
    assert client.get(f"/s/{launch.token}").status_code == 200


def test_close_with_the_ticked_box_closes_and_records(client, sign_in, office, make_launch):
    launch = make_launch("sleep")
    sign_in(office)
    response = client.post(f"/staff/launches/{launch.id}/close", data={"confirm": "y"})
    assert response.status_code == 302
    assert stored(launch.id).closed_at is not None
    assert client.get(f"/s/{launch.token}").status_code == 410
    [event] = events(entity="launch")
    assert event.action == "close" and event.entity_id == str(launch.id)


@pytest.mark.parametrize("path", ["close", "closing-date"])
def test_others_cannot_close_reopen_or_extend(client, sign_in, make_user, make_launch, make_zone, path):
    launch = make_launch("sleep", closes_at=datetime.now(timezone.utc) + timedelta(days=3))
    sign_in(make_user("zhang", role="supervisor", zones=[make_zone()]))
    data = {"confirm": "y", "closes_at": in_days(30)}
    assert client.post(f"/staff/launches/{launch.id}/{path}", data=data).status_code == 404
    sign_in(make_user("viewer", role="viewer"))
    assert client.post(f"/staff/launches/{launch.id}/{path}", data=data).status_code == 403
    assert client.get(f"/staff/launches/{launch.id}/close").status_code == 403
    after = stored(launch.id)
    assert after.closed_at is None and as_utc(after.closes_at) < datetime.now(timezone.utc) + timedelta(days=4)
    assert events(entity="launch") == []


def test_a_supervisor_changes_launches_in_their_own_zone(client, sign_in, make_user, make_launch,
                                                         make_zone, make_school):
    zone = make_zone()
    launch = make_launch("sleep", school=make_school(zone=zone))
    sign_in(make_user("zhang", role="supervisor", zones=[zone]))
    client.post(f"/staff/launches/{launch.id}/close", data={"confirm": "y"})
    client.post(f"/staff/launches/{launch.id}/closing-date", data={"closes_at": in_days(10)})
    assert stored(launch.id).state(datetime.now(timezone.utc)) == "open"
    assert [e.action for e in events(entity="launch")] == ["close", "reopen"]


# --- reopening and extending -------------------------------------------------------------------

def test_reopen_a_closed_launch_until_a_new_date(client, sign_in, office, make_launch):
    launch = make_launch("sleep", closed_at=datetime.now(timezone.utc) - timedelta(days=1))
    sign_in(office)
    assert client.get(f"/s/{launch.token}").status_code == 410
    response = client.post(f"/staff/launches/{launch.id}/closing-date", data={"closes_at": in_days(14)})
    assert response.status_code == 302
    after = stored(launch.id)
    assert after.closed_at is None and after.state(datetime.now(timezone.utc)) == "open"
    assert as_utc(after.closes_at) > datetime.now(timezone.utc) + timedelta(days=13)
    assert client.get(f"/s/{launch.token}").status_code == 200
    [event] = events(entity="launch")
    assert event.action == "reopen"
    assert event.before["closed_at"] is not None and event.after["closed_at"] is None
    assert event.before["closes_at"] is None and event.after["closes_at"].startswith(in_days(14)[:4])


def test_reopen_a_launch_whose_closing_date_passed(client, sign_in, office, make_launch):
    launch = make_launch("sleep", opens_at=datetime.now(timezone.utc) - timedelta(days=20),
                         closes_at=datetime.now(timezone.utc) - timedelta(days=2))
    sign_in(office)
    client.post(f"/staff/launches/{launch.id}/closing-date", data={"closes_at": in_days(5)})
    assert stored(launch.id).state(datetime.now(timezone.utc)) == "open"
    assert [e.action for e in events(entity="launch")] == ["reopen"]


def test_reopen_into_the_past_is_refused(client, sign_in, office, make_launch):
    launch = make_launch("sleep", closed_at=datetime.now(timezone.utc) - timedelta(days=1))
    sign_in(office)
    client.post(f"/staff/launches/{launch.id}/closing-date", data={"closes_at": in_days(-3)})
    assert stored(launch.id).closed_at is not None and events(entity="launch") == []


def test_extend_a_running_launch(client, sign_in, office, make_launch):
    launch = make_launch("sleep", closes_at=datetime.now(timezone.utc) + timedelta(days=2))
    sign_in(office)
    client.post(f"/staff/launches/{launch.id}/closing-date", data={"closes_at": in_days(20)})
    after = stored(launch.id)
    assert as_utc(after.closes_at) > datetime.now(timezone.utc) + timedelta(days=19)
    [event] = events(entity="launch")
    assert event.action == "extend" and set(event.before) == set(event.after) == {"closes_at"}


def test_extend_to_an_earlier_date_is_refused(client, sign_in, office, make_launch):
    closes = datetime.now(timezone.utc) + timedelta(days=20)
    launch = make_launch("sleep", closes_at=closes)
    sign_in(office)
    client.post(f"/staff/launches/{launch.id}/closing-date", data={"closes_at": in_days(5)})
    assert abs((as_utc(stored(launch.id).closes_at) - closes).total_seconds()) < 1
    assert events(entity="launch") == []


def test_reopening_publishes_nothing_the_gate_would_not(app, client, sign_in, office, make_launch):
    """Answers after reopening enter figures only in whole steps of MIN_GROUP_SIZE."""
    from app.results.services import launch_summary
    size = app.config["MIN_GROUP_SIZE"]
    launch = make_launch("sleep")
    submit(client, launch, size)
    first = launch_summary(stored(launch.id))
    assert (first["n"], first["published"]) == (size, size)
    sign_in(office)
    client.post(f"/staff/launches/{launch.id}/close", data={"confirm": "y"})
    client.post(f"/staff/launches/{launch.id}/closing-date", data={"closes_at": in_days(7)})
    submit(client, launch, size - 1, seed=100)
    again = launch_summary(stored(launch.id))
    assert (again["n"], again["published"]) == (2 * size - 1, size)
    assert again["indicators"] == first["indicators"] and again["questions"] == first["questions"]
    submit(client, launch, 1, seed=500)
    assert launch_summary(stored(launch.id))["published"] == 2 * size


def test_launch_page_offers_reopen_for_closed_and_extend_for_open(client, sign_in, office, make_launch):
    open_launch = make_launch("sleep", closes_at=datetime.now(timezone.utc) + timedelta(days=2))
    closed = make_launch("reading", closed_at=datetime.now(timezone.utc))
    sign_in(office)
    page = client.get(f"/staff/launches/{open_launch.id}").text
    assert f'action="/staff/launches/{open_launch.id}/closing-date"' in page
    page = client.get(f"/staff/launches/{closed.id}").text
    assert f'action="/staff/launches/{closed.id}/closing-date"' in page
    assert f'href="/staff/launches/{closed.id}/close"' not in page


# --- the duplicate-launch warning ------------------------------------------------------------

def launch_form(school, **extra) -> dict:
    """The new-launch form for one school."""
    return {"survey": "sleep", "audience": "parent", "scope": "school", "school": school.code, **extra}


def test_same_survey_running_at_the_school_warns_and_creates_nothing(client, sign_in, office,
                                                                      make_launch, make_school):
    school = make_school()
    running = make_launch("sleep", school=school)
    sign_in(office)
    response = client.post("/staff/launches/new", data=launch_form(school))
    assert response.status_code == 200
    assert 'id="duplicate-warning"' in response.text
    assert re.search(rf'data-launch="{running.id}"', response.text)
    assert 'name="confirm_duplicate"' in response.text
    assert db.session.query(Launch).count() == 1


def test_confirming_past_the_warning_launches(client, sign_in, office, make_launch, make_school):
    school = make_school()
    make_launch("sleep", school=school)
    sign_in(office)
    response = client.post("/staff/launches/new", data=launch_form(school, confirm_duplicate="y"))
    assert response.status_code == 302
    assert db.session.query(Launch).count() == 2


@pytest.mark.parametrize("other", [{"audience": "student", "survey": "sleep"},
                                   {"audience": "parent", "survey": "reading"},
                                   {"audience": "parent", "survey": "sleep", "closed": True}])
def test_no_warning_for_another_audience_survey_or_a_closed_launch(client, sign_in, office, make_launch,
                                                                   make_school, other):
    school = make_school()
    make_launch(other["survey"], school=school, audience=other["audience"],
                closed_at=datetime.now(timezone.utc) if other.get("closed") else None)
    sign_in(office)
    response = client.post("/staff/launches/new", data=launch_form(school))
    assert response.status_code == 302
    assert db.session.query(Launch).count() == 2


def test_a_zone_launch_warns_about_each_school_already_running_it(client, sign_in, office, make_zone,
                                                                  make_school, make_launch):
    zone = make_zone(code="CG")
    busy = make_school(zone=zone)
    make_school(zone=zone)
    running = make_launch("sleep", school=busy)
    sign_in(office)
    response = client.post("/staff/launches/new", data={"survey": "sleep", "audience": "parent",
                                                        "scope": "zone", "zone": "CG"})
    assert response.status_code == 200 and f'data-launch="{running.id}"' in response.text
    assert db.session.query(Launch).count() == 1
