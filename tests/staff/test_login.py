"""Signing in: redirects, wrong passwords, locking after repeated failures, safe ?next=."""
from __future__ import annotations

import os
from datetime import timedelta
from urllib.parse import urljoin, urlsplit

import pytest

from app.extensions import db
from app.organisation.models import utcnow


def sign_in(client, username="admin", password="password123", next_=None):
    """POST the login form (English messages, so assertions do not depend on translations)."""
    path = "/login?lang=en" + (f"&next={next_}" if next_ is not None else "")
    return client.post(path, data={"username": username, "password": password})


def test_login_page_renders_the_form(client):
    page = client.get("/login")
    assert page.status_code == 200 and 'lang="zh-CN"' in page.text
    assert 'name="username"' in page.text and 'name="password"' in page.text


def test_successful_login_redirects_to_the_dashboard(client, admin):
    response = sign_in(client)
    assert response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/staff/"
    assert client.get("/staff/").status_code == 200


def test_session_cookie_is_http_only_and_same_site(client, admin):
    cookie = next(c for c in sign_in(client).headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_remember_me_cookie_is_http_only(client, admin):
    response = client.post("/login", data={"username": "admin", "password": "password123",
                                           "remember": "y"})
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("remember_token="))
    assert "HttpOnly" in cookie


def test_wrong_password_is_401_and_counted(client, admin):
    response = sign_in(client, password="wrong-password")
    assert response.status_code == 401 and "Wrong username or password." in response.text
    assert admin.failed_logins == 1
    assert client.get("/staff/").status_code == 302


def test_unknown_user_gets_the_same_answer_as_a_wrong_password(client, admin):
    unknown = sign_in(client, username="nobody", password="whatever")
    wrong = sign_in(client, password="wrong-password")
    assert unknown.status_code == wrong.status_code == 401
    assert "Wrong username or password." in unknown.text and "Wrong username or password." in wrong.text


def test_empty_form_is_400(client):
    assert client.post("/login", data={}).status_code == 400


def test_username_with_a_nul_character_is_a_plain_failed_login(client, admin):
    response = sign_in(client, username="adm\x00in")
    assert response.status_code in (400, 401)


def test_overlong_credentials_are_refused_without_a_500(client, admin):
    assert sign_in(client, username="a" * 10_000, password="p" * 10_000).status_code == 400


def test_inactive_user_cannot_sign_in(client, make_user):
    make_user("leaver", active=False)
    assert sign_in(client, username="leaver").status_code == 401


def test_successful_login_resets_the_failure_count(client, admin):
    for _ in range(3):
        sign_in(client, password="wrong-password")
    assert admin.failed_logins == 3
    assert sign_in(client).status_code == 302
    assert admin.failed_logins == 0


def test_account_locks_after_max_failures_even_for_the_right_password(app, client, admin):
    assert app.config["LOGIN_MAX_FAILURES"] == 5
    for _ in range(5):
        assert sign_in(client, password="wrong-password").status_code == 401
    assert admin.locked_until is not None
    response = sign_in(client)
    assert response.status_code == 401 and "locked" in response.text
    assert client.get("/staff/").status_code == 302


def test_four_failures_do_not_lock(client, admin):
    for _ in range(4):
        sign_in(client, password="wrong-password")
    assert admin.locked_until is None
    assert sign_in(client).status_code == 302


def test_lock_lasts_login_lock_minutes(app, client, admin, monkeypatch):
    for _ in range(5):
        sign_in(client, password="wrong-password")
    locked_at = utcnow()
    minutes = app.config["LOGIN_LOCK_MINUTES"]
    monkeypatch.setattr("app.organisation.services.utcnow",
                        lambda: locked_at + timedelta(minutes=minutes - 1))
    assert sign_in(client).status_code == 401
    monkeypatch.setattr("app.organisation.services.utcnow",
                        lambda: locked_at + timedelta(minutes=minutes, seconds=5))
    assert sign_in(client).status_code == 302
    assert admin.locked_until is None and admin.failed_logins == 0


def test_expired_lock_lets_the_right_password_in(client, admin):
    admin.locked_until = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert sign_in(client).status_code == 302


def test_locking_one_account_leaves_others_alone(client, admin, make_user):
    make_user("other")
    for _ in range(5):
        sign_in(client, password="wrong-password")
    assert sign_in(client, username="other").status_code == 302


def test_locked_with_the_configured_limit(make_app, make_user):
    make_user("admin")
    client = make_app(sync=False, LOGIN_MAX_FAILURES=2).test_client()
    for _ in range(2):
        sign_in(client, password="wrong-password")
    assert sign_in(client).status_code == 401


def test_next_may_lead_to_a_local_page(client, admin):
    response = sign_in(client, next_="/staff/zones/CG")
    assert response.headers["Location"] == "/staff/zones/CG"


def assert_stays_on_site(response) -> None:
    assert response.status_code == 302
    location = urljoin("http://localhost/login", response.headers["Location"])
    assert urlsplit(location).netloc == "localhost", response.headers["Location"]


def test_next_never_leads_to_another_site(client, admin):
    for target in ("http://evil.example/", "https://evil.example/staff/", "//evil.example/",
                   "///evil.example", "/\\evil.example", "\\\\evil.example", "javascript:alert(1)",
                   "http:/evil.example", "%2F%2Fevil.example", " //evil.example", "/%5C%09evil.example"):
        assert_stays_on_site(sign_in(client, next_=target))
        client.post("/logout")


def test_next_with_a_tab_does_not_lead_to_another_site(client, admin):
    assert_stays_on_site(sign_in(client, next_="/%09/evil.example"))


@pytest.mark.parametrize("target", ["/%0A/evil.example", "/staff/%0D%0ASet-Cookie:x=1"])
def test_next_with_line_breaks_is_not_a_500(client, admin, target):
    response = sign_in(client, next_=target)
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/staff/"


def test_staff_pages_need_login(client, make_zone, make_school):
    school = make_school(code="S1", zone=make_zone(code="CG"))
    for path in ("/staff/", "/staff/zones/CG", f"/staff/schools/{school.code}", "/staff/launches/new",
                 "/staff/schools/import", "/staff/launches/1", "/staff/batches/1"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert urlsplit(response.headers["Location"]).path == "/login"


def test_root_sends_visitors_to_login_and_staff_to_the_dashboard(client, admin):
    assert urlsplit(client.get("/").headers["Location"]).path == "/login"
    sign_in(client)
    assert urlsplit(client.get("/").headers["Location"]).path == "/staff/"


def test_signed_in_user_visiting_login_goes_to_the_dashboard(client, admin):
    sign_in(client)
    response = client.get("/login")
    assert response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/staff/"


def test_logout_ends_the_session(client, admin):
    sign_in(client)
    assert client.post("/logout").status_code == 302
    assert client.get("/staff/").status_code == 302
