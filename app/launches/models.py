"""A launch: one survey version opened at one school for one audience, reached by a public token."""
from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..organisation.models import School, User, utcnow


def new_public_token() -> str:
    """An unguessable URL token: 128 random bits, 22 URL-safe characters."""
    return secrets.token_urlsafe(16)


class LaunchBatch(db.Model):
    """Launches created together (a whole zone or the county), so their posters download as one ZIP."""

    __tablename__ = "launch_batches"
    id: Mapped[int] = mapped_column(primary_key=True)
    #: What the batch covered, e.g. "zone:CG" or "county".
    scope: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    launches: Mapped[list["Launch"]] = relationship(back_populates="batch")


class Launch(db.Model):
    """A survey version opened at a school for an audience, between two times."""

    __tablename__ = "launches"
    __table_args__ = (
        CheckConstraint("audience IN ('parent', 'student', 'teacher')", name="audience_known"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    #: Public URL token (/s/TOKEN); 128 random bits.
    token: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_token)
    survey_version_id: Mapped[int] = mapped_column(ForeignKey("survey_versions.id"), index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    audience: Mapped[str] = mapped_column(String(16))
    #: Before this time the form says "not open yet".
    opens_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
    #: After this time the form is closed (410 on the API); None means open until closed by hand.
    closes_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))
    #: Set when staff close the launch early.
    closed_at: Mapped[datetime | None] = mapped_column(db.DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("launch_batches.id"), index=True)
    #: Published steps taken so far (app.disclosure.gate); each added at least MIN_GROUP_SIZE responses.
    published_step: Mapped[int] = mapped_column(default=0, server_default="0")
    #: Figures ("q:ID", "i:KEY") published only up to an earlier step than published_step, by step.
    lagging: Mapped[dict | None] = mapped_column(db.JSON)

    school: Mapped[School] = relationship()
    survey_version = relationship("SurveyVersion")
    created_by: Mapped[User | None] = relationship()
    batch: Mapped[LaunchBatch | None] = relationship(back_populates="launches")

    def state(self, now: datetime) -> str:
        """'scheduled', 'open' or 'closed' at the given moment."""
        if self.closed_at is not None or (self.closes_at is not None and as_utc(self.closes_at) <= now):
            return "closed"
        if as_utc(self.opens_at) > now:
            return "scheduled"
        return "open"


def as_utc(moment: datetime) -> datetime:
    """SQLite returns naive datetimes; every stored time is UTC."""
    from datetime import timezone
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
