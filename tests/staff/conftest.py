"""Fixtures for staff pages: signing in through the real login form."""
from __future__ import annotations

import pytest


@pytest.fixture
def login(client):
    """Sign a user in on the shared test client."""
    def sign_in(user, password: str = "password123"):
        response = client.post("/login", data={"username": user.username, "password": password})
        assert response.status_code == 302, response.text
        return response
    return sign_in


@pytest.fixture
def admin(make_user):
    """A county office admin."""
    return make_user("admin", role="admin", display_name="王主任")
