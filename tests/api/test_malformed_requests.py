"""Bad input to any API endpoint is a 4xx JSON answer, never a 500."""
from __future__ import annotations

import json
import os

import pytest

from app.extensions import db
from app.launches.models import Launch
from app.organisation.models import School, Zone
from app.surveys.registry import definition_of
from support import valid_answers

ON_POSTGRES = bool(os.environ.get("TEST_DATABASE_URL"))

#: Each write endpoint with a body an admin could send successfully (i keeps codes unique).
ENDPOINTS = {
    "zones": ("/api/v1/zones", lambda i: {"code": f"C{i}", "name": "新区"}),
    "supervisors": ("/api/v1/zones/CG/supervisors", lambda i: {"username": "zhang"}),
    "schools": ("/api/v1/schools",
                lambda i: {"code": f"S{i}", "name": "新校", "stage": "primary", "zone": "CG"}),
    "launches": ("/api/v1/launches",
                 lambda i: {"survey": "sleep", "school": "S0", "audience": "parent"}),
}

WRONG_TYPES = [None, 0, -1, 1.5, True, False, [], {}, ["x"], {"x": 1}, 10 ** 30, [[[]]]]
ODD_STRINGS = ["", "   ", "\t\n", "x" * 100_000, "区" * 5_000, "'; DROP TABLE zones; --",
               "<script>alert(1)</script>", "💥🏫", "../../etc/passwd", "%00", "\\u0000"]

#: (endpoint, field, must every odd string be refused?)
FIELDS = [
    ("zones", "code", True), ("zones", "name", False),
    ("supervisors", "username", True),
    ("schools", "code", True), ("schools", "name", False), ("schools", "stage", True),
    ("schools", "zone", True),
    ("launches", "survey", True), ("launches", "school", True), ("launches", "audience", True),
    ("launches", "closes_at", False), ("launches", "opens_at", False),
]

NOT_JSON_OBJECTS = ["", "not json", "{", '{"code": }', "{'code': 'C'}", "[]", "[1, 2]", "null",
                    "42", '"text"', "true", '[{"code": "C", "name": "x"}]']


@pytest.fixture
def setup(admin_headers, make_zone, make_school, make_user):
    """Zone CG with school S0 and a supervisor zhang; returns the admin headers."""
    make_school(code="S0", zone=make_zone(code="CG"))
    make_user("zhang", role="supervisor")
    return admin_headers


def assert_json_error(response, *, allowed=range(400, 500)):
    assert response.status_code in allowed, (response.status_code, response.get_data(as_text=True)[:200])
    assert set(response.json) == {"error", "fields"}
    assert isinstance(response.json["fields"], dict)


@pytest.mark.parametrize("endpoint", sorted(ENDPOINTS))
def test_bodies_that_are_not_json_objects_are_400(client, setup, endpoint):
    path, _ = ENDPOINTS[endpoint]
    for body in NOT_JSON_OBJECTS:
        for content_type in ("application/json", "text/plain"):
            response = client.post(path, data=body, content_type=content_type, headers=setup)
            assert_json_error(response, allowed={400})
    response = client.post(path, data=b"\xff\xfe\x00{", content_type="application/json", headers=setup)
    assert_json_error(response, allowed={400})


@pytest.mark.parametrize("endpoint, field, strict", FIELDS, ids=[f"{e}-{f}" for e, f, _ in FIELDS])
def test_wrong_types_and_odd_strings_in_each_field_are_never_a_500(client, setup, endpoint, field,
                                                                  strict):
    path, valid = ENDPOINTS[endpoint]
    optional = field in ("audience", "closes_at", "opens_at")
    for i, value in enumerate(WRONG_TYPES + ODD_STRINGS, start=1):
        response = client.post(path, json={**valid(i), field: value}, headers=setup)
        assert response.status_code < 500, (field, value)
        refused_type = value in WRONG_TYPES and not (optional and not value)
        if refused_type or (strict and value in ODD_STRINGS):
            assert_json_error(response, allowed={422})
            assert field in response.json["fields"], (field, value)


def test_a_missing_body_is_400_for_every_write(client, setup):
    for path, _ in ENDPOINTS.values():
        assert_json_error(client.post(path, headers=setup), allowed={400})


def test_unexpected_extra_fields_are_ignored(client, setup):
    response = client.post("/api/v1/zones", json={"code": "X1", "name": "区", "id": 99, "admin": True},
                           headers=setup)
    assert response.status_code == 201 and db.session.query(Zone).filter_by(code="X1").one().id != 99


def test_a_body_over_the_size_limit_is_413_json(client, setup):
    body = b'{"code": "X", "name": "' + b"x" * (9 * 1024 * 1024) + b'"}'
    response = client.post("/api/v1/zones", data=body, content_type="application/json", headers=setup)
    assert_json_error(response, allowed={413})
    assert db.session.query(Zone).count() == 1


def test_odd_paths_are_json_404(client, setup):
    for path in ("/api/v1/launches/abc/summary", "/api/v1/launches/-1/summary",
                 "/api/v1/launches/0/summary", "/api/v1/zones/%20/supervisors",
                 "/api/v1/zones/" + "Z" * 5000 + "/supervisors", "/api/v1/surveys/..%2F..%2Fetc"):
        method = client.post if path.endswith("supervisors") else client.get
        response = method(path, json={"username": "zhang"}, headers=setup)
        assert_json_error(response, allowed={404})


def test_nothing_is_written_by_refused_requests(client, setup):
    for field, value in (("survey", []), ("school", {}), ("closes_at", "soon"), ("audience", 3)):
        client.post("/api/v1/launches", json={**ENDPOINTS["launches"][1](0), field: value}, headers=setup)
    assert db.session.query(Launch).count() == 0
    assert db.session.query(School).count() == 1


def test_deeply_nested_json_is_400(client, setup):
    response = client.post("/api/v1/zones", data="[" * 100_000 + "]" * 100_000,
                           content_type="application/json", headers=setup)
    assert_json_error(response, allowed={400})


@pytest.mark.parametrize("path, body", [
    ("/api/v1/zones", '{"code": "X1", "name": "\\ud800"}'),
    ("/api/v1/schools", '{"code": "X1", "name": "x", "stage": "primary", "zone": "\\udfff"}'),
    ("/api/v1/zones/CG/supervisors", '{"username": "\\ud800"}'),
    ("/api/v1/launches", '{"survey": "\\ud800", "school": "S0"}'),
], ids=["zone-name", "school-zone", "username", "survey"])
def test_lone_surrogates_in_strings_are_refused(client, setup, path, body):
    response = client.post(path, data=body, content_type="application/json", headers=setup)
    assert_json_error(response, allowed={400})


@pytest.mark.parametrize("method, path, body", [
    ("get", "/api/v1/surveys/sl%00eep", None),
    ("post", "/api/v1/zones", {"code": "X1", "name": "a\x00b"}),
    ("post", "/api/v1/launches", {"survey": "sleep", "school": "S\x000"}),
    ("post", "/api/v1/launches", {"survey": "sleep", "zone": "C\x00G"}),
    ("post", "/api/v1/zones/CG/supervisors", {"username": "zh\x00ang"}),
], ids=["survey-key", "zone-name", "school", "zone", "username"])
def test_nul_characters_are_refused_without_a_500(client, setup, method, path, body):
    response = getattr(client, method)(path, json=body, headers=setup)
    assert response.status_code < 500 and response.is_json


def test_launch_id_beyond_the_integer_range_is_404(client, setup):
    response = client.get("/api/v1/launches/99999999999999999999/summary", headers=setup)
    assert_json_error(response, allowed={404})


def public_url(launch) -> str:
    return f"/api/v1/public/{launch.token}/responses"


def typed_answers(launch, **overrides) -> dict:
    """Valid answers for the public endpoint, numbers as JSON numbers."""
    survey = definition_of(launch.survey_version)
    return {k: (float(v) if survey.question(k).type == "number" else v)
            for k, v in valid_answers(launch, **overrides).items()}


def test_deeply_nested_json_to_the_public_endpoint_is_400(client, make_launch):
    response = client.post(public_url(make_launch("sleep")), data="[" * 100_000 + "]" * 100_000,
                           content_type="application/json")
    assert_json_error(response, allowed={400})


def test_text_answer_with_a_lone_surrogate_is_never_a_500(client, make_launch):
    launch = make_launch("sleep")
    body = json.dumps({"answers": {**typed_answers(launch), "comments": "\ud800"}})
    response = client.post(public_url(launch), data=body, content_type="application/json")
    assert response.status_code == 400 and response.is_json


def test_public_token_with_a_nul_character_is_refused(client, make_launch):
    launch = make_launch("sleep")
    response = client.post("/api/v1/public/ab%00c/responses", json={"answers": typed_answers(launch)})
    assert_json_error(response, allowed={400})
