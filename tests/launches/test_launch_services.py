"""Launch services: times people type, tokens, states, closing, who may launch."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

import pytest

from app.errors import Forbidden, InvalidInput
from app.extensions import db
from app.launches.models import Launch, as_utc, new_public_token
from app.launches.services import (close_launch, launch_at_school, launch_batch, parse_launch_request,
                                   parse_moment, response_counts)
from app.organisation.models import utcnow
from support import days_from_now, valid_answers

UTC = timezone.utc

MOMENTS = [
    ("2030-06-01", True, datetime(2030, 6, 1, 15, 59, 59, tzinfo=UTC)),
    ("2030-06-01", False, datetime(2030, 5, 31, 16, 0, tzinfo=UTC)),
    (" 2030-06-01 ", True, datetime(2030, 6, 1, 15, 59, 59, tzinfo=UTC)),
    (date(2030, 6, 1), True, datetime(2030, 6, 1, 15, 59, 59, tzinfo=UTC)),
    ("2030-06-01T08:30", True, datetime(2030, 6, 1, 0, 30, tzinfo=UTC)),
    ("2030-06-01T08:30:00+08:00", True, datetime(2030, 6, 1, 0, 30, tzinfo=UTC)),
    ("2030-06-01T08:30:00Z", False, datetime(2030, 6, 1, 8, 30, tzinfo=UTC)),
    ("2030-06-01 08:30:00-05:00", True, datetime(2030, 6, 1, 13, 30, tzinfo=UTC)),
    (datetime(2030, 6, 1, 8, 30), True, datetime(2030, 6, 1, 0, 30, tzinfo=UTC)),
    (datetime(2030, 6, 1, 8, 30, tzinfo=UTC), True, datetime(2030, 6, 1, 8, 30, tzinfo=UTC)),
]


def test_moments_are_read_in_county_time_and_returned_in_utc(app):
    for value, end_of_day, expected in MOMENTS:
        moment = parse_moment(value, end_of_day=end_of_day)
        assert moment == expected and moment.utcoffset() == timedelta(0), value


def test_moments_follow_the_configured_time_zone(make_app):
    app = make_app(sync=False, TIMEZONE="Asia/Urumqi")
    with app.app_context():
        assert parse_moment("2030-06-01", end_of_day=False) == datetime(2030, 5, 31, 18, tzinfo=UTC)


def test_unreadable_moments_raise_value_error(app):
    for value in ("tomorrow", "2030-02-30", "2030/06/01", "", 20300601, 1.5, None, True, [], {},
                  "2030-06-01T25:00"):
        with pytest.raises(ValueError):
            parse_moment(value, end_of_day=True)


def test_public_tokens_are_22_url_safe_characters_and_unique():
    tokens = [new_public_token() for _ in range(2000)]
    assert len(set(tokens)) == len(tokens)
    assert all(re.fullmatch(r"[A-Za-z0-9_\-]{22}", t) for t in tokens)


def test_launch_state_follows_opening_closing_and_closing_by_hand():
    now = datetime(2030, 6, 1, 12, tzinfo=UTC)
    launch = Launch(opens_at=now + timedelta(hours=1), closes_at=now + timedelta(days=1))
    assert launch.state(now) == "scheduled"
    assert launch.state(now + timedelta(hours=1)) == "open"
    assert launch.state(now + timedelta(days=1)) == "closed"
    launch.closed_at = now + timedelta(hours=2)
    assert launch.state(now + timedelta(hours=3)) == "closed"
    forever = Launch(opens_at=now.replace(tzinfo=None), closes_at=None)  # SQLite hands back naive UTC
    assert forever.state(now + timedelta(days=3650)) == "open"


def test_request_defaults_open_now_and_close_never(app):
    before = utcnow()
    request = parse_launch_request({"survey": "sleep"})
    assert request.audience == "parent" and request.closes_at is None
    assert before <= request.opens_at <= utcnow()
    assert request.version.survey.key == "sleep"


def test_request_names_every_bad_field_at_once(app):
    with app.test_request_context():
        with pytest.raises(InvalidInput) as caught:
            parse_launch_request({"survey": "nope", "opens_at": "soon", "closes_at": "later"})
    assert set(caught.value.fields) == {"survey", "opens_at", "closes_at"}


def test_viewer_cannot_launch_at_a_school_or_zone(app, make_user, make_school):
    viewer = make_user("viewer", role="viewer")
    school = make_school()
    request = parse_launch_request({"survey": "sleep"})
    with app.test_request_context():  # service errors carry translated messages
        with pytest.raises(Forbidden):
            launch_at_school(viewer, school.code, request)
        with pytest.raises(Forbidden):
            launch_batch(viewer, school.zone.code, request)
    assert db.session.query(Launch).count() == 0


def test_batch_launch_shares_one_request_across_schools(app, make_user, make_school, make_zone):
    zone = make_zone()
    for _ in range(3):
        make_school(zone=zone)
    request = parse_launch_request({"survey": "sleep", "closes_at": days_from_now(3).date().isoformat()})
    batch = launch_batch(make_user("admin"), zone.code, request)
    assert len(batch.launches) == 3
    assert {(l.survey_version_id, l.audience, as_utc(l.closes_at)) for l in batch.launches} == {
        (request.version.id, "parent", request.closes_at)}
    assert len({l.token for l in batch.launches}) == 3


def test_closing_is_idempotent_and_keeps_the_first_time(app, make_user, make_launch):
    admin = make_user("admin")
    launch = make_launch()
    close_launch(admin, launch)
    first = launch.closed_at
    assert first is not None and launch.state(utcnow()) == "closed"
    close_launch(admin, launch)
    assert launch.closed_at == first


def test_only_those_who_may_launch_there_may_close(app, make_user, make_launch, make_zone):
    launch = make_launch()
    outsider = make_user("other", role="supervisor", zones=[make_zone()])
    viewer = make_user("viewer", role="viewer")
    for user in (outsider, viewer):
        with app.test_request_context(), pytest.raises(Forbidden):
            close_launch(user, launch)
    assert launch.closed_at is None
    own = make_user("own", role="supervisor", zones=[launch.school.zone])
    close_launch(own, launch)
    assert launch.closed_at is not None


def test_response_counts_per_launch(app, client, make_launch):
    empty, answered = make_launch(), make_launch()
    for seed in range(2):
        answers = {k: (float(v) if k == "sleep_hours" else v)
                   for k, v in valid_answers(answered, seed=seed).items()}
        assert client.post(f"/api/v1/public/{answered.token}/responses",
                           json={"answers": answers}).status_code == 201
    assert response_counts([empty.id, answered.id]) == {answered.id: 2}
    assert response_counts([]) == {}


def test_moments_outside_the_sane_years_raise_out_of_range_before_any_time_zone_arithmetic(app):
    from app.launches.services import MomentOutOfRange
    for value in ("0001-01-01", "0001-01-01T00:00", "9999-12-31T23:59:59-14:00", "1999-12-31",
                  "2101-01-01", datetime(1, 1, 1), date(9999, 12, 31)):
        with pytest.raises(MomentOutOfRange):
            parse_moment(value, end_of_day=False)
