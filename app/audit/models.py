"""One row per change made by staff (or by the CLI/system on their behalf)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..organisation.models import utcnow


class AuditEvent(db.Model):
    """A change: who made it, when, to what, and the changed fields before and after."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_entity", "entity", "entity_id"),)
    #: Surrogate key; also the order events happened in.
    id: Mapped[int] = mapped_column(primary_key=True)
    #: When the change was made (UTC).
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    #: The staff account that made it; NULL for the command line or the system itself.
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"),
                                                 index=True)
    #: The actor's username at the time ("cli" or "system" without an account), kept if the
    #: account is later renamed or removed.
    actor: Mapped[str] = mapped_column(String(80))
    #: What was done: create, update, submit, close, transition, import, deactivate …
    action: Mapped[str] = mapped_column(String(40))
    #: What kind of record: visit, problem, launch, target, school, zone, user, import, complaint …
    entity: Mapped[str] = mapped_column(String(40))
    #: The record's id or code, as text.
    entity_id: Mapped[str] = mapped_column(String(64))
    #: The zone the record belongs to, where it has one (so the trail can be filtered by zone).
    zone_id: Mapped[int | None] = mapped_column(index=True)
    #: A short human-readable note (e.g. the school's name, or the note typed with a change).
    summary: Mapped[str | None] = mapped_column(String(500))
    #: Changed fields before the change (NULL for a creation).
    before: Mapped[dict | None] = mapped_column(JSON)
    #: Changed fields after the change (NULL for a deletion).
    after: Mapped[dict | None] = mapped_column(JSON)
