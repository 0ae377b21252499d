"""POST /api/v1/zones, /zones/CODE/supervisors and /schools: created, conflicts, field errors."""
from __future__ import annotations

import pytest

from app.extensions import db
from app.organisation.models import STAGES, School, Zone


def test_zone_is_created_with_201(client, admin_headers):
    response = client.post("/api/v1/zones", json={"code": "CG", "name": " 城关责任区 "},
                           headers=admin_headers)
    assert response.status_code == 201
    assert response.json == {"code": "CG", "name": "城关责任区"}
    zone = db.session.query(Zone).one()
    assert (zone.code, zone.name) == ("CG", "城关责任区")


def test_duplicate_zone_code_is_409(client, admin_headers, make_zone):
    make_zone(code="CG", name="城关责任区")
    response = client.post("/api/v1/zones", json={"code": "CG", "name": "另一个"}, headers=admin_headers)
    assert response.status_code == 409
    assert "code" in response.json["fields"]
    assert [z.name for z in db.session.query(Zone)] == ["城关责任区"]


BAD_ZONES = [
    ({}, {"code", "name"}),
    ({"code": "CG"}, {"name"}),
    ({"name": "城关"}, {"code"}),
    ({"code": "", "name": "城关"}, {"code"}),
    ({"code": "has space", "name": "城关"}, {"code"}),
    ({"code": "Z" * 33, "name": "城关"}, {"code"}),
    ({"code": "城关", "name": "城关"}, {"code"}),
    ({"code": "CG", "name": "   "}, {"name"}),
    ({"code": "CG", "name": "区" * 101}, {"name"}),
    ({"code": 12, "name": ["城关"]}, {"code", "name"}),
]


def test_bad_zone_fields_are_422_naming_each_field(client, admin_headers):
    for body, fields in BAD_ZONES:
        response = client.post("/api/v1/zones", json=body, headers=admin_headers)
        assert response.status_code == 422, body
        assert set(response.json["fields"]) == fields, body
        assert all(response.json["fields"].values())
    assert db.session.query(Zone).count() == 0


def test_zone_code_of_32_characters_and_name_of_100_are_accepted(client, admin_headers):
    response = client.post("/api/v1/zones", json={"code": "Z" * 32, "name": "区" * 100},
                           headers=admin_headers)
    assert response.status_code == 201


def test_malformed_json_is_400(client, admin_headers):
    for body in ('{"code": "CG", "name": ', "code=CG", ""):
        response = client.post("/api/v1/zones", data=body, content_type="application/json",
                               headers=admin_headers)
        assert response.status_code == 400, body
        assert set(response.json) == {"error", "fields"}
    assert db.session.query(Zone).count() == 0


def test_supervisor_assignment_returns_200_and_the_zone_supervisors(client, admin_headers, make_zone,
                                                                   make_user):
    make_zone(code="CG")
    user = make_user("zhang", role="supervisor")
    response = client.post("/api/v1/zones/CG/supervisors", json={"username": "zhang"},
                           headers=admin_headers)
    assert response.status_code == 200
    assert response.json == {"code": "CG", "supervisors": ["zhang"]}
    assert [z.code for z in user.zones] == ["CG"]


def test_supervisor_assignment_is_idempotent(client, admin_headers, make_zone, make_user):
    make_zone(code="CG")
    user = make_user("zhang", role="supervisor")
    for _ in range(2):
        response = client.post("/api/v1/zones/CG/supervisors", json={"username": "zhang"},
                               headers=admin_headers)
        assert response.status_code == 200
    assert response.json["supervisors"] == ["zhang"]
    assert len(user.zones) == 1


def test_assigned_supervisor_can_then_launch_in_the_zone(client, admin_headers, make_school, make_zone,
                                                         make_user, token_for):
    school = make_school(zone=make_zone(code="CG"))
    headers = token_for(make_user("zhang", role="supervisor"))
    body = {"survey": "sleep", "school": school.code, "audience": "parent"}
    assert client.post("/api/v1/launches", json=body, headers=headers).status_code == 403
    client.post("/api/v1/zones/CG/supervisors", json={"username": "zhang"}, headers=admin_headers)
    response = client.post("/api/v1/launches", json=body, headers=headers)
    assert response.status_code == 201


def test_supervisor_assignment_to_an_unknown_zone_is_404(client, admin_headers, make_user):
    make_user("zhang", role="supervisor")
    response = client.post("/api/v1/zones/NOPE/supervisors", json={"username": "zhang"},
                           headers=admin_headers)
    assert response.status_code == 404 and set(response.json) == {"error", "fields"}


@pytest.mark.parametrize("role", ["admin", "viewer"])
def test_only_supervisors_are_assigned_to_zones(client, admin_headers, make_zone, make_user, role):
    make_zone(code="CG")
    user = make_user("li", role=role)
    response = client.post("/api/v1/zones/CG/supervisors", json={"username": "li"},
                           headers=admin_headers)
    assert response.status_code == 422
    assert "username" in response.json["fields"]
    assert user.zones == []


def test_missing_or_unknown_username_is_422(client, admin_headers, make_zone):
    make_zone(code="CG")
    for body in ({}, {"username": ""}, {"username": None}, {"username": 7}, {"username": ["zhang"]},
                 {"username": "nobody"}):
        response = client.post("/api/v1/zones/CG/supervisors", json=body, headers=admin_headers)
        assert response.status_code == 422 and "username" in response.json["fields"], body


def test_school_is_created_with_201_for_every_stage(client, admin_headers, make_zone):
    make_zone(code="CG")
    for number, stage in enumerate(STAGES):
        body = {"code": f"S{number}", "name": f"城关第{number}学校", "stage": stage, "zone": "CG"}
        response = client.post("/api/v1/schools", json=body, headers=admin_headers)
        assert response.status_code == 201, stage
        assert response.json == body
    stored = {s.code: (s.stage, s.zone.code) for s in db.session.query(School)}
    assert stored == {f"S{n}": (stage, "CG") for n, stage in enumerate(STAGES)}


def test_unknown_stage_is_422(client, admin_headers, make_zone):
    make_zone(code="CG")
    for stage in ("小学", "Primary", "middle", "", None, 1, ["primary"]):
        body = {"code": "S1", "name": "一小", "stage": stage, "zone": "CG"}
        response = client.post("/api/v1/schools", json=body, headers=admin_headers)
        assert response.status_code == 422, stage
        assert set(response.json["fields"]) == {"stage"}
    assert db.session.query(School).count() == 0


def test_unknown_or_missing_zone_is_422(client, admin_headers, make_zone):
    make_zone(code="CG")
    for zone in ("NOPE", "", None, 5, "cg"):
        body = {"code": "S1", "name": "一小", "stage": "primary", "zone": zone}
        response = client.post("/api/v1/schools", json=body, headers=admin_headers)
        assert response.status_code == 422, zone
        assert set(response.json["fields"]) == {"zone"}
    assert db.session.query(School).count() == 0


def test_duplicate_school_code_is_409(client, admin_headers, make_school, make_zone):
    make_school(code="S1", name="一小", zone=make_zone(code="CG"))
    body = {"code": "S1", "name": "二小", "stage": "junior", "zone": "CG"}
    response = client.post("/api/v1/schools", json=body, headers=admin_headers)
    assert response.status_code == 409 and "code" in response.json["fields"]
    assert [(s.name, s.stage) for s in db.session.query(School)] == [("一小", "primary")]


def test_all_bad_school_fields_are_named_at_once(client, admin_headers):
    response = client.post("/api/v1/schools", json={"code": "a b", "stage": "x"}, headers=admin_headers)
    assert response.status_code == 422
    assert set(response.json["fields"]) == {"code", "name", "stage", "zone"}


UNSHOWABLE_NAMES = ["城关\r\n责任区", "城关\n区", "城关\t区", "城关\x07区", "城关\x1b[31m区", "城关\u2028区",
                    "\u200b", "\u200b\u200d\ufeff", " \u200b "]


@pytest.mark.parametrize("name", UNSHOWABLE_NAMES)
def test_zone_names_with_control_characters_or_nothing_visible_are_422(client, admin_headers, name):
    response = client.post("/api/v1/zones", json={"code": "CG", "name": name}, headers=admin_headers)
    assert response.status_code == 422, name
    assert set(response.json["fields"]) == {"name"}
    assert db.session.query(Zone).count() == 0


@pytest.mark.parametrize("name", UNSHOWABLE_NAMES)
def test_school_names_with_control_characters_or_nothing_visible_are_422(client, admin_headers,
                                                                         make_zone, name):
    make_zone(code="CG")
    response = client.post("/api/v1/schools", json={"code": "S1", "name": name, "stage": "primary",
                                                    "zone": "CG"}, headers=admin_headers)
    assert response.status_code == 422, name
    assert set(response.json["fields"]) == {"name"}
    assert db.session.query(School).count() == 0


def test_codes_with_a_trailing_line_break_are_422(client, admin_headers):
    response = client.post("/api/v1/zones", json={"code": "CG\n", "name": "城关"}, headers=admin_headers)
    assert response.status_code == 422 and set(response.json["fields"]) == {"code"}


def test_names_are_stored_nfc_normalised_without_invisible_edges(client, admin_headers, make_zone):
    response = client.post("/api/v1/zones", json={"code": "CG", "name": "\ufeff Cafe\u0301 区\u200b"},
                           headers=admin_headers)
    assert response.status_code == 201 and response.json["name"] == "Caf\u00e9 区"
    response = client.post("/api/v1/schools", json={"code": "S1", "name": "\u200b第一小学\ufeff",
                                                    "stage": "primary", "zone": "CG"},
                           headers=admin_headers)
    assert response.status_code == 201
    assert [s.name for s in db.session.query(School)] == ["第一小学"]
