"""The office's admin pages: who may open them, and the old staff-accounts URL."""
from __future__ import annotations

import pytest

from app.extensions import db
from app.organisation.models import School, User, Zone
from tests.office_support import events, office, sign_in  # noqa: F401  (fixtures)

PAGES = ["/staff/admin/users", "/staff/admin/users/new", "/staff/admin/users/target",
         "/staff/admin/zones", "/staff/admin/zones/CG", "/staff/admin/schools",
         "/staff/admin/schools?q=S1&zone=CG&show=all", "/staff/admin/schools/new",
         "/staff/admin/schools/S1", "/staff/audit/", "/staff/users"]

WRITES = [("/staff/admin/users/new", {"username": "newbie", "role": "viewer", "password": "long-enough"}),
          ("/staff/admin/users/target/role", {"role": "admin"}),
          ("/staff/admin/users/target/password", {"password": "another-password"}),
          ("/staff/admin/users/target/deactivate", {}),
          ("/staff/admin/users/target/zones", {"zone": "CG"}),
          ("/staff/admin/users/target/revoke-tokens", {}),
          ("/staff/admin/zones", {"code": "NEW", "name": "新区"}),
          ("/staff/admin/zones/CG", {"name": "改名"}),
          ("/staff/admin/schools/new", {"code": "S9", "name": "新校", "stage": "primary", "zone": "CG"}),
          ("/staff/admin/schools/S1", {"name": "改名", "stage": "junior", "zone": "CG"}),
          ("/staff/admin/schools/S1/active", {"active": "0"})]


@pytest.fixture
def world(make_zone, make_school, make_user):
    """A zone CG with school S1 and a supervisor account "target"."""
    zone = make_zone(code="CG", name="城关责任区")
    make_school(code="S1", name="城关一小", zone=zone)
    make_user("target", role="supervisor")
    return zone


def test_admin_pages_open_for_admins(client, sign_in, office, world):
    sign_in(office)
    for path in PAGES:
        response = client.get(path)
        assert response.status_code == 200, path
        # Tables scroll inside their wrapper on a phone.
        assert response.text.count("<table") == response.text.count('<div class="table-wrap">'), path


@pytest.mark.parametrize("role", ["supervisor", "viewer"])
def test_admin_pages_are_forbidden_to_others(client, sign_in, make_user, world, role):
    sign_in(make_user("other", role=role, zones=[world] if role == "supervisor" else []))
    for path in PAGES:
        assert client.get(path).status_code == 403, path


def test_admin_pages_need_a_sign_in(client, world):
    response = client.get("/staff/admin/schools")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("role", ["supervisor", "viewer"])
def test_admin_writes_are_forbidden_to_others_and_change_nothing(client, sign_in, make_user, world,
                                                                role):
    sign_in(make_user("other", role=role, zones=[world] if role == "supervisor" else []))
    for path, data in WRITES:
        assert client.post(path, data=data).status_code == 403, path
    db.session.expire_all()
    target = db.session.query(User).filter_by(username="target").one()
    school = db.session.query(School).filter_by(code="S1").one()
    assert (target.role, target.active, target.zones) == ("supervisor", True, [])
    assert target.check_password("password123")
    assert (school.name, school.stage, school.active) == ("城关一小", "primary", True)
    assert db.session.query(Zone).count() == 1 and db.session.query(User).count() == 2
    assert events() == []


def test_nav_shows_the_office_links_to_admins_only(client, sign_in, office, make_user, world):
    sign_in(office)
    page = client.get("/staff/").text
    for path in ("/staff/admin/schools", "/staff/admin/users", "/staff/audit/"):
        assert f'href="{path}"' in page
    sign_in(make_user("zhang", role="supervisor", zones=[world]))
    page = client.get("/staff/").text
    for path in ("/staff/admin/schools", "/staff/admin/users", "/staff/audit/"):
        assert f'href="{path}"' not in page


def test_old_users_url_serves_the_user_admin_page(client, sign_in, office, world):
    sign_in(office)
    page = client.get("/staff/users").text
    assert 'href="/staff/admin/users/target"' in page and 'href="/staff/admin/users/new"' in page


def test_admin_forms_carry_a_csrf_token_and_refuse_a_post_without_it(make_app, make_user, make_zone):
    import re
    make_user("office", role="admin")
    make_zone(code="CG")
    client = make_app(sync=False, WTF_CSRF_ENABLED=True).test_client()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get("/login").text).group(1)
    client.post("/login", data={"username": "office", "password": "password123", "csrf_token": token})
    assert 'name="csrf_token"' in client.get("/staff/admin/zones").text
    assert client.post("/staff/admin/zones", data={"code": "X", "name": "x"}).status_code == 400
    assert db.session.query(Zone).count() == 1
