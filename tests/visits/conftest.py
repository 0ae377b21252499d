"""Fixtures shared by the visit and problem tests: a zone with a school and its supervisor,
another zone's supervisor, an admin, a viewer and a draft visit."""
from __future__ import annotations

from datetime import date

import pytest

from app.extensions import db
from tests.results.conftest import add_responses, sleep_answers  # noqa: F401 - re-exported fixtures


@pytest.fixture
def zone(make_zone):
    """The zone the tests work in."""
    return make_zone(code="ZA", name="城关责任区")


@pytest.fixture
def other_zone(make_zone):
    """A zone the supervisor is not responsible for."""
    return make_zone(code="ZB", name="东乡责任区")


@pytest.fixture
def school(make_school, zone):
    """A primary school in `zone`."""
    return make_school(code="S100", name="城关第一小学", zone=zone)


@pytest.fixture
def other_school(make_school, other_zone):
    """A school in `other_zone`."""
    return make_school(code="S200", name="东乡小学", zone=other_zone)


@pytest.fixture
def supervisor(make_user, zone):
    """The responsible supervisor of `zone`."""
    return make_user("sup", role="supervisor", zones=[zone])


@pytest.fixture
def other_supervisor(make_user, other_zone):
    """A supervisor of `other_zone` only."""
    return make_user("sup2", role="supervisor", zones=[other_zone])


@pytest.fixture
def admin(make_user):
    """A county-office administrator."""
    return make_user("office", role="admin")


@pytest.fixture
def viewer(make_user):
    """A read-only user."""
    return make_user("viewer", role="viewer")


@pytest.fixture
def make_visit(app, school, supervisor):
    """Create a visit record directly (a draft at `school` by `supervisor` unless told)."""
    from app.visits.models import Visit

    def make(school=school, supervisor=supervisor, **fields):
        visit = Visit(school=school, date=fields.pop("date", date(2026, 6, 10)),
                      kind=fields.pop("kind", "routine"), created_by=supervisor, **fields)
        visit.supervisors.append(supervisor)
        db.session.add(visit)
        db.session.commit()
        return visit
    return make


@pytest.fixture
def visit(make_visit):
    """A draft visit at `school` by `supervisor`."""
    return make_visit()


@pytest.fixture
def login(client):
    """Sign a user in on the shared test client through the real login form."""
    def sign_in(user, password: str = "password123"):
        client.post("/logout")   # whoever was signed in before (CSRF is off in tests)
        response = client.post("/login", data={"username": user.username, "password": password})
        assert response.status_code == 302, response.text
        return response
    return sign_in


@pytest.fixture
def page_as(app):
    """A fresh test client signed in as a user (one browser per user, no shared cookies)."""
    def open_as(user):
        browser = app.test_client()
        response = browser.post("/login", data={"username": user.username, "password": "password123"})
        assert response.status_code == 302, response.text
        return browser
    return open_as
