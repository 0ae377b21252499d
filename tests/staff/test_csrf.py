"""With CSRF protection on (as in production), staff forms without their token change nothing."""
from __future__ import annotations

import io
import re

import pytest

from app.extensions import db
from app.launches.models import Launch
from app.organisation.models import LoginThrottle, School


def csrf_token(html: str) -> str:
    """The CSRF token of the first form on a page."""
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def stored_now() -> None:
    """End the test's own read transaction, so it sees what the other app's requests committed."""
    db.session.rollback()


@pytest.fixture
def csrf_client(make_app):
    """A client of an app with CSRF protection enabled."""
    return make_app(sync=False, WTF_CSRF_ENABLED=True).test_client()


def signed_in(client, username="admin"):
    response = client.post("/login", data={"username": username, "password": "password123",
                                           "csrf_token": csrf_token(client.get("/login").text)})
    assert response.status_code == 302
    return client


def test_login_without_csrf_token_is_refused_and_not_counted(csrf_client, make_user):
    user = make_user("admin")
    response = csrf_client.post("/login", data={"username": "admin", "password": "wrong-password"})
    assert response.status_code == 400
    stored_now()
    assert db.session.query(LoginThrottle).count() == 0


def test_close_without_csrf_token_is_400_and_the_launch_stays_open(csrf_client, make_user, make_launch):
    make_user("admin")
    launch = make_launch("sleep")
    client = signed_in(csrf_client)
    assert client.post(f"/staff/launches/{launch.id}/close").status_code == 400
    assert client.post(f"/staff/launches/{launch.id}/close",
                       data={"csrf_token": "forged"}).status_code == 400
    stored_now()
    assert launch.closed_at is None


def test_new_launch_without_csrf_token_is_400_and_creates_nothing(csrf_client, make_user, make_school):
    make_user("admin")
    school = make_school()
    client = signed_in(csrf_client)
    response = client.post("/staff/launches/new", data={"survey": "sleep", "audience": "parent",
                                                        "scope": "school", "school": school.code})
    assert response.status_code == 400
    stored_now()
    assert db.session.query(Launch).count() == 0


def test_import_without_csrf_token_is_400_and_imports_nothing(csrf_client, make_user, make_zone):
    make_user("admin")
    make_zone(code="CG")
    client = signed_in(csrf_client)
    content = b"code,name,stage,zone\nS1,x,primary,CG\n"
    response = client.post("/staff/schools/import", data={"file": (io.BytesIO(content), "s.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    stored_now()
    assert db.session.query(School).count() == 0


def test_form_with_its_csrf_token_goes_through(csrf_client, make_user, make_launch):
    make_user("admin")
    launch = make_launch("sleep")
    client = signed_in(csrf_client)
    token = csrf_token(client.get(f"/staff/launches/{launch.id}").text)
    assert client.post(f"/staff/launches/{launch.id}/close",
                       data={"csrf_token": token, "confirm": "y"}).status_code == 302
    stored_now()
    assert launch.closed_at is not None


def test_api_needs_no_csrf_token(csrf_client, make_user, token_for):
    headers = token_for(make_user("admin"))
    response = csrf_client.post("/api/v1/zones", json={"code": "CG", "name": "城关"}, headers=headers)
    assert response.status_code == 201
