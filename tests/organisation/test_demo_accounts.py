"""The demo county's staff accounts: each has its own random password, recorded for sign-in."""
from __future__ import annotations

from app.extensions import db
from app.organisation.models import User


def test_every_demo_account_has_its_own_password_that_signs_it_in(runner, tmp_path, monkeypatch):
    logins_file = tmp_path / "demo-logins.txt"  # never the real instance/ file
    monkeypatch.setattr("app.demo.cli.login_file", lambda: logins_file)
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    lines = logins_file.read_text(encoding="utf-8").splitlines()
    logins = [line.split("\t") for line in lines]
    passwords = [password for _role, _user, password in logins]
    assert len(logins) >= 3 and len(set(passwords)) == len(passwords)
    for role, username, password in logins:
        user = db.session.query(User).filter_by(username=username).one()
        assert user.role == role and user.check_password(password)
        assert password in result.output
    first = db.session.query(User).filter_by(username=logins[0][1]).one()
    assert not first.check_password(logins[1][2])
