"""Writes and queries for zones, schools and staff. Views and CLI call these; they commit here."""
from __future__ import annotations

import re
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..errors import Conflict, InvalidInput, NotFound
from ..extensions import db
from .models import ROLES, STAGES, ApiToken, School, User, Zone, utcnow
from ..launches.models import as_utc

_CODE = re.compile(r"^[A-Za-z0-9_\-]{1,32}$")
_USERNAME = re.compile(r"^[A-Za-z0-9_.\-]{2,64}$")
MIN_PASSWORD_LENGTH = 8


def check_zone_fields(data: dict) -> dict[str, object]:
    """Field errors for a zone's code and name."""
    errors = {}
    if not isinstance(data.get("code"), str) or not _CODE.match(data["code"]):
        errors["code"] = _l("Use 1-32 letters, digits, - or _.")
    if not isinstance(data.get("name"), str) or not data["name"].strip() or len(data["name"]) > 100:
        errors["name"] = _l("A name of 1-100 characters is required.")
    return errors


def check_school_fields(data: dict) -> dict[str, object]:
    """Field errors for a school's code, name, stage and zone."""
    errors = check_zone_fields(data)
    if data.get("stage") not in STAGES:
        errors["stage"] = _l("Stage must be one of: %(stages)s.", stages=", ".join(STAGES))
    if not isinstance(data.get("zone"), str) or not data["zone"].strip():
        errors["zone"] = _l("A zone code is required.")
    elif zone_by_code(data["zone"].strip()) is None:
        errors["zone"] = _l("No zone has this code.")
    return errors


def zone_by_code(code: str) -> Zone | None:
    """The zone with that code, or None."""
    return db.session.scalars(select(Zone).where(Zone.code == code)).first()


def school_by_code(code: str) -> School | None:
    """The school with that code, or None."""
    return db.session.scalars(select(School).where(School.code == code)).first()


def user_by_name(username: str) -> User | None:
    """The user with that username, or None."""
    return db.session.scalars(select(User).where(User.username == username)).first()


def create_zone(data: dict) -> Zone:
    """Create a zone from {code, name}; 422 on bad fields, 409 on a taken code."""
    errors = check_zone_fields(data)
    if errors:
        raise InvalidInput(_l("The zone could not be saved."), errors)
    if zone_by_code(data["code"]):
        raise Conflict(_l("A zone with this code already exists."), {"code": _l("Already used.")})
    zone = Zone(code=data["code"], name=data["name"].strip())
    db.session.add(zone)
    _commit_or_conflict({"code": _l("Already used.")})
    return zone


def create_school(data: dict) -> School:
    """Create a school from {code, name, stage, zone}."""
    errors = check_school_fields(data)
    if errors:
        raise InvalidInput(_l("The school could not be saved."), errors)
    if school_by_code(data["code"]):
        raise Conflict(_l("A school with this code already exists."), {"code": _l("Already used.")})
    school = School(code=data["code"], name=data["name"].strip(), stage=data["stage"],
                    zone=zone_by_code(data["zone"].strip()))
    db.session.add(school)
    _commit_or_conflict({"code": _l("Already used.")})
    return school


def assign_supervisor(zone_code: str, username) -> Zone:
    """Make the supervisor responsible for the zone (idempotent)."""
    zone = zone_by_code(zone_code)
    if zone is None:
        raise NotFound(_l("No zone has this code."))
    if not isinstance(username, str) or not username:
        raise InvalidInput(_l("A username is required."), {"username": _l("Required.")})
    user = user_by_name(username)
    if user is None:
        raise InvalidInput(_l("No user has this name."), {"username": _l("No user has this name.")})
    if user.role != "supervisor":
        raise InvalidInput(_l("Only supervisors are assigned to zones."),
                           {"username": _l("This user is not a supervisor.")})
    if zone not in user.zones:
        user.zones.append(zone)
    db.session.commit()
    return zone


def create_user(username: str, role: str, password: str, display_name: str | None = None) -> User:
    """Create a staff account with a hashed password."""
    errors = {}
    if not _USERNAME.match(username or ""):
        errors["username"] = _l("Use 2-64 letters, digits, '.', '-' or '_'.")
    if role not in ROLES:
        errors["role"] = _l("Role must be one of: %(roles)s.", roles=", ".join(ROLES))
    if len(password or "") < MIN_PASSWORD_LENGTH:
        errors["password"] = _l("At least %(n)d characters.", n=MIN_PASSWORD_LENGTH)
    if errors:
        raise InvalidInput(_l("The user could not be created."), errors)
    if user_by_name(username):
        raise Conflict(_l("This username is taken."), {"username": _l("Already used.")})
    user = User(username=username, role=role, display_name=display_name)
    user.set_password(password)
    db.session.add(user)
    _commit_or_conflict({"username": _l("Already used.")})
    return user


def issue_token(username: str) -> str:
    """Create and return a new API bearer token for the user (stored hashed)."""
    user = user_by_name(username)
    if user is None:
        raise NotFound(_l("No user has this name."))
    row, token = ApiToken.issue(user)
    db.session.add(row)
    db.session.commit()
    return token


def user_for_token(token: str) -> User | None:
    """The active user a bearer token belongs to, or None."""
    row = db.session.scalars(select(ApiToken).where(
        ApiToken.token_hash == ApiToken.digest(token), ApiToken.revoked.is_(False))).first()
    if row is None or not row.user.active:
        return None
    return row.user


def authenticate(username: str, password: str, now: datetime | None = None) -> tuple[User | None, str]:
    """Check a login; returns (user, "") or (None, reason) with reason 'invalid' or 'locked'.

    After LOGIN_MAX_FAILURES failures in a row the account is locked for LOGIN_LOCK_MINUTES,
    whether or not the next password is right.
    """
    now = now or utcnow()
    user = user_by_name(username or "")
    if user is None or not user.active:
        return None, "invalid"
    if user.locked_until is not None and as_utc(user.locked_until) > now:
        return None, "locked"
    if not user.check_password(password or ""):
        user.failed_logins += 1
        if user.failed_logins >= current_app.config["LOGIN_MAX_FAILURES"]:
            user.locked_until = now + timedelta(minutes=current_app.config["LOGIN_LOCK_MINUTES"])
            user.failed_logins = 0
        db.session.commit()
        return None, "invalid"
    user.failed_logins = 0
    user.locked_until = None
    db.session.commit()
    return user, ""


def visible_zones(user: User) -> list[Zone]:
    """The zones a user may see: all for admins and viewers, their own for supervisors."""
    if user.sees_whole_county:
        return list(db.session.scalars(select(Zone).order_by(Zone.code)))
    return list(user.zones)


def can_see_school(user: User, school: School) -> bool:
    """Whether the user's zones include the school."""
    return user.sees_whole_county or school.zone in user.zones


def can_launch_at(user: User, school: School) -> bool:
    """Admins launch anywhere; supervisors in their zones; viewers nowhere."""
    return user.role == "admin" or (user.role == "supervisor" and school.zone in user.zones)


def _commit_or_conflict(fields: dict) -> None:
    """Commit; a unique-constraint race becomes a 409 instead of a 500."""
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise Conflict(_l("This conflicts with what is already stored."), fields) from None
