"""Filing reports through the public API: what is stored (and what is not), bad input, retired
and unknown plaques, flooding."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import inspect, text

from app.extensions import db
from app.plaque.models import Complaint, code_digest


def _count() -> int:
    return db.session.scalar(text("SELECT count(*) FROM complaints"))


def test_a_report_is_filed_with_a_receipt_and_a_follow_up_code(client, county, plaque_token):
    token = plaque_token(county["school_a"])
    response = client.post(f"/api/v1/public/plaque/{token}/reports",
                           json={"kind": "suggestion", "text": "希望增加课间活动时间。"})
    assert response.status_code == 201
    body = response.get_json()
    assert set(body) == {"receipt", "follow_up_code"}
    row = db.session.scalars(db.select(Complaint)).one()
    assert row.school_id == county["school_a"].id and row.kind == "suggestion"
    assert row.category is None and row.status == "received"
    # Only the code's hash is kept; the code itself appears in no column.
    assert row.follow_up_hash == code_digest(body["follow_up_code"])
    assert body["follow_up_code"] not in repr(db.session.execute(
        text("SELECT * FROM complaints")).all())
    follow = client.get(f"/api/v1/public/reports/{body['follow_up_code']}")
    assert follow.status_code == 200 and follow.get_json()["status"] == "received"
    assert "reply" not in follow.get_json()


def test_follow_up_codes_are_long_random_and_distinct(file_report, county):
    codes = {file_report(county["school_a"])[1] for _ in range(5)}
    assert len(codes) == 5
    assert all(len(code.replace("-", "")) == 20 for code in codes)


def test_nothing_identifying_is_stored_and_no_cookie_is_set(client, county, plaque_token):
    token = plaque_token(county["school_a"])
    response = client.post(f"/api/v1/public/plaque/{token}/reports",
                           json={"kind": "complaint", "category": "fees", "text": "乱收资料费。"},
                           headers={"User-Agent": "Mozilla/5.0 (TestPhone) UNIQUE-UA-MARK",
                                    "X-Forwarded-For": "203.0.113.77"},
                           environ_base={"REMOTE_ADDR": "198.51.100.23"})
    assert response.status_code == 201
    assert "Set-Cookie" not in response.headers
    page = client.get(f"/s/p/{token}")
    assert "Set-Cookie" not in page.headers
    # No column could hold an address or an agent ...
    for table in ("complaints", "complaint_events"):
        names = {c["name"] for c in inspect(db.engine).get_columns(table)}
        assert not names & {"ip", "ip_address", "remote_addr", "user_agent", "ua", "cookie"}
    # ... and no value holds them.
    dump = repr(db.session.execute(text("SELECT * FROM complaints")).all())
    for secret in ("198.51.100.23", "203.0.113.77", "UNIQUE-UA-MARK", "TestPhone"):
        assert secret not in dump
    received = db.session.scalars(db.select(Complaint)).one().received_hour
    assert (received.minute, received.second, received.microsecond) == (0, 0, 0)
    now = datetime.now(timezone.utc)
    assert abs((received.replace(tzinfo=timezone.utc) - now).total_seconds()) < 3600 + 60


@pytest.mark.parametrize("body, field", [
    ({"text": "内容"}, "kind"),
    ({"kind": "threat", "text": "内容"}, "kind"),
    ({"kind": "complaint"}, "text"),
    ({"kind": "complaint", "text": "   \u200b "}, "text"),
    ({"kind": "complaint", "text": "长" * 2001}, "text"),
    ({"kind": "complaint", "text": 5}, "text"),
    ({"kind": "complaint", "text": "内容", "category": "weather"}, "category"),
    ({"kind": "complaint", "text": "内容", "contact": "1" * 201}, "contact"),
])
def test_bad_input_is_422_naming_the_field_and_stores_nothing(client, county, plaque_token, body, field):
    response = client.post(f"/api/v1/public/plaque/{plaque_token(county['school_a'])}/reports", json=body)
    assert response.status_code == 422
    assert field in response.get_json()["fields"]
    assert _count() == 0


def test_malformed_bodies_are_refused_without_storing(client, county, plaque_token):
    url = f"/api/v1/public/plaque/{plaque_token(county['school_a'])}/reports"
    assert client.post(url, data="{not json", content_type="application/json").status_code == 400
    assert client.post(url, json=["complaint"]).status_code == 422
    assert _count() == 0


def test_the_longest_text_and_a_contact_are_accepted(client, county, plaque_token):
    response = client.post(f"/api/v1/public/plaque/{plaque_token(county['school_a'])}/reports",
                           json={"kind": "praise", "text": "好" * 2000, "contact": "微信 abc123"})
    assert response.status_code == 201
    row = db.session.scalars(db.select(Complaint)).one()
    assert len(row.text) == 2000 and row.contact == "微信 abc123"


def test_unknown_plaque_is_404_and_retired_plaque_is_410(client, county, plaque_token):
    from app.plaque.services import regenerate_plaque
    body = {"kind": "complaint", "text": "内容"}
    assert client.post("/api/v1/public/plaque/nosuchtoken123/reports", json=body).status_code == 404
    old = plaque_token(county["school_a"])
    regenerate_plaque(county["admin"], county["school_a"])
    assert client.post(f"/api/v1/public/plaque/{old}/reports", json=body).status_code == 410
    new = plaque_token(county["school_a"])
    assert new != old
    assert client.post(f"/api/v1/public/plaque/{new}/reports", json=body).status_code == 201
    assert _count() == 1


def test_unknown_follow_up_code_is_404(client, county):
    assert client.get("/api/v1/public/reports/ABCD-EFGH-JKMN-PQRS-TUVW").status_code == 404


def test_a_flood_from_one_address_gets_429(make_app, county):
    from app.plaque.services import live_plaque
    app = make_app(RATELIMIT_ENABLED=True)
    with app.app_context():
        token = live_plaque(db.session.get(type(county["school_a"]), county["school_a"].id)).token
    client = app.test_client()
    statuses = [client.post(f"/api/v1/public/plaque/{token}/reports",
                            json={"kind": "complaint", "text": f"第{n}条"}).status_code
                for n in range(61)]
    assert statuses[:10] == [201] * 10  # at least 10 a minute get through
    assert 429 in statuses  # at most 60 do
    first_refusal = statuses.index(429)
    assert all(s == 429 for s in statuses[first_refusal:])
    # Another address is not held up by the flood.
    other = client.post(f"/api/v1/public/plaque/{token}/reports", json={"kind": "complaint", "text": "x"},
                        environ_base={"REMOTE_ADDR": "192.0.2.9"})
    assert other.status_code == 201
    with app.app_context():
        assert _count() == first_refusal + 1
