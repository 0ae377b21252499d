"""Fixtures for the plaque and anonymous reports: two zones with their supervisors, a school
with its plaque, reports filed through the public API, staff signed in on the pages."""
from __future__ import annotations

import pytest

from app.extensions import db


@pytest.fixture
def county(make_zone, make_school, make_user):
    """Zone A (supervisor 李督学) with school A, zone B (supervisor other) with school B, an
    admin and a viewer."""
    zone_a, zone_b = make_zone(name="城关责任区"), make_zone(name="东乡责任区")
    school_a = make_school(zone=zone_a, name="城关镇第一小学")
    school_b = make_school(zone=zone_b, name="东乡中心小学")
    return {
        "zone_a": zone_a, "zone_b": zone_b, "school_a": school_a, "school_b": school_b,
        "sup_a": make_user("sup_a", role="supervisor", zones=[zone_a], display_name="李督学"),
        "sup_b": make_user("sup_b", role="supervisor", zones=[zone_b], display_name="赵督学"),
        "admin": make_user("office", role="admin", display_name="王主任"),
        "viewer": make_user("viewer", role="viewer"),
    }


@pytest.fixture
def plaque_token(app):
    """The token (last URL segment) of a school's live plaque."""
    from app.plaque.services import live_plaque

    def token(school) -> str:
        return live_plaque(school).token
    return token


@pytest.fixture
def file_report(client, plaque_token):
    """File a report at a school through the public API; returns (complaint, follow-up code)."""
    from app.plaque.models import Complaint

    def file(school, **body):
        body = {"kind": "complaint", "category": "homework", "text": "作业太多，孩子每天写到十一点。",
                **body}
        response = client.post(f"/api/v1/public/plaque/{plaque_token(school)}/reports", json=body)
        assert response.status_code == 201, response.text
        data = response.get_json()
        complaint = db.session.scalars(db.select(Complaint).where(
            Complaint.receipt == data["receipt"])).one()
        return complaint, data["follow_up_code"]
    return file


@pytest.fixture
def move(client, token_for):
    """POST a transition as a user; returns the response."""
    def post(user, complaint, status, **extra):
        return client.post(f"/api/v1/complaints/{complaint.id}/transitions",
                           json={"status": status, **extra}, headers=token_for(user))
    return post


@pytest.fixture
def login(client):
    """Sign a user in on the shared test client through the real login form."""
    def sign_in(user, password: str = "password123"):
        response = client.post("/login", data={"username": user.username, "password": password})
        assert response.status_code == 302, response.text
    return sign_in
