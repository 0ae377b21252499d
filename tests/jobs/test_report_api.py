"""POST /api/v1/reports and GET /reports/ID: shapes, validation and access per role."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.extensions import db


def _post(client, headers, **body):
    payload = {"kind": "annual", "year": 2026, "scope": "county", "format": "pdf"}
    payload.update(body)
    return client.post("/api/v1/reports", json=payload, headers=headers)


@pytest.mark.parametrize("role, scope, expected", [
    ("admin", "county", 202), ("admin", {"zone": "Z2"}, 202), ("admin", {"school": "SB"}, 202),
    ("viewer", "county", 202), ("viewer", {"school": "SA"}, 202),
    ("sup1", "county", 403), ("sup1", {"zone": "Z1"}, 202), ("sup1", {"school": "SA"}, 202),
    ("sup1", {"zone": "Z2"}, 403), ("sup1", {"school": "SB"}, 403),
])
def test_who_may_ask_for_which_scope(county, client, token_for, fake_builder, role, scope, expected):
    fake_builder()
    response = _post(client, token_for(county["users"][role]), scope=scope)
    assert response.status_code == expected, response.get_json()
    if expected == 202:
        assert response.get_json()["status"] in ("queued", "running", "done")


def test_a_request_is_audited_with_its_scope_and_zone(county, client, token_for, fake_builder):
    fake_builder()
    job_id = _post(client, token_for(county["users"]["sup1"]), scope={"zone": "Z1"}, format="xlsx").get_json()["id"]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.entity == "report_job",
                                                       AuditEvent.entity_id == str(job_id)))
    assert event.action == "request" and event.actor == "sup1"
    assert event.zone_id == county["zones"][0].id
    assert event.after["scope"] == {"kind": "zone", "code": "Z1"} and event.after["format"] == "xlsx"


def test_refused_requests_make_no_job_and_no_trail(county, client, token_for, fake_builder):
    fake_builder()
    assert _post(client, token_for(county["users"]["sup1"]), scope="county").status_code == 403
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.entity == "report_job")) is None


@pytest.mark.parametrize("body, field", [
    ({"year": None}, "year"), ({"year": "2026"}, "year"), ({"year": 1999}, "year"),
    ({"format": "docx"}, "format"), ({"audience": "pupil"}, "audience"),
    ({"scope": "town"}, "scope"), ({"scope": {"zone": "NOPE"}}, "scope"),
    ({"scope": {"school": "NOPE"}}, "scope"), ({"scope": {"zone": "Z1", "school": "SA"}}, "scope"),
    ({"scope": {"zone": 5}}, "scope"), ({"kind": "weekly"}, "kind"),
    ({"kind": "monthly", "month": "2026-13"}, "month"), ({"kind": "monthly", "month": "2026-03", "format": "xlsx"}, "format"),
    ({"kind": "launch_feedback", "launch": 999999}, "launch"), ({"kind": "launch_feedback", "launch": True}, "launch"),
])
def test_bad_input_is_422_naming_the_field(county, client, token_for, fake_builder, body, field):
    fake_builder()
    response = _post(client, token_for(county["users"]["admin"]), **body)
    assert response.status_code == 422
    assert field in response.get_json()["fields"]


@pytest.mark.parametrize("raw", [b"[1, 2]", b"not json", b'"county"'])
def test_a_body_that_is_not_an_object_is_refused(county, client, token_for, raw):
    response = client.post("/api/v1/reports", data=raw, content_type="application/json",
                           headers=token_for(county["users"]["admin"]))
    assert response.status_code in (400, 422)


def test_without_a_token_nothing_is_reachable(county, client, fake_builder, token_for):
    fake_builder()
    job_id = _post(client, token_for(county["users"]["admin"])).get_json()["id"]
    assert client.post("/api/v1/reports", json={"year": 2026}).status_code == 401
    assert client.get(f"/api/v1/reports/{job_id}").status_code == 401
    assert client.get(f"/api/v1/reports/{job_id}/download").status_code == 401


def test_reading_a_job_requester_or_someone_who_sees_the_scope(county, client, token_for, fake_builder):
    fake_builder()
    users = county["users"]
    job_id = _post(client, token_for(users["sup1"]), scope={"school": "SA"}).get_json()["id"]
    for role, expected in (("sup1", 200), ("admin", 200), ("viewer", 200), ("sup2", 403)):
        headers = token_for(users[role])
        assert client.get(f"/api/v1/reports/{job_id}", headers=headers).status_code == expected, role
        assert client.get(f"/api/v1/reports/{job_id}/download", headers=headers).status_code == expected, role
    # The viewer's county report is readable by the viewer and admins, not by a supervisor.
    county_job = _post(client, token_for(users["viewer"])).get_json()["id"]
    assert client.get(f"/api/v1/reports/{county_job}", headers=token_for(users["sup1"])).status_code == 403
    assert client.get(f"/api/v1/reports/{county_job}", headers=token_for(users["admin"])).status_code == 200


def test_unknown_and_absurd_job_ids_are_404(county, client, token_for):
    headers = token_for(county["users"]["admin"])
    assert client.get("/api/v1/reports/424242", headers=headers).status_code == 404
    assert client.get(f"/api/v1/reports/{2**40}", headers=headers).status_code == 404


def test_the_status_shape(county, client, token_for, fake_builder):
    fake_builder()
    headers = token_for(county["users"]["admin"])
    job_id = _post(client, headers, format="csv", audience="student").get_json()["id"]
    body = client.get(f"/api/v1/reports/{job_id}", headers=headers).get_json()
    assert {"id", "kind", "status", "progress", "download_url", "checksum"} <= set(body)
    assert body["id"] == job_id and body["kind"] == "annual" and 0 <= body["progress"] <= 1


def test_monthly_and_launch_feedback_go_through_the_same_machinery(county, client, token_for, fake_builder):
    fake_builder("monthly")
    fake_builder("launch_feedback")
    users = county["users"]
    monthly = _post(client, token_for(users["sup1"]), kind="monthly", month="2026-05", scope={"zone": "Z1"})
    assert monthly.status_code == 202
    assert _post(client, token_for(users["sup1"]), kind="monthly", month="2026-05", scope={"zone": "Z2"}).status_code == 403
    launch_a = county["launches"][0]
    assert _post(client, token_for(users["sup2"]), kind="launch_feedback", launch=launch_a.id).status_code == 403
    feedback = _post(client, token_for(users["sup1"]), kind="launch_feedback", launch=launch_a.id)
    assert feedback.status_code == 202
    body = client.get(feedback.get_json()["url"], headers=token_for(users["sup1"])).get_json()
    assert body["kind"] == "launch_feedback" and body["status"] == "done"


def test_the_real_annual_builder_runs_end_to_end_as_a_job(county, client, token_for):
    headers = token_for(county["users"]["admin"])
    job_id = _post(client, headers, format="csv", scope={"zone": "Z1"}).get_json()["id"]
    body = client.get(f"/api/v1/reports/{job_id}", headers=headers).get_json()
    assert body["status"] == "done", body
    data = client.get(body["download_url"], headers=headers).data
    assert data.startswith("\ufeff".encode()) or data[:1] != b""
    import hashlib
    assert hashlib.sha256(data).hexdigest() == body["checksum"]
