"""Withdrawing access: sign-ins that end on sign-out, password change and deactivation;
API tokens that expire and can be revoked; zones taken away; on the CLI, the API and the page."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from app.extensions import db
from app.organisation.models import ApiToken, StaffSession, User, utcnow


def sign_in(client, username="admin", password="password123", remember=False):
    data = {"username": username, "password": password}
    if remember:
        data["remember"] = "y"
    response = client.post("/login?lang=en", data=data)
    assert response.status_code == 302, response.text
    return response


def signed_in(client) -> bool:
    return client.get("/staff/").status_code == 200


def with_cookie(app, name: str, value: str):
    """A fresh client (another browser) holding only a copied cookie."""
    other = app.test_client()
    other.set_cookie(name, value)
    return other


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def admin(make_user):
    return make_user("admin", role="admin")


# --- sessions and remember-me cookies -------------------------------------------------------

def test_remember_cookie_is_different_on_every_login(app, admin):
    cookies = []
    for _ in range(2):
        client = app.test_client()
        sign_in(client, remember=True)
        cookies.append(client.get_cookie("remember_token").value)
    assert cookies[0] != cookies[1]


def test_remember_cookie_cannot_be_recomputed_from_the_secret_key_and_user_id(app, admin):
    from flask_login.utils import encode_cookie
    with app.test_request_context():
        forged = encode_cookie(str(admin.id))
    assert not signed_in(with_cookie(app, "remember_token", forged))


def test_copied_remember_cookie_stops_working_after_logout(app, client, admin):
    sign_in(client, remember=True)
    copied = client.get_cookie("remember_token").value
    assert signed_in(with_cookie(app, "remember_token", copied))
    client.post("/logout")
    assert not signed_in(with_cookie(app, "remember_token", copied))


def test_old_session_cookie_stops_working_after_logout(app, client, admin):
    sign_in(client)
    copied = client.get_cookie("session").value
    assert signed_in(with_cookie(app, "session", copied))
    client.post("/logout")
    assert not signed_in(with_cookie(app, "session", copied))


def test_logout_ends_only_that_browser(app, admin):
    first, second = app.test_client(), app.test_client()
    sign_in(first)
    sign_in(second)
    first.post("/logout")
    assert not signed_in(first) and signed_in(second)


def test_password_reset_ends_every_session_and_remember_cookie(app, client, runner, admin):
    sign_in(client, remember=True)
    remembered = client.get_cookie("remember_token").value
    result = runner.invoke(args=["users", "reset-password", "admin", "--password", "new-password-1"])
    assert result.exit_code == 0, result.output
    assert not signed_in(client)
    assert not signed_in(with_cookie(app, "remember_token", remembered))
    assert db.session.query(StaffSession).count() == 0
    sign_in(app.test_client(), password="new-password-1")


def test_session_expires_after_session_hours(app, client, admin, monkeypatch):
    sign_in(client)
    later = utcnow() + timedelta(hours=app.config["SESSION_HOURS"], minutes=1)
    monkeypatch.setattr("app.organisation.services.utcnow", lambda: later)
    assert not signed_in(client)


def test_remember_cookie_lasts_remember_days_and_is_same_site(app, client, admin):
    response = sign_in(client, remember=True)
    cookie = next(c for c in response.headers.getlist("Set-Cookie")
                  if c.startswith("remember_token="))
    assert "SameSite=Lax" in cookie and "HttpOnly" in cookie
    assert app.config["REMEMBER_DAYS"] == 14
    remembered = client.get_cookie("remember_token")
    lifetime = remembered.expires - utcnow().replace(tzinfo=None) if remembered.expires.tzinfo is None \
        else remembered.expires - utcnow()
    assert timedelta(days=13) < lifetime <= timedelta(days=14, minutes=1)


def test_every_cookie_the_app_sets_is_same_site(app, client, admin, make_launch):
    from tests.support import valid_answers
    set_cookies = list(sign_in(client, remember=True).headers.getlist("Set-Cookie"))
    set_cookies += client.get("/staff/?lang=en").headers.getlist("Set-Cookie")
    set_cookies += client.post("/logout").headers.getlist("Set-Cookie")
    launch = make_launch("sleep")
    public = app.test_client()
    page = public.get(f"/s/{launch.token}")
    ticket = re.search(r'name="_ticket" value="([^"]+)"', page.text)
    data = {**valid_answers(launch), **({"_ticket": ticket.group(1)} if ticket else {})}
    public_cookies = public.post(f"/s/{launch.token}", data=data).headers.getlist("Set-Cookie")
    assert public_cookies  # the public form's own browser cookie
    set_cookies += public_cookies
    names = {c.split("=", 1)[0] for c in set_cookies}
    assert {"session", "remember_token"} <= names, names
    for cookie in (c for c in set_cookies if "Max-Age=0" not in c):  # deletions carry no value
        assert "SameSite=Lax" in cookie or "SameSite=Strict" in cookie, cookie


# --- the command line ----------------------------------------------------------------------

def test_deactivate_stops_the_users_tokens_and_sessions_at_once(app, client, runner, make_user):
    make_user("leaver", role="viewer")
    token = runner.invoke(args=["users", "token", "leaver"]).stdout.strip()
    sign_in(client, username="leaver")
    assert client.get("/api/v1/surveys", headers=bearer(token)).status_code == 200
    result = runner.invoke(args=["users", "deactivate", "leaver"])
    assert result.exit_code == 0, result.output
    assert client.get("/api/v1/surveys", headers=bearer(token)).status_code == 401
    assert not signed_in(client)
    assert client.post("/login", data={"username": "leaver",
                                       "password": "password123"}).status_code == 401


def test_activate_lets_a_deactivated_user_sign_in_again_but_old_tokens_stay_dead(
        client, runner, make_user):
    make_user("back", role="viewer")
    token = runner.invoke(args=["users", "token", "back"]).stdout.strip()
    runner.invoke(args=["users", "deactivate", "back"])
    assert runner.invoke(args=["users", "activate", "back"]).exit_code == 0
    sign_in(client, username="back")
    assert client.get("/api/v1/surveys", headers=bearer(token)).status_code == 401


def test_revoke_tokens_stops_every_token_of_the_user_and_no_other(client, runner, make_user):
    make_user("li", role="viewer")
    make_user("wang", role="viewer")
    mine = [runner.invoke(args=["users", "token", "li"]).stdout.strip() for _ in range(2)]
    theirs = runner.invoke(args=["users", "token", "wang"]).stdout.strip()
    result = runner.invoke(args=["users", "revoke-tokens", "li"])
    assert result.exit_code == 0 and "2" in result.stderr
    for token in mine:
        assert client.get("/api/v1/surveys", headers=bearer(token)).status_code == 401
    assert client.get("/api/v1/surveys", headers=bearer(theirs)).status_code == 200


def test_reset_password_refuses_a_short_password(runner, admin):
    result = runner.invoke(args=["users", "reset-password", "admin", "--password", "short"])
    assert result.exit_code == 1 and "password" in result.stderr
    assert admin.check_password("password123")


@pytest.mark.parametrize("command", ["deactivate", "activate", "revoke-tokens"])
def test_user_commands_on_an_unknown_user_exit_non_zero(runner, command):
    result = runner.invoke(args=["users", command, "nobody"])
    assert result.exit_code == 1 and result.stderr.startswith("error: ")


def test_tokens_expire_after_api_token_days(app, client, runner, make_user, monkeypatch):
    make_user("li", role="viewer")
    token = runner.invoke(args=["users", "token", "li"]).stdout.strip()
    assert app.config["API_TOKEN_DAYS"] == 90
    expires = db.session.query(ApiToken).one().expires_at
    assert abs((expires.replace(tzinfo=None) - utcnow().replace(tzinfo=None))
               - timedelta(days=90)) < timedelta(minutes=1)
    monkeypatch.setattr("app.organisation.services.utcnow",
                        lambda: utcnow() + timedelta(days=90, minutes=1))
    assert client.get("/api/v1/surveys", headers=bearer(token)).status_code == 401


def test_token_days_option_sets_a_shorter_lifetime(client, runner, make_user, monkeypatch):
    make_user("li", role="viewer")
    result = runner.invoke(args=["users", "token", "li", "--days", "1"])
    assert result.exit_code == 0 and len(result.stdout.splitlines()) == 1
    monkeypatch.setattr("app.organisation.services.utcnow",
                        lambda: utcnow() + timedelta(days=1, minutes=1))
    assert client.get("/api/v1/surveys", headers=bearer(result.stdout.strip())).status_code == 401


def test_zones_unassign_takes_the_zone_away(runner, make_user, make_zone):
    zone = make_zone(code="CG")
    user = make_user("zhang", role="supervisor", zones=[zone])
    result = runner.invoke(args=["zones", "unassign", "CG", "zhang"])
    assert result.exit_code == 0, result.output
    db.session.refresh(user)
    assert user.zones == []
    assert runner.invoke(args=["zones", "assign", "CG", "zhang"]).exit_code == 0
    db.session.refresh(user)
    assert [z.code for z in user.zones] == ["CG"]


def test_zones_unassign_with_an_unknown_zone_exits_non_zero(runner, make_user):
    make_user("zhang", role="supervisor")
    assert runner.invoke(args=["zones", "unassign", "NOPE", "zhang"]).exit_code == 1


# --- the API --------------------------------------------------------------------------------

@pytest.fixture
def admin_headers(admin, token_for):
    return token_for(admin)


def test_api_deactivate_stops_the_users_token_at_once(client, admin_headers, make_user, token_for):
    headers = token_for(make_user("leaver", role="viewer"))
    response = client.post("/api/v1/users/leaver/deactivate", headers=admin_headers)
    assert response.status_code == 200 and response.json["active"] is False
    assert client.get("/api/v1/surveys", headers=headers).status_code == 401
    response = client.post("/api/v1/users/leaver/activate", headers=admin_headers)
    assert response.status_code == 200 and response.json["active"] is True


def test_api_admin_cannot_deactivate_themselves(client, admin_headers):
    response = client.post("/api/v1/users/admin/deactivate", headers=admin_headers)
    assert response.status_code == 409 and set(response.json) == {"error", "fields"}
    assert client.get("/api/v1/surveys", headers=admin_headers).status_code == 200


def test_api_password_reset_sets_the_password_and_checks_it(client, admin_headers, make_user):
    user = make_user("li", role="viewer")
    response = client.post("/api/v1/users/li/password", json={"password": "short"},
                           headers=admin_headers)
    assert response.status_code == 422 and "password" in response.json["fields"]
    response = client.post("/api/v1/users/li/password", json={"password": "brand-new-pass"},
                           headers=admin_headers)
    assert response.status_code == 200
    db.session.refresh(user)
    assert user.check_password("brand-new-pass")


def test_api_revoke_calling_token_stops_it_only(client, make_user, token_for):
    user = make_user("li", role="viewer")
    first, second = token_for(user), token_for(user)
    assert client.post("/api/v1/tokens/revoke", headers=first).status_code == 200
    assert client.get("/api/v1/surveys", headers=first).status_code == 401
    assert client.get("/api/v1/surveys", headers=second).status_code == 200


def test_api_revoke_a_users_tokens(client, admin_headers, make_user, token_for):
    headers = token_for(make_user("li", role="viewer"))
    response = client.post("/api/v1/users/li/tokens/revoke", headers=admin_headers)
    assert response.status_code == 200 and response.json["revoked"] == 1
    assert client.get("/api/v1/surveys", headers=headers).status_code == 401


def test_api_unassign_supervisor_from_zone(client, admin_headers, make_user, make_zone, token_for):
    zone = make_zone(code="CG")
    supervisor = make_user("zhang", role="supervisor", zones=[zone])
    headers = token_for(supervisor)
    assert client.get("/api/v1/zones/CG/indicators", headers=headers).status_code == 200
    response = client.delete("/api/v1/zones/CG/supervisors/zhang", headers=admin_headers)
    assert response.status_code == 200 and response.json["supervisors"] == []
    assert client.get("/api/v1/zones/CG/indicators", headers=headers).status_code in (403, 404)
    missing = client.delete("/api/v1/zones/NOPE/supervisors/zhang", headers=admin_headers)
    assert missing.status_code == 404 and set(missing.json) == {"error", "fields"}
    unknown = client.delete("/api/v1/zones/CG/supervisors/nobody", headers=admin_headers)
    assert unknown.status_code == 404


@pytest.mark.parametrize("method, path", [
    ("get", "/api/v1/users"),
    ("post", "/api/v1/users/li/deactivate"),
    ("post", "/api/v1/users/li/activate"),
    ("post", "/api/v1/users/li/password"),
    ("post", "/api/v1/users/li/tokens/revoke"),
    ("delete", "/api/v1/zones/CG/supervisors/li"),
])
@pytest.mark.parametrize("role", ["supervisor", "viewer"])
def test_api_access_withdrawal_is_for_admins_only(client, make_user, make_zone, token_for,
                                                  method, path, role):
    make_zone(code="CG")
    target = make_user("li", role="supervisor")
    headers = token_for(make_user("caller", role=role))
    response = getattr(client, method)(path, json={"password": "brand-new-pass"}, headers=headers)
    assert response.status_code == 403 and set(response.json) == {"error", "fields"}
    db.session.refresh(target)
    assert target.active and target.check_password("password123")


def test_api_lists_users_for_admins(client, admin_headers, make_user, make_zone):
    make_user("zhang", role="supervisor", zones=[make_zone(code="CG")])
    users = {u["username"]: u for u in client.get("/api/v1/users", headers=admin_headers).json}
    assert users["zhang"] == {"username": "zhang", "display_name": None, "role": "supervisor",
                              "active": True, "zones": ["CG"]}


# --- the admin page --------------------------------------------------------------------------

def test_users_page_lists_accounts_for_admins_only(client, admin, make_user):
    make_user("zhang", role="supervisor")
    sign_in(client)
    page = client.get("/staff/users?lang=en")
    assert page.status_code == 200 and "zhang" in page.text and "Deactivate" in page.text
    client.post("/logout")
    sign_in(client, username="zhang")
    assert client.get("/staff/users").status_code == 403
    assert client.post("/staff/users/admin/deactivate").status_code == 403


def test_users_page_deactivates_and_the_users_session_ends(app, client, admin, make_user):
    make_user("leaver", role="viewer")
    theirs = app.test_client()
    sign_in(theirs, username="leaver")
    sign_in(client)
    response = client.post("/staff/users/leaver/deactivate")
    assert response.status_code == 302
    assert not signed_in(theirs)
    assert db.session.query(User).filter_by(username="leaver").one().active is False
    client.post("/staff/users/leaver/activate")
    db.session.rollback()
    assert db.session.query(User).filter_by(username="leaver").one().active is True


def test_users_page_resets_a_password_revokes_tokens_and_unassigns(client, admin, make_user,
                                                                 make_zone, token_for):
    user = make_user("zhang", role="supervisor", zones=[make_zone(code="CG")])
    headers = token_for(user)
    sign_in(client)
    client.post("/staff/users/zhang/password", data={"password": "page-set-password"})
    client.post("/staff/users/zhang/revoke-tokens")
    client.post("/staff/users/zhang/zones/CG/unassign")
    db.session.rollback()
    user = db.session.query(User).filter_by(username="zhang").one()
    assert user.check_password("page-set-password") and user.zones == []
    assert client.get("/api/v1/surveys", headers=headers).status_code == 401


def test_users_page_actions_need_the_csrf_token(make_app, make_user):
    make_user("admin")
    target = make_user("leaver", role="viewer")
    client = make_app(sync=False, WTF_CSRF_ENABLED=True).test_client()
    login_page = client.get("/login").text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', login_page).group(1)
    client.post("/login", data={"username": "admin", "password": "password123", "csrf_token": token})
    for path, data in (("/staff/users/leaver/deactivate", {}),
                       ("/staff/users/leaver/password", {"password": "forged-password"})):
        assert client.post(path, data=data).status_code == 400
    db.session.rollback()
    target = db.session.get(User, target.id)
    assert target.active and target.check_password("password123")
    page = client.get("/staff/users")
    assert page.status_code == 200 and 'name="csrf_token"' in page.text
