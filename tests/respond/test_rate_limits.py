"""The public rate limits, switched on (tests otherwise run without them): one address gets at
least 120 submissions a minute (ACCEPTANCE), then 429; another address is not affected."""
from __future__ import annotations

import pytest

from app.respond.form import new_ticket
from support import count_responses, valid_answers


@pytest.fixture
def limited_app(app, make_app):
    """An app with the production rate limits (the configured default, 300 a minute). Built
    after the default test app: Flask-Limiter's on/off switch is the last app's."""
    app = make_app(RATELIMIT_ENABLED=True)
    with app.app_context():
        from app.extensions import limiter
        limiter.reset()
        yield app


def _limit(app) -> int:
    amount, per = app.config["PUBLIC_SUBMIT_LIMIT"].split(" per ")
    assert per.strip() == "minute"
    return int(amount)


def test_json_submissions_from_one_address_are_limited_after_the_configured_rate(limited_app, make_launch):
    launch = make_launch("sleep")
    url = f"/api/v1/public/{launch.token}/responses"
    body = {"answers": valid_answers(launch, sleep_hours="9")}
    body["answers"]["sleep_hours"] = 9
    limit = _limit(limited_app)
    assert limit >= 120
    client = limited_app.test_client()
    statuses = [client.post(url, json=body).status_code for _ in range(limit)]
    assert statuses == [201] * limit
    refused = client.post(url, json=body)
    assert refused.status_code == 429 and "error" in refused.json
    assert count_responses() == limit
    other = limited_app.test_client().post(url, json=body, environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert other.status_code == 201


def test_form_submissions_from_one_address_are_limited_after_the_configured_rate(limited_app, make_launch):
    launch = make_launch("sleep")
    limit = _limit(limited_app)
    client = limited_app.test_client()

    def post():
        client.delete_cookie("dd_a", path="/s/")  # each a different phone behind one NAT address
        return client.post(f"/s/{launch.token}", data={"_ticket": new_ticket(launch.id),
                                                        **valid_answers(launch)})
    statuses = [post().status_code for _ in range(limit)]
    assert statuses == [200] * limit
    assert post().status_code == 429
    assert count_responses() == limit
