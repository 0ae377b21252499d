"""Zones, schools and staff accounts."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timezone

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, Column, ForeignKey, String, Table, true as sa_true
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db

STAGES = ("primary", "junior", "senior", "nine_year", "twelve_year", "kindergarten")
ROLES = ("admin", "supervisor", "viewer")


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(timezone.utc)


supervisor_zones = Table(
    "supervisor_zones",
    db.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("zone_id", ForeignKey("zones.id", ondelete="CASCADE"), primary_key=True),
)


class Zone(db.Model):
    """A supervision zone (督学责任区): a handful of schools one supervisor is responsible for."""

    __tablename__ = "zones"
    #: Surrogate key.
    id: Mapped[int] = mapped_column(primary_key=True)
    #: Short stable code used in URLs, imports and the API.
    code: Mapped[str] = mapped_column(String(32), unique=True)
    #: Display name, e.g. 城关责任区.
    name: Mapped[str] = mapped_column(String(100))
    schools: Mapped[list["School"]] = relationship(back_populates="zone", order_by="School.code")
    supervisors: Mapped[list["User"]] = relationship(secondary=supervisor_zones,
                                                     back_populates="zones")


class School(db.Model):
    """A school in the county; every school belongs to exactly one zone."""

    __tablename__ = "schools"
    __table_args__ = (CheckConstraint(f"stage IN {STAGES}", name="stage_known"),
                      CheckConstraint("enrolment >= 0", name="enrolment_not_negative"))
    #: Surrogate key.
    id: Mapped[int] = mapped_column(primary_key=True)
    #: The school's code (e.g. the national school identification code or a county code).
    code: Mapped[str] = mapped_column(String(32), unique=True)
    #: Full name, e.g. 城关镇第一小学.
    name: Mapped[str] = mapped_column(String(100))
    #: One of STAGES; decides which grades a form offers.
    stage: Mapped[str] = mapped_column(String(16))
    #: The zone the school belongs to.
    zone_id: Mapped[int] = mapped_column(ForeignKey("zones.id"), index=True)
    #: Pupils on roll, as the office last entered it (NULL when unknown); puts response
    #: counts in proportion, never used to publish or withhold a figure.
    enrolment: Mapped[int | None] = mapped_column()
    #: False once deactivated (closed or merged): no new launches, left out of lists; its
    #: launches, responses and figures are kept.
    active: Mapped[bool] = mapped_column(default=True, server_default=sa_true())
    zone: Mapped[Zone] = relationship(back_populates="schools")


class User(UserMixin, db.Model):
    """A staff account: county office admin, zone supervisor or county-wide viewer."""

    __tablename__ = "users"
    __table_args__ = (CheckConstraint(f"role IN {ROLES}", name="role_known"),)
    #: Surrogate key; never used as the login identifier (see StaffSession).
    id: Mapped[int] = mapped_column(primary_key=True)
    #: Sign-in name: 2-64 letters, digits, '.', '-' or '_'.
    username: Mapped[str] = mapped_column(String(64), unique=True)
    #: Display name (姓名) shown on pages and posters; optional.
    display_name: Mapped[str | None] = mapped_column(String(64))
    #: Werkzeug scrypt/pbkdf2 hash; the password itself is never stored.
    password_hash: Mapped[str] = mapped_column(String(256))
    #: One of ROLES.
    role: Mapped[str] = mapped_column(String(16))
    #: False once deactivated: no sign-in, no session, no token works.
    active: Mapped[bool] = mapped_column(default=True)
    #: When the account was made.
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
    #: When the password was last set (creation, reset or change).
    password_changed_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))
    zones: Mapped[list[Zone]] = relationship(secondary=supervisor_zones,
                                             back_populates="supervisors", order_by="Zone.code")

    #: The StaffSession this user object was loaded through (set per request, never stored).
    session_secret = None

    def set_password(self, password: str) -> None:
        """Store a salted hash of the password."""
        self.password_hash = generate_password_hash(password)
        self.password_changed_at = utcnow()

    def check_password(self, password: str) -> bool:
        """Whether the password matches the stored hash."""
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login reads this
        return self.active

    def get_id(self) -> str | None:
        """Flask-Login: the secret of this sign-in's StaffSession, never the user's id.

        It goes into the session cookie and the remember-me cookie, so both are random per
        sign-in and stop working when the StaffSession row is deleted (sign-out, password
        change, deactivation)."""
        return self.session_secret

    @property
    def can_write(self) -> bool:
        """Admins and supervisors change things; viewers only read."""
        return self.role in ("admin", "supervisor")

    @property
    def sees_whole_county(self) -> bool:
        """Admins and viewers see every zone; supervisors only their own."""
        return self.role in ("admin", "viewer")


class ApiToken(db.Model):
    """A bearer token for the staff API; only its SHA-256 digest is stored."""

    __tablename__ = "api_tokens"
    #: Surrogate key.
    id: Mapped[int] = mapped_column(primary_key=True)
    #: Whose token it is; the token acts with that user's role and zones.
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: Hex SHA-256 of the token; the token itself is shown once and never stored.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: When it was issued.
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
    #: True once revoked (by its user, an admin, or deactivation); never un-revoked.
    revoked: Mapped[bool] = mapped_column(default=False)
    #: After this moment the token no longer works (API_TOKEN_DAYS after issue by default).
    expires_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True))
    user: Mapped[User] = relationship()

    @staticmethod
    def digest(token: str) -> str:
        """The stored form of a token (tokens are 256-bit random, so a plain hash suffices)."""
        return hashlib.sha256(token.encode("utf-8")).hexdigest()

    @classmethod
    def issue(cls, user: User, expires_at: datetime) -> tuple["ApiToken", str]:
        """Create a token row for the user and return it with the plain token."""
        token = "dd_" + secrets.token_urlsafe(32)
        return cls(user=user, token_hash=cls.digest(token), expires_at=expires_at), token


class StaffSession(db.Model):
    """One sign-in on one browser. Its secret is what Flask-Login keeps in the session and
    remember-me cookies; deleting the row signs that browser out, whatever cookies it kept."""

    __tablename__ = "staff_sessions"
    #: Surrogate key.
    id: Mapped[int] = mapped_column(primary_key=True)
    #: Who signed in.
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: Hex SHA-256 of the random secret in the browser's cookies (the secret is not stored).
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: When the sign-in happened.
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
    #: After this moment the sign-in no longer works (SESSION_HOURS, or REMEMBER_DAYS with
    #: "keep me signed in").
    expires_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True))
    user: Mapped[User] = relationship()

    @classmethod
    def start(cls, user: User, expires_at: datetime) -> tuple["StaffSession", str]:
        """A new sign-in row for the user, with its plain secret."""
        secret = secrets.token_urlsafe(32)
        return cls(user=user, secret_hash=ApiToken.digest(secret), expires_at=expires_at), secret


class LoginThrottle(db.Model):
    """Failed sign-ins counted under one key: a typed username, or a typed username from one
    address. Keys are keyed hashes, so the table names no address and no username, and a
    username that does not exist is counted (and slowed) exactly like one that does."""

    __tablename__ = "login_throttles"
    #: HMAC-SHA256 (with SECRET_KEY) of "account:NAME" or "pair:NAME|ADDRESS".
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    #: Failures since the last success (reset after LOGIN_FAILURE_WINDOW_MINUTES of quiet).
    failures: Mapped[int] = mapped_column(default=0)
    #: When the last failure happened.
    last_failure_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True))
    #: No attempt under this key is checked before this moment (a short, growing delay).
    blocked_until: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))
