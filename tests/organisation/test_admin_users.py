"""The user admin page: each action changes the account and writes exactly one audit event."""
from __future__ import annotations

import pytest

from app.extensions import db
from app.organisation.models import ApiToken, StaffSession, User
from tests.office_support import events, office, sign_in, trail_text  # noqa: F401  (fixtures)


def account(username: str) -> User:
    """The account as stored now."""
    db.session.expire_all()
    return db.session.query(User).filter_by(username=username).one()


def test_create_account_stores_it_and_records_it_without_the_password(client, sign_in, office):
    sign_in(office)
    response = client.post("/staff/admin/users/new", data={
        "username": "li.ming", "display_name": "李明", "role": "supervisor",
        "password": "initial-secret-99"})
    assert response.status_code == 302
    user = account("li.ming")
    assert (user.role, user.display_name, user.active) == ("supervisor", "李明", True)
    assert user.check_password("initial-secret-99")
    [event] = events(entity="user")
    assert (event.action, event.entity_id, event.actor, event.actor_id) == (
        "create", str(user.id), "office", office.id)
    assert event.before is None
    assert event.after == {"username": "li.ming", "display_name": "李明", "role": "supervisor",
                           "active": True, "zones": []}
    assert "initial-secret-99" not in trail_text() and user.password_hash not in trail_text()


@pytest.mark.parametrize("data,field", [
    ({"username": "x", "role": "viewer", "password": "long-enough"}, "username"),
    ({"username": "li", "role": "viewer", "password": "short"}, "password"),
    ({"username": "li", "role": "boss", "password": "long-enough"}, "role")])
def test_create_account_refuses_bad_fields_and_records_nothing(client, sign_in, office, data, field):
    sign_in(office)
    response = client.post("/staff/admin/users/new", data=data)
    assert response.status_code in (400, 422)
    assert 'class="field-error"' in response.text
    assert db.session.query(User).count() == 1 and events() == []


def test_create_account_with_a_taken_name_is_a_conflict(client, sign_in, office, make_user):
    make_user("li", role="viewer")
    sign_in(office)
    response = client.post("/staff/admin/users/new", data={"username": "li", "role": "admin",
                                                            "password": "long-enough"})
    assert response.status_code == 409 and account("li").role == "viewer" and events() == []


def test_change_role_takes_a_supervisors_zones_away(client, sign_in, office, make_user, make_zone):
    user = make_user("zhang", role="supervisor", zones=[make_zone(code="CG")])
    sign_in(office)
    assert client.post("/staff/admin/users/zhang/role", data={"role": "viewer"}).status_code == 302
    user = account("zhang")
    assert user.role == "viewer" and user.zones == []
    [event] = events(entity="user")
    assert event.action == "update" and event.entity_id == str(user.id)
    assert event.before == {"role": "supervisor", "zones": ["CG"]}
    assert event.after == {"role": "viewer", "zones": []}


def test_an_admin_cannot_change_their_own_role(client, sign_in, office):
    sign_in(office)
    client.post("/staff/admin/users/office/role", data={"role": "viewer"})
    assert account("office").role == "admin" and events() == []


def test_reset_password_ends_sessions_and_never_records_the_password(app, client, sign_in, office,
                                                                    make_user):
    make_user("zhang", role="viewer")
    theirs = app.test_client()
    theirs.post("/login", data={"username": "zhang", "password": "password123"})
    assert theirs.get("/staff/").status_code == 200
    sign_in(office)
    client.post("/staff/admin/users/zhang/password", data={"password": "brand-new-secret"})
    user = account("zhang")
    assert user.check_password("brand-new-secret")
    assert theirs.get("/staff/").status_code == 302  # signed out
    [event] = events(entity="user")
    assert event.action == "reset_password" and event.before is None
    assert set(event.after) == {"password_changed_at"}
    assert "brand-new-secret" not in trail_text() and user.password_hash not in trail_text()


def test_short_password_is_refused_and_nothing_recorded(client, sign_in, office, make_user):
    make_user("zhang", role="viewer")
    sign_in(office)
    client.post("/staff/admin/users/zhang/password", data={"password": "short"})
    assert account("zhang").check_password("password123") and events() == []


def test_deactivate_stops_sessions_and_tokens_at_once_and_activate_undoes_it(
        app, client, sign_in, office, make_user, token_for):
    user = make_user("zhang", role="viewer")
    headers = token_for(user)
    theirs = app.test_client()
    theirs.post("/login", data={"username": "zhang", "password": "password123"})
    sign_in(office)
    assert client.post("/staff/admin/users/zhang/deactivate").status_code == 302
    assert account("zhang").active is False
    assert theirs.get("/staff/").status_code == 302
    assert client.get("/api/v1/surveys", headers=headers).status_code == 401
    assert db.session.query(StaffSession).filter_by(user_id=user.id).count() == 0
    deactivated = events(entity="user", action="deactivate")
    assert len(deactivated) == 1
    assert deactivated[0].before == {"active": True, "tokens_revoked": None}
    assert deactivated[0].after == {"active": False, "tokens_revoked": 1}
    client.post("/staff/admin/users/zhang/activate")
    assert account("zhang").active is True
    [activated] = events(entity="user", action="activate")
    assert (activated.before, activated.after) == ({"active": False}, {"active": True})


def test_an_admin_cannot_deactivate_themselves(client, sign_in, office):
    sign_in(office)
    client.post("/staff/admin/users/office/deactivate")
    assert account("office").active is True
    assert [e.action for e in events()] == []


def test_assign_and_unassign_zones_are_recorded(client, sign_in, office, make_user, make_zone):
    make_user("zhang", role="supervisor")
    zone = make_zone(code="CG")
    sign_in(office)
    client.post("/staff/admin/users/zhang/zones", data={"zone": "CG"})
    assert [z.code for z in account("zhang").zones] == ["CG"]
    client.post("/staff/admin/users/zhang/zones/CG/unassign")
    assert account("zhang").zones == []
    assigned, unassigned = events(entity="user")
    assert (assigned.action, assigned.before, assigned.after, assigned.zone_id) == (
        "assign", {"zones": []}, {"zones": ["CG"]}, zone.id)
    assert (unassigned.action, unassigned.before, unassigned.after) == (
        "unassign", {"zones": ["CG"]}, {"zones": []})


def test_only_supervisors_get_zones(client, sign_in, office, make_user, make_zone):
    make_user("viewer", role="viewer")
    make_zone(code="CG")
    sign_in(office)
    client.post("/staff/admin/users/viewer/zones", data={"zone": "CG"})
    assert account("viewer").zones == [] and events() == []


def test_revoke_tokens_is_recorded_with_the_count_and_no_token(client, sign_in, office, make_user,
                                                               token_for):
    user = make_user("zhang", role="viewer")
    header = token_for(user)["Authorization"]
    issued = events(entity="user", action="issue_token")
    assert len(issued) == 1 and issued[0].actor == "cli"
    sign_in(office)
    client.post("/staff/admin/users/zhang/revoke-tokens")
    assert db.session.query(ApiToken).filter_by(user_id=user.id, revoked=False).count() == 0
    [event] = events(entity="user", action="revoke_tokens")
    assert event.after == {"revoked": 1}
    token = header.split()[1]
    assert token not in trail_text() and ApiToken.digest(token) not in trail_text()


def test_user_page_shows_the_actions(client, sign_in, office, make_user, make_zone):
    make_user("zhang", role="supervisor", zones=[make_zone(code="CG")])
    make_zone(code="XC")
    sign_in(office)
    page = client.get("/staff/admin/users/zhang").text
    assert 'action="/staff/admin/users/zhang/role"' in page
    assert 'action="/staff/admin/users/zhang/zones/CG/unassign"' in page
    assert '<option value="XC">' in page and '<option value="CG">' not in page
    assert client.get("/staff/admin/users/nobody").status_code == 404


def test_cli_user_creation_is_recorded_with_actor_cli_and_no_password(runner):
    result = runner.invoke(args=["users", "create", "li", "--role", "viewer",
                                 "--password", "cli-typed-secret"])
    assert result.exit_code == 0, result.output
    [event] = events(entity="user")
    assert (event.action, event.actor, event.actor_id) == ("create", "cli", None)
    assert event.after["username"] == "li"
    assert "cli-typed-secret" not in trail_text()


def test_cli_deactivation_and_password_reset_are_recorded_as_cli(runner, make_user):
    make_user("li", role="viewer")
    runner.invoke(args=["users", "reset-password", "li", "--password", "other-secret-1"])
    runner.invoke(args=["users", "deactivate", "li"])
    assert [(e.action, e.actor) for e in events()] == [("reset_password", "cli"), ("deactivate", "cli")]
    assert "other-secret-1" not in trail_text()
