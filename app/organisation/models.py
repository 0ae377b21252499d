"""Zones, schools and staff accounts."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timezone

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String, Table, Column
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
    __table_args__ = (CheckConstraint(f"stage IN {STAGES}", name="stage_known"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    #: The school's code (e.g. the national school identification code or a county code).
    code: Mapped[str] = mapped_column(String(32), unique=True)
    #: Full name, e.g. 城关镇第一小学.
    name: Mapped[str] = mapped_column(String(100))
    #: One of STAGES; decides which grades a form offers.
    stage: Mapped[str] = mapped_column(String(16))
    zone_id: Mapped[int] = mapped_column(ForeignKey("zones.id"), index=True)
    zone: Mapped[Zone] = relationship(back_populates="schools")


class User(UserMixin, db.Model):
    """A staff account: county office admin, zone supervisor or county-wide viewer."""

    __tablename__ = "users"
    __table_args__ = (CheckConstraint(f"role IN {ROLES}", name="role_known"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    #: Display name (姓名) shown on pages and posters; optional.
    display_name: Mapped[str | None] = mapped_column(String(64))
    #: Werkzeug scrypt/pbkdf2 hash; the password itself is never stored.
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(16))
    #: Failed logins since the last success; reaching the limit locks the account for a while.
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
    zones: Mapped[list[Zone]] = relationship(secondary=supervisor_zones,
                                             back_populates="supervisors", order_by="Zone.code")

    def set_password(self, password: str) -> None:
        """Store a salted hash of the password."""
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        """Whether the password matches the stored hash."""
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login reads this
        return self.active

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
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: Hex SHA-256 of the token; the token itself is shown once and never stored.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
    revoked: Mapped[bool] = mapped_column(default=False)
    user: Mapped[User] = relationship()

    @staticmethod
    def digest(token: str) -> str:
        """The stored form of a token (tokens are 256-bit random, so a plain hash suffices)."""
        return hashlib.sha256(token.encode("utf-8")).hexdigest()

    @classmethod
    def issue(cls, user: User) -> tuple["ApiToken", str]:
        """Create a token row for the user and return it with the plain token."""
        token = "dd_" + secrets.token_urlsafe(32)
        return cls(user=user, token_hash=cls.digest(token)), token
