"""/healthz needs no credentials; every staff API call needs a valid bearer token."""
from __future__ import annotations

import hashlib

import pytest

from app.extensions import db
from app.organisation.models import ApiToken, Zone

STAFF_CALLS = [
    ("get", "/api/v1/surveys"),
    ("get", "/api/v1/surveys/sleep"),
    ("post", "/api/v1/zones"),
    ("post", "/api/v1/zones/Z1/supervisors"),
    ("post", "/api/v1/schools"),
    ("post", "/api/v1/launches"),
    ("get", "/api/v1/launches/1/summary"),
]

BAD_AUTHORIZATION = [
    None,
    "",
    "Bearer",
    "Bearer ",
    "Bearer not-a-real-token",
    "Basic YWRtaW46cGFzc3dvcmQxMjM=",
    "Token dd_abc",
]


def test_healthz_answers_ok_without_credentials(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.is_json and response.json == {"status": "ok"}


@pytest.mark.parametrize("method, path", STAFF_CALLS)
def test_staff_calls_without_a_valid_token_are_401_json(client, make_zone, method, path):
    make_zone(code="Z1")
    for authorization in BAD_AUTHORIZATION:
        headers = {"Authorization": authorization} if authorization is not None else {}
        response = getattr(client, method)(path, json={"code": "NEW", "name": "新区"}, headers=headers)
        assert response.status_code == 401, authorization
        assert set(response.json) == {"error", "fields"}
        assert response.json["error"]
    assert db.session.query(Zone).count() == 1


def test_bearer_scheme_is_case_insensitive(client, make_user, token_for):
    token = token_for(make_user("admin"))["Authorization"].split(" ", 1)[1]
    response = client.get("/api/v1/surveys", headers={"Authorization": f"bearer {token}"})
    assert response.status_code == 200


def test_revoked_token_is_refused(client, make_user, token_for):
    headers = token_for(make_user("admin"))
    assert client.get("/api/v1/surveys", headers=headers).status_code == 200
    for row in db.session.query(ApiToken):
        row.revoked = True
    db.session.commit()
    response = client.get("/api/v1/surveys", headers=headers)
    assert response.status_code == 401 and set(response.json) == {"error", "fields"}


def test_token_of_a_deactivated_user_is_refused(client, make_user, token_for):
    user = make_user("leaver")
    headers = token_for(user)
    user.active = False
    db.session.commit()
    assert client.get("/api/v1/surveys", headers=headers).status_code == 401


def test_only_the_sha256_of_an_issued_token_is_stored(make_user):
    from app.organisation.services import issue_token
    make_user("admin")
    token = issue_token("admin")
    row = db.session.query(ApiToken).one()
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    stored = {c.name: getattr(row, c.name) for c in ApiToken.__table__.columns}
    assert all(token not in str(value) for value in stored.values())


def test_a_token_of_a_stored_hash_is_not_itself_a_token(client, make_user, token_for):
    token_for(make_user("admin"))
    digest = db.session.query(ApiToken).one().token_hash
    assert client.get("/api/v1/surveys", headers={"Authorization": f"Bearer {digest}"}).status_code == 401


def test_unknown_api_path_is_a_json_404(client, make_user, token_for):
    response = client.get("/api/v1/nothing-here", headers=token_for(make_user("admin")))
    assert response.status_code == 404 and set(response.json) == {"error", "fields"}


def test_wrong_method_is_a_json_405(client, make_user, token_for):
    response = client.delete("/api/v1/surveys", headers=token_for(make_user("admin")))
    assert response.status_code == 405 and set(response.json) == {"error", "fields"}
