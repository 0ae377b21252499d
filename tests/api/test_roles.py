"""Who may do what through the API: viewers read, supervisors launch in their zones, admins do all."""
from __future__ import annotations

import pytest

from app.extensions import db
from app.launches.models import Launch
from app.organisation.models import School, Zone


def write_calls(school_code: str) -> list[tuple[str, dict]]:
    """Every API write, each with a body that an admin could send successfully."""
    return [
        ("/api/v1/zones", {"code": "NEW", "name": "新责任区"}),
        ("/api/v1/zones/OWN/supervisors", {"username": "supervisor"}),
        ("/api/v1/schools", {"code": "NEWS", "name": "新学校", "stage": "primary", "zone": "OWN"}),
        ("/api/v1/launches", {"survey": "sleep", "school": school_code, "audience": "parent"}),
        ("/api/v1/launches", {"survey": "sleep", "zone": "OWN", "audience": "parent"}),
        ("/api/v1/launches", {"survey": "sleep", "county": True}),
    ]


def test_viewer_is_refused_every_write_with_403(client, viewer_headers, supervisor, make_school):
    school = make_school(zone=supervisor.zones[0])
    for path, body in write_calls(school.code):
        response = client.post(path, json=body, headers=viewer_headers)
        assert response.status_code == 403, path
        assert set(response.json) == {"error", "fields"} and response.json["error"]
    assert db.session.query(Zone).count() == 1
    assert db.session.query(School).count() == 1
    assert db.session.query(Launch).count() == 0


def test_viewer_is_refused_even_with_a_malformed_body(client, viewer_headers):
    response = client.post("/api/v1/zones", data="{", content_type="application/json",
                           headers=viewer_headers)
    assert response.status_code == 403


def test_admin_may_do_every_write(client, admin_headers, supervisor, make_school):
    school = make_school(zone=supervisor.zones[0])
    statuses = [client.post(path, json=body, headers=admin_headers).status_code
                for path, body in write_calls(school.code)]
    assert statuses == [201, 200, 201, 201, 201, 201]


@pytest.mark.parametrize("path, body", [
    ("/api/v1/zones", {"code": "NEW", "name": "新责任区"}),
    ("/api/v1/zones/OWN/supervisors", {"username": "supervisor"}),
    ("/api/v1/schools", {"code": "NEWS", "name": "新学校", "stage": "primary", "zone": "OWN"}),
])
def test_supervisor_cannot_create_zones_schools_or_assignments(client, supervisor_headers, path, body):
    response = client.post(path, json=body, headers=supervisor_headers)
    assert response.status_code == 403
    assert db.session.query(Zone).count() == 1 and db.session.query(School).count() == 0


def test_supervisor_launches_at_a_school_of_their_zone(client, supervisor, supervisor_headers,
                                                       make_school):
    school = make_school(zone=supervisor.zones[0])
    response = client.post("/api/v1/launches", json={"survey": "sleep", "school": school.code},
                           headers=supervisor_headers)
    assert response.status_code == 201
    assert db.session.get(Launch, response.json["id"]).created_by_id == supervisor.id


def test_supervisor_cannot_launch_in_another_zone(client, supervisor_headers, make_school, make_zone):
    elsewhere = make_school(zone=make_zone(code="OTHER"))
    response = client.post("/api/v1/launches", json={"survey": "sleep", "school": elsewhere.code},
                           headers=supervisor_headers)
    assert response.status_code == 403 and set(response.json) == {"error", "fields"}
    response = client.post("/api/v1/launches", json={"survey": "sleep", "zone": "OTHER"},
                           headers=supervisor_headers)
    assert response.status_code == 403
    assert db.session.query(Launch).count() == 0


def test_supervisor_launches_at_every_school_of_their_zone(client, supervisor, supervisor_headers,
                                                           make_school):
    schools = [make_school(zone=supervisor.zones[0]) for _ in range(2)]
    response = client.post("/api/v1/launches", json={"survey": "sleep", "zone": "OWN"},
                           headers=supervisor_headers)
    assert response.status_code == 201
    assert {l.school_id for l in db.session.query(Launch)} == {s.id for s in schools}


def test_supervisor_cannot_launch_county_wide(client, supervisor, supervisor_headers, make_school):
    make_school(zone=supervisor.zones[0])
    response = client.post("/api/v1/launches", json={"survey": "sleep", "county": True},
                           headers=supervisor_headers)
    assert response.status_code == 403
    assert db.session.query(Launch).count() == 0


def test_supervisor_of_several_zones_launches_in_each(client, make_user, make_zone, make_school,
                                                      token_for):
    zones = [make_zone(code="A"), make_zone(code="B")]
    headers = token_for(make_user("wang", role="supervisor", zones=zones))
    for zone in zones:
        school = make_school(zone=zone)
        response = client.post("/api/v1/launches", json={"survey": "sleep", "school": school.code},
                               headers=headers)
        assert response.status_code == 201
