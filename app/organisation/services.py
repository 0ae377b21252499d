"""Writes and queries for zones, schools and staff. Views and CLI call these; they commit here."""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from werkzeug.security import check_password_hash, generate_password_hash

from ..errors import Conflict, InvalidInput, NotFound
from ..extensions import db
from .models import (ROLES, STAGES, ApiToken, LoginThrottle, School, StaffSession, User, Zone,
                     utcnow)
from .text import clean_text, has_control_characters, is_visibly_empty
from ..audit import record, snapshot
from ..launches.models import as_utc

_CODE = re.compile(r"^[A-Za-z0-9_\-]{1,32}$")
_USERNAME = re.compile(r"^[A-Za-z0-9_.\-]{2,64}$")
MIN_PASSWORD_LENGTH = 8
MAX_NAME_LENGTH = 100
#: Largest enrolment accepted: more pupils than any one school has, so a bigger number is a typo.
MAX_ENROLMENT = 100_000
#: What the trail records of each kind of record (never a password hash or token).
USER_FIELDS = ("username", "display_name", "role", "active")
ZONE_FIELDS = ("code", "name")
SCHOOL_FIELDS = ("code", "name", "stage", "enrolment", "zone", "active")


def check_zone_fields(data: dict) -> dict[str, object]:
    """Field errors for a zone's code and name."""
    errors = {}
    if not isinstance(data.get("code"), str) or not _CODE.fullmatch(data["code"]):
        errors["code"] = _l("Use 1-32 letters, digits, - or _.")
    name = clean_text(data["name"]) if isinstance(data.get("name"), str) else ""
    if has_control_characters(name):
        errors["name"] = _l("A name cannot contain line breaks, tabs or other control characters.")
    elif is_visibly_empty(name) or len(name) > MAX_NAME_LENGTH:
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
    if parse_enrolment(data.get("enrolment")) is False:
        errors["enrolment"] = _l("Enter a whole number from 0 to %(n)d, or leave it empty.",
                                 n=MAX_ENROLMENT)
    return errors


def parse_enrolment(value):
    """Pupils on roll from a form, file or JSON: an int, None when left empty, False if invalid."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        return False
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str):
        text = value.strip()
        if not text.isdigit():
            return False
        value = int(text)
    if not isinstance(value, int) or not 0 <= value <= MAX_ENROLMENT:
        return False
    return value


def school_snapshot(school: School) -> dict:
    """The audited fields of a school (its zone by code)."""
    values = snapshot(school, [f for f in SCHOOL_FIELDS if f != "zone"])
    values["zone"] = school.zone.code if school.zone is not None else None
    return values


def user_snapshot(user: User) -> dict:
    """The audited fields of an account, with its zones by code."""
    return {**snapshot(user, USER_FIELDS), "zones": [z.code for z in user.zones]}


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
    zone = Zone(code=data["code"], name=clean_text(data["name"]))
    db.session.add(zone)
    _flush_or_conflict({"code": _l("Already used.")})
    record("create", "zone", zone.id, after=snapshot(zone, ZONE_FIELDS), summary=zone.name,
           zone_id=zone.id)
    _commit_or_conflict({"code": _l("Already used.")})
    return zone


def rename_zone(zone: Zone, name) -> Zone:
    """Give a zone a new display name (its code stays: imports and URLs use it)."""
    errors = check_zone_fields({"code": zone.code, "name": name})
    if errors:
        raise InvalidInput(_l("The zone could not be saved."), errors)
    before = snapshot(zone, ZONE_FIELDS)
    zone.name = clean_text(name)
    record("update", "zone", zone.id, before=before, after=snapshot(zone, ZONE_FIELDS),
           summary=zone.name, zone_id=zone.id)
    db.session.commit()
    return zone


def list_zones() -> list[Zone]:
    """Every zone with its schools and supervisors, by code."""
    return list(db.session.scalars(select(Zone).options(
        selectinload(Zone.schools), selectinload(Zone.supervisors)).order_by(Zone.code)))


def find_schools(text: str = "", zone_code: str = "", include_inactive: bool = True) -> list[School]:
    """Schools whose name or code contains the text, optionally in one zone, by code."""
    query = select(School).options(selectinload(School.zone)).order_by(School.code)
    text = (text or "").strip()[:100]
    if text:
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(School.name.ilike(pattern, escape="\\") | School.code.ilike(pattern, escape="\\"))
    if zone_code:
        query = query.join(School.zone).where(Zone.code == zone_code)
    if not include_inactive:
        query = query.where(School.active.is_(True))
    return list(db.session.scalars(query))


def update_school(school: School, data: dict) -> School:
    """Change a school's name, stage, enrolment and zone (its code stays); one audit event,
    "move" when the zone changed."""
    fields = {"code": school.code, "name": data.get("name"), "stage": data.get("stage"),
              "zone": data.get("zone"), "enrolment": data.get("enrolment")}
    errors = check_school_fields(fields)
    if errors:
        raise InvalidInput(_l("The school could not be saved."), errors)
    before = school_snapshot(school)
    school.name, school.stage = clean_text(fields["name"]), fields["stage"]
    school.enrolment = parse_enrolment(fields["enrolment"])
    school.zone = zone_by_code(fields["zone"].strip())
    after = school_snapshot(school)
    action = "move" if before["zone"] != after["zone"] else "update"
    record(action, "school", school.id, before=before, after=after, summary=school.name,
           zone_id=school.zone.id)
    db.session.commit()
    return school


def set_school_active(school: School, active: bool) -> School:
    """Deactivate (closed, merged) or reactivate a school; its launches and figures are kept."""
    if school.active != active:
        before = school_snapshot(school)
        school.active = active
        record("activate" if active else "deactivate", "school", school.id, before=before,
               after=school_snapshot(school), summary=school.name, zone_id=school.zone_id)
        db.session.commit()
    return school


def create_school(data: dict) -> School:
    """Create a school from {code, name, stage, zone}."""
    errors = check_school_fields(data)
    if errors:
        raise InvalidInput(_l("The school could not be saved."), errors)
    if school_by_code(data["code"]):
        raise Conflict(_l("A school with this code already exists."), {"code": _l("Already used.")})
    school = School(code=data["code"], name=clean_text(data["name"]), stage=data["stage"],
                    zone=zone_by_code(data["zone"].strip()),
                    enrolment=parse_enrolment(data.get("enrolment")), active=True)
    db.session.add(school)
    _flush_or_conflict({"code": _l("Already used.")})
    record("create", "school", school.id, after=school_snapshot(school), summary=school.name,
           zone_id=school.zone.id)
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
        before = user_snapshot(user)
        user.zones.append(zone)
        record("assign", "user", user.id, before=before, after=user_snapshot(user),
               summary=f"{user.username} → {zone.code}", zone_id=zone.id)
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
    user = User(username=username, role=role, display_name=display_name or None, active=True)
    user.set_password(password)
    db.session.add(user)
    _flush_or_conflict({"username": _l("Already used.")})
    # The password is never in the trail, not even its hash.
    record("create", "user", user.id, after=user_snapshot(user), summary=user.username)
    _commit_or_conflict({"username": _l("Already used.")})
    return user


def change_role(username, role, by: User | None = None) -> User:
    """Give an account another role; a supervisor's zones go with the old role (only
    supervisors cover zones). An admin cannot change their own role (the CLI can)."""
    user = existing_user(username)
    if role not in ROLES:
        raise InvalidInput(_l("The role could not be changed."),
                           {"role": _l("Role must be one of: %(roles)s.", roles=", ".join(ROLES))})
    if by is not None and by.id == user.id and role != user.role:
        raise Conflict(_l("You cannot change your own role."))
    if role != user.role:
        before = user_snapshot(user)
        user.role = role
        if role != "supervisor":
            user.zones.clear()
        record("update", "user", user.id, before=before, after=user_snapshot(user),
               summary=user.username)
        db.session.commit()
    return user


def existing_user(username) -> User:
    """The user with that username; 404 otherwise."""
    user = user_by_name(username) if isinstance(username, str) else None
    if user is None:
        raise NotFound(_l("No user has this name."))
    return user


def list_users() -> list[User]:
    """Every staff account with its zones, by username."""
    return list(db.session.scalars(select(User).options(selectinload(User.zones))
                                   .order_by(User.username)))


def live_token_counts() -> dict[int, int]:
    """How many working (unrevoked, unexpired) API tokens each user id has."""
    rows = db.session.execute(select(ApiToken.user_id, ApiToken.expires_at)
                              .where(ApiToken.revoked.is_(False)))
    now, counts = utcnow(), {}
    for user_id, expires_at in rows:
        if as_utc(expires_at) > now:
            counts[user_id] = counts.get(user_id, 0) + 1
    return counts


def unassign_supervisor(zone_code: str, username) -> Zone:
    """Take the zone away from the supervisor (idempotent); 404 for an unknown zone or user."""
    zone = zone_by_code(zone_code)
    if zone is None:
        raise NotFound(_l("No zone has this code."))
    user = existing_user(username)
    if zone in user.zones:
        before = user_snapshot(user)
        user.zones.remove(zone)
        record("unassign", "user", user.id, before=before, after=user_snapshot(user),
               summary=f"{user.username} ✕ {zone.code}", zone_id=zone.id)
    db.session.commit()
    return zone


def issue_token(username: str, days: int | None = None) -> str:
    """Create and return a new API bearer token for the user (stored hashed), valid for
    `days` (API_TOKEN_DAYS by default)."""
    user = user_by_name(username)
    if user is None:
        raise NotFound(_l("No user has this name."))
    days = current_app.config["API_TOKEN_DAYS"] if days is None else days
    row, token = ApiToken.issue(user, expires_at=utcnow() + timedelta(days=days))
    db.session.add(row)
    db.session.flush()
    # Only the token's row id and expiry: the token (and its digest) never enter the trail.
    record("issue_token", "user", user.id, after={"token_id": row.id, "expires_at": row.expires_at},
           summary=user.username)
    db.session.commit()
    return token


def token_row(token: str) -> ApiToken | None:
    """The working token row for a bearer token: unrevoked, unexpired, of an active user."""
    row = db.session.scalars(select(ApiToken).where(
        ApiToken.token_hash == ApiToken.digest(token), ApiToken.revoked.is_(False))).first()
    if row is None or as_utc(row.expires_at) <= utcnow() or not row.user.active:
        return None
    return row


def user_for_token(token: str) -> User | None:
    """The active user a working bearer token belongs to, or None."""
    row = token_row(token)
    return row.user if row else None


def revoke_token(row: ApiToken) -> None:
    """Revoke one token (the API's own token, on request)."""
    if not row.revoked:
        row.revoked = True
        record("revoke_tokens", "user", row.user_id, after={"revoked": 1, "token_id": row.id},
               summary=row.user.username)
    db.session.commit()


def revoke_tokens(username) -> int:
    """Revoke every API token of the user; returns how many were still unrevoked."""
    user = existing_user(username)
    count = _revoke_all_tokens(user)
    if count:
        record("revoke_tokens", "user", user.id, after={"revoked": count}, summary=user.username)
    db.session.commit()
    return count


def deactivate_user(username, by: User | None = None) -> User:
    """Deactivate an account: its sign-ins end and its tokens are revoked at once.

    `by` is the admin doing it on a page or the API, who may not deactivate themselves (the
    command line, the recovery path, may)."""
    user = existing_user(username)
    if by is not None and by.id == user.id:
        raise Conflict(_l("You cannot deactivate your own account."))
    before = user_snapshot(user)
    user.active = False
    revoked = _revoke_all_tokens(user)
    _end_all_sessions(user)
    if before["active"]:
        record("deactivate", "user", user.id, before=before,
               after={**user_snapshot(user), "tokens_revoked": revoked}, summary=user.username)
    db.session.commit()
    return user


def activate_user(username) -> User:
    """Let a deactivated account sign in again (old sessions and tokens stay dead)."""
    user = existing_user(username)
    if not user.active:
        before = user_snapshot(user)
        user.active = True
        record("activate", "user", user.id, before=before, after=user_snapshot(user),
               summary=user.username)
    db.session.commit()
    return user


def reset_password(username, password) -> User:
    """Set a new password; every sign-in of the user ends (API tokens are kept: revoke them
    separately)."""
    user = existing_user(username)
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(_l("The password could not be changed."),
                           {"password": _l("At least %(n)d characters.", n=MIN_PASSWORD_LENGTH)})
    if len(password) > 256:
        raise InvalidInput(_l("The password could not be changed."),
                           {"password": _l("At most %(n)d characters.", n=256)})
    user.set_password(password)
    _end_all_sessions(user)
    # That the password changed, and when; never the password or its hash.
    record("reset_password", "user", user.id, after={"password_changed_at": user.password_changed_at},
           summary=user.username)
    db.session.commit()
    return user


def _revoke_all_tokens(user: User) -> int:
    return db.session.execute(update(ApiToken).where(
        ApiToken.user_id == user.id, ApiToken.revoked.is_(False)).values(revoked=True)).rowcount


def _end_all_sessions(user: User) -> None:
    db.session.execute(delete(StaffSession).where(StaffSession.user_id == user.id))


def start_session(user: User, remember: bool) -> str:
    """Record a sign-in; returns its secret, which Flask-Login keeps in the cookies."""
    now = utcnow()
    lifetime = (timedelta(days=current_app.config["REMEMBER_DAYS"]) if remember
                else timedelta(hours=current_app.config["SESSION_HOURS"]))
    db.session.execute(delete(StaffSession).where(StaffSession.user_id == user.id,
                                                  StaffSession.expires_at < now))
    row, secret = StaffSession.start(user, expires_at=now + lifetime)
    db.session.add(row)
    db.session.commit()
    user.session_secret = secret
    return secret


def user_for_session(secret: str) -> User | None:
    """The active user of a live sign-in, or None (signed out, expired, deactivated)."""
    if not secret or len(secret) > 100:
        return None
    row = db.session.scalars(select(StaffSession).where(
        StaffSession.secret_hash == ApiToken.digest(secret))).first()
    if row is None or as_utc(row.expires_at) <= utcnow() or not row.user.active:
        return None
    row.user.session_secret = secret
    return row.user


def end_session(secret: str | None) -> None:
    """Sign one browser out: its session and remember-me cookies stop working."""
    if secret:
        db.session.execute(delete(StaffSession).where(
            StaffSession.secret_hash == ApiToken.digest(secret)))
        db.session.commit()


@dataclass(frozen=True)
class LoginOutcome:
    """The answer to a sign-in attempt: the user, or how many seconds to wait (0: just wrong)."""

    user: User | None
    wait_seconds: int = 0


@cache
def _dummy_hash() -> str:
    """A hash checked for unknown usernames, so they take as long as a wrong password."""
    return generate_password_hash(secrets.token_urlsafe(16))


def _throttle_key(kind: str, username: str, address: str = "") -> str:
    """A keyed hash naming a throttle bucket (no username or address is stored in clear)."""
    text = f"{kind}:{username.strip().casefold()}|{address}"
    return hmac.new(current_app.config["SECRET_KEY"].encode(), text.encode("utf-8"),
                    hashlib.sha256).hexdigest()


def _delay_seconds(failures: int, free: int, cap: int) -> int:
    """0 for the first `free` failures, then 1, 2, 4 … seconds, at most `cap`."""
    if failures < free:
        return 0
    return min(cap, 2 ** min(failures - free, 30))


def authenticate(username: str, password: str, address: str = "",
                 now: datetime | None = None) -> LoginOutcome:
    """Check a sign-in, slowing repeated failures instead of locking anyone out.

    Failures are counted for the typed username from this address (delays up to
    LOGIN_MAX_DELAY_SECONDS) and for the typed username from anywhere (delays up to the short
    LOGIN_ACCOUNT_MAX_DELAY_SECONDS). Unknown and known usernames are counted alike, and an
    unknown one is checked against a dummy hash, so neither the answer nor its timing tells
    whether a username exists."""
    now = now or utcnow()
    config = current_app.config
    username, password = username or "", password or ""
    buckets = [(_throttle_key("pair", username, address), config["LOGIN_FREE_ATTEMPTS"],
                config["LOGIN_MAX_DELAY_SECONDS"]),
               (_throttle_key("account", username), config["LOGIN_ACCOUNT_FREE_ATTEMPTS"],
                config["LOGIN_ACCOUNT_MAX_DELAY_SECONDS"])]
    rows = [db.session.get(LoginThrottle, key) for key, _free, _cap in buckets]
    waits = [(as_utc(row.blocked_until) - now).total_seconds()
             for row in rows if row is not None and row.blocked_until is not None]
    if waits and max(waits) > 0:
        return LoginOutcome(None, max(1, int(max(waits) + 0.999)))
    user = user_by_name(username)
    matches = check_password_hash(user.password_hash if user else _dummy_hash(), password)
    if user is not None and matches and user.active:
        for row in rows:
            if row is not None:
                db.session.delete(row)
        db.session.commit()
        return LoginOutcome(user)
    _count_failure(buckets, rows, now)
    return LoginOutcome(None)


def _count_failure(buckets, rows, now: datetime) -> None:
    """Add one failure to each bucket and set its next delay; forget stale buckets."""
    window = timedelta(minutes=current_app.config["LOGIN_FAILURE_WINDOW_MINUTES"])
    for (key, free, cap), row in zip(buckets, rows):
        if row is None:
            row = LoginThrottle(key=key, failures=0, last_failure_at=now)
            db.session.add(row)
        elif as_utc(row.last_failure_at) < now - window:
            row.failures = 0
        row.failures += 1
        row.last_failure_at = now
        delay = _delay_seconds(row.failures, free, cap)
        row.blocked_until = now + timedelta(seconds=delay) if delay else None
    db.session.execute(delete(LoginThrottle).where(LoginThrottle.last_failure_at < now - window,
                                                   LoginThrottle.key.notin_([b[0] for b in buckets])))
    try:
        db.session.commit()
    except IntegrityError:  # a parallel attempt created the same bucket; one failure uncounted
        db.session.rollback()


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


def _flush_or_conflict(fields: dict) -> None:
    """Flush (to learn a new row's id for the trail); a unique-constraint race becomes a 409."""
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise Conflict(_l("This conflicts with what is already stored."), fields) from None


def _commit_or_conflict(fields: dict) -> None:
    """Commit; a unique-constraint race becomes a 409 instead of a 500."""
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise Conflict(_l("This conflicts with what is already stored."), fields) from None
