"""Signing in: redirects, wrong passwords, slowing repeated failures, safe ?next=."""
from __future__ import annotations

import os
import re
from datetime import timedelta
from urllib.parse import urljoin, urlsplit

import pytest

from app.extensions import db
from app.launches.models import as_utc
from app.organisation.models import LoginThrottle, utcnow


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


def failures() -> dict[str, int]:
    """Failures counted per throttle bucket (keys are keyed hashes)."""
    db.session.rollback()
    return {row.key: row.failures for row in db.session.query(LoginThrottle)}


def test_wrong_password_is_401_and_counted_per_address_and_per_account(client, admin):
    response = sign_in(client, password="wrong-password")
    assert response.status_code == 401 and "Wrong username or password." in response.text
    assert sorted(failures().values()) == [1, 1]
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
    assert sorted(failures().values()) == [3, 3]
    assert sign_in(client).status_code == 302
    assert failures() == {}


def at(monkeypatch, moment) -> None:
    """Make the sign-in services see `moment` as now."""
    monkeypatch.setattr("app.organisation.services.utcnow", lambda: moment)


def test_repeated_failures_are_slowed_for_seconds_not_locked_for_minutes(app, client, admin,
                                                                         monkeypatch):
    """Changed from the old 15-minute lockout: after LOGIN_FREE_ATTEMPTS failures the next
    attempt waits a second, then 2, 4 … never a long lockout of the rightful user."""
    assert app.config["LOGIN_FREE_ATTEMPTS"] == 5
    start = utcnow()
    at(monkeypatch, start)
    for _ in range(5):
        assert sign_in(client, password="wrong-password").status_code == 401
    response = sign_in(client)
    assert response.status_code == 429 and "Too many failed attempts" in response.text
    assert client.get("/staff/").status_code == 302
    at(monkeypatch, start + timedelta(seconds=2))
    assert sign_in(client).status_code == 302


def test_four_failures_are_not_slowed(client, admin):
    for _ in range(4):
        sign_in(client, password="wrong-password")
    assert sign_in(client).status_code == 302


def test_delays_grow_but_stay_capped(app, client, admin, monkeypatch):
    moment = utcnow()
    for _ in range(40):  # each failure just after the previous delay ran out
        at(monkeypatch, moment)
        assert sign_in(client, password="wrong-password").status_code == 401
        row = max(db.session.query(LoginThrottle), key=lambda r: as_utc(r.blocked_until or moment))
        moment = as_utc(row.blocked_until or moment) + timedelta(milliseconds=1)
    db.session.rollback()
    longest = max((as_utc(r.blocked_until) - as_utc(r.last_failure_at)).total_seconds()
                  for r in db.session.query(LoginThrottle))
    assert longest == app.config["LOGIN_MAX_DELAY_SECONDS"] == 300


def client_at(app, address: str):
    """A test client whose requests come from `address`."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_attacks_from_elsewhere_hold_the_rightful_user_back_by_seconds_only(make_app, make_user,
                                                                           monkeypatch):
    """Guesses from many addresses slow the account for everyone, but only for at most
    LOGIN_ACCOUNT_MAX_DELAY_SECONDS, and the office's own address is never slowed more."""
    make_user("admin")
    app = make_app(sync=False)
    start = utcnow()
    at(monkeypatch, start)
    for n in range(60):
        attacker = client_at(app, f"203.0.113.{n}")
        sign_in(attacker, password="wrong-password")
    office = client_at(app, "10.0.0.5")
    waiting = sign_in(office)
    assert waiting.status_code == 429
    at(monkeypatch, start + timedelta(seconds=app.config["LOGIN_ACCOUNT_MAX_DELAY_SECONDS"] + 1))
    assert sign_in(office).status_code == 302


def test_throttled_answer_is_the_same_for_unknown_and_existing_usernames(client, admin,
                                                                        monkeypatch):
    # The clock stands still: on a loaded machine the first 1-second delay could run out
    # while the other username's attempts are hashed.
    at(monkeypatch, utcnow())
    for username in ("admin", "nobody"):
        for _ in range(5):
            sign_in(client, username=username, password="wrong-password")
    existing = sign_in(client, username="admin", password="wrong-password")
    unknown = sign_in(client, username="nobody", password="wrong-password")
    assert existing.status_code == unknown.status_code == 429
    assert flash_text(existing) == flash_text(unknown)


def flash_text(response) -> str:
    return re.search(r'<p class="flash error">(.*?)</p>', response.text).group(1)


def test_unknown_user_wrong_password_and_inactive_user_get_identical_pages(client, admin,
                                                                           make_user):
    make_user("leaver", active=False)
    pages = [sign_in(client, username=name, password=password)
             for name, password in (("nobody", "whatever1"), ("admin", "wrong-password"),
                                    ("leaver", "password123"))]
    assert {p.status_code for p in pages} == {401}
    assert len({flash_text(p) for p in pages}) == 1


def test_an_unknown_username_is_checked_against_a_password_hash(client, admin, monkeypatch):
    """Equal timing: an unknown user costs one password-hash check, like a wrong password."""
    import app.organisation.services as services
    checked = []
    real = services.check_password_hash
    monkeypatch.setattr(services, "check_password_hash",
                        lambda stored, password: checked.append(stored) or real(stored, password))
    sign_in(client, username="nobody", password="whatever1")
    sign_in(client, username="admin", password="wrong-password")
    assert len(checked) == 2
    assert checked[0].split("$")[0] == checked[1].split("$")[0]  # same method and cost


def test_expired_delay_lets_the_right_password_in(client, admin):
    for _ in range(6):
        sign_in(client, password="wrong-password")
    for row in db.session.query(LoginThrottle):
        row.blocked_until = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert sign_in(client).status_code == 302


def test_slowing_one_account_leaves_others_alone(client, admin, make_user):
    make_user("other")
    for _ in range(8):
        sign_in(client, password="wrong-password")
    assert sign_in(client, username="other").status_code == 302


def test_slowed_after_the_configured_number_of_failures(make_app, make_user):
    make_user("admin")
    client = make_app(sync=False, LOGIN_FREE_ATTEMPTS=2).test_client()
    for _ in range(2):
        sign_in(client, password="wrong-password")
    assert sign_in(client).status_code == 429


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
