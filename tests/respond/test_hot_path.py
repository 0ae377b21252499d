"""The fast public path (issue 2): the per-worker launch cache and the direct SQLite writes
keep the guarantees of the plain ORM path."""
from __future__ import annotations

import json

from app.extensions import db
from app.launches import services as launch_services
from app.responses.models import Response, SubmissionKey
from support import count_responses


def url(launch) -> str:
    return f"/api/v1/public/{launch.token}/responses"


def answers(launch) -> dict:
    return {"grade": "3", "sleep_hours": 9.5, "bedtime": "21:10", "wake_time": "06:40",
            "reasons": ["homework", "screens"], "comments": "  九点睡  "}


def test_rows_written_by_the_fast_path_read_back_like_orm_rows(client, make_launch):
    launch = make_launch("sleep")
    response = client.post(url(launch), json={"answers": answers(launch)},
                           headers={"Idempotency-Key": "k-1"})
    assert response.status_code == 201
    assert response.data == json.dumps({"receipt": response.json["receipt"]},
                                       separators=(",", ":")).encode() + b"\n"
    db.session.rollback()
    row = db.session.query(Response).one()
    assert row.receipt == response.json["receipt"]
    assert row.answers == {"grade": "3", "sleep_hours": 9.5, "bedtime": "21:10", "wake_time": "06:40",
                           "reasons": ["homework", "screens"], "comments": "九点睡"}
    assert (row.launch_id, row.school_id, row.survey_version_id) == (
        launch.id, launch.school_id, launch.survey_version_id)
    assert (row.submitted_hour.minute, row.submitted_hour.second, row.submitted_hour.microsecond) == (0, 0, 0)
    guard = db.session.query(SubmissionKey).one()
    assert (guard.kind, guard.receipt) == ("idem", row.receipt) and "k-1" not in guard.key_hash


def test_a_conflict_rolls_the_whole_write_back(app, client, make_launch):
    """A repeated key is refused by the guard row's primary key before the response is kept."""
    launch = make_launch("sleep")
    first = client.post(url(launch), json={"answers": answers(launch)}, headers={"Idempotency-Key": "x"})
    again = client.post(url(launch), json={"answers": {**answers(launch), "sleep_hours": 8}},
                        headers={"Idempotency-Key": "x"})
    assert again.json["receipt"] == first.json["receipt"] and again.headers["Idempotent-Replayed"] == "true"
    db.session.rollback()
    assert count_responses() == 1 and db.session.query(Response).one().answers["sleep_hours"] == 9.5


def test_cached_launch_closed_here_is_refused_at_once(make_app, make_launch, make_user):
    app = make_app(PUBLIC_LAUNCH_CACHE_SECONDS=5)
    with app.app_context():
        launch = make_launch("sleep")
        client = app.test_client()
        assert client.post(url(launch), json={"answers": answers(launch)}).status_code == 201
        assert launch.token in launch_services._public_cache
        launch_services.close_launch(make_user(username="closer"), launch)
        assert client.post(url(launch), json={"answers": answers(launch)}).status_code == 410


def test_cached_launch_closed_elsewhere_is_refused_within_the_ttl(make_app, make_launch, monkeypatch):
    app = make_app(PUBLIC_LAUNCH_CACHE_SECONDS=5)
    clock = [1000.0]
    monkeypatch.setattr(launch_services, "monotonic", lambda: clock[0])
    with app.app_context():
        launch = make_launch("sleep")
        client = app.test_client()
        assert client.post(url(launch), json={"answers": answers(launch)}).status_code == 201
        from app.organisation.models import utcnow
        launch.closed_at = utcnow()  # as another worker process would: this one is not told
        db.session.commit()
        clock[0] += 4.9
        assert client.post(url(launch), json={"answers": answers(launch)}).status_code == 201
        clock[0] += 0.2
        assert client.post(url(launch), json={"answers": answers(launch)}).status_code == 410
        assert client.get(f"/s/{launch.token}").status_code == 410


def test_public_pages_never_open_or_set_a_session(client, make_launch):
    launch = make_launch("sleep")
    page = client.get(f"/s/{launch.token}")
    assert page.status_code == 200 and "session=" not in page.headers.get("Set-Cookie", "")
    response = client.post(url(launch), json={"answers": answers(launch)})
    assert "Set-Cookie" not in response.headers
