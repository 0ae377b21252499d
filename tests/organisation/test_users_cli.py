"""`flask users create` and `flask users token`."""
from __future__ import annotations

import hashlib

import pytest

from app.extensions import db
from app.organisation.models import ApiToken, User


#: Every CLI error message is a lazy translation; formatting it outside a request crashes.


def create(runner, *args):
    return runner.invoke(args=["users", "create", *args])


@pytest.mark.parametrize("role", ["admin", "supervisor", "viewer"])
def test_create_stores_a_user_with_a_hashed_password(runner, role):
    result = create(runner, "li.ming", "--role", role, "--password", "s3cret-passphrase")
    assert result.exit_code == 0, result.output
    user = db.session.query(User).filter_by(username="li.ming").one()
    assert user.role == role and user.active is True
    assert "s3cret-passphrase" not in user.password_hash
    assert user.password_hash.startswith(("scrypt:", "pbkdf2:"))
    assert user.check_password("s3cret-passphrase") and not user.check_password("s3cret-passphras")


def test_same_password_hashes_differently_for_two_users(runner):
    for name in ("li", "wang"):
        assert create(runner, name, "--role", "viewer", "--password", "same-password").exit_code == 0
    hashes = {u.password_hash for u in db.session.query(User)}
    assert len(hashes) == 2


def test_create_prompts_for_the_password_twice_when_not_given(runner):
    result = runner.invoke(args=["users", "create", "li", "--role", "viewer"],
                           input="typed-password\ntyped-password\n")
    assert result.exit_code == 0
    assert "typed-password" not in result.output
    assert db.session.query(User).one().check_password("typed-password")


def test_create_with_a_display_name(runner):
    result = create(runner, "zhang", "--role", "supervisor", "--password", "password123",
                    "--name", "张老师")
    assert result.exit_code == 0
    assert db.session.query(User).one().display_name == "张老师"


def test_unknown_role_exits_non_zero_naming_the_option(runner):
    result = create(runner, "li", "--role", "superuser", "--password", "password123")
    assert result.exit_code != 0
    assert "role" in result.output and "superuser" in result.output
    assert db.session.query(User).count() == 0


def test_short_password_exits_non_zero_and_creates_nobody(runner):
    result = create(runner, "li", "--role", "admin", "--password", "short")
    assert result.exit_code != 0
    assert result.stdout == ""
    assert db.session.query(User).count() == 0


def test_short_password_message_names_the_field_and_the_minimum(runner):
    result = create(runner, "li", "--role", "admin", "--password", "short")
    assert result.exit_code == 1
    assert "password" in result.stderr and "8" in result.stderr


def test_bad_usernames_exit_non_zero_and_create_nobody(runner):
    for username in ("a", "has space", "李明", "x" * 65):
        result = create(runner, username, "--role", "admin", "--password", "password123")
        assert result.exit_code != 0, username
    assert db.session.query(User).count() == 0


def test_bad_username_message_names_the_field(runner):
    result = create(runner, "has space", "--role", "admin", "--password", "password123")
    assert result.exit_code == 1 and "username" in result.stderr


def test_taken_username_exits_non_zero_and_keeps_the_first_user(runner, make_user):
    make_user("li", role="viewer")
    result = create(runner, "li", "--role", "admin", "--password", "password123")
    assert result.exit_code != 0
    assert db.session.query(User).one().role == "viewer"


def test_missing_role_exits_non_zero(runner):
    result = create(runner, "li", "--password", "password123")
    assert result.exit_code != 0 and "role" in result.output


def test_token_prints_one_line_on_stdout_and_nothing_else(runner, make_user):
    make_user("li")
    result = runner.invoke(args=["users", "token", "li"])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert len(lines) == 1 and lines[0] == lines[0].strip() and len(lines[0]) >= 32
    assert result.stdout == lines[0] + "\n"
    assert result.stderr == ""


def test_printed_token_works_on_the_api_and_only_its_sha256_is_stored(runner, client, make_user):
    make_user("li", role="viewer")
    token = runner.invoke(args=["users", "token", "li"]).stdout.strip()
    response = client.get("/api/v1/surveys", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200 and any(s["key"] == "sleep" for s in response.json)
    row = db.session.query(ApiToken).one()
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest() != token
    assert row.user.username == "li"


def test_each_token_command_issues_a_new_working_token(runner, client, make_user):
    make_user("li")
    tokens = [runner.invoke(args=["users", "token", "li"]).stdout.strip() for _ in range(2)]
    assert tokens[0] != tokens[1]
    for token in tokens:
        assert client.get("/api/v1/surveys",
                          headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_token_for_an_unknown_user_exits_non_zero_with_nothing_on_stdout(runner):
    result = runner.invoke(args=["users", "token", "nobody"])
    assert result.exit_code != 0
    assert result.stdout == ""
    assert db.session.query(ApiToken).count() == 0


def test_token_for_an_unknown_user_says_so_on_stderr(runner):
    result = runner.invoke(args=["users", "token", "nobody"])
    assert result.exit_code == 1 and result.stderr.startswith("error: ")


def test_user_created_by_the_cli_can_sign_in(runner, client):
    create(runner, "li", "--role", "admin", "--password", "password123")
    response = client.post("/login", data={"username": "li", "password": "password123"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/staff/")
