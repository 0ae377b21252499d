"""Fixtures for the office's admin, audit and launch-change tests (imported by those modules)."""
from __future__ import annotations

import json

import pytest

from app.audit.models import AuditEvent
from app.extensions import db


@pytest.fixture
def sign_in(client):
    """Sign a user in on the shared test client through the real login form."""
    def login(user, password: str = "password123"):
        client.post("/logout")
        response = client.post("/login", data={"username": user.username, "password": password})
        assert response.status_code == 302, response.text
        return response
    return login


@pytest.fixture
def office(make_user):
    """A county office admin."""
    return make_user("office", role="admin", display_name="王主任")


def events(**where) -> list[AuditEvent]:
    """Audit events matching the column values, oldest first (read fresh from the database)."""
    db.session.expire_all()
    query = db.session.query(AuditEvent).order_by(AuditEvent.id)
    for name, value in where.items():
        query = query.filter(getattr(AuditEvent, name) == value)
    return query.all()


def trail_text() -> str:
    """Every stored audit event as one JSON text (to prove something never appears in it)."""
    return json.dumps([{c.name: str(getattr(e, c.name)) for c in AuditEvent.__table__.columns}
                       for e in events()], ensure_ascii=False)
