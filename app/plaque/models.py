"""The school plaque (one permanent public link per school) and anonymous reports (投诉、建议).

A report stores nothing that identifies the reporter: no IP address, user agent or cookie, and
times only to the hour. Codes (kinds, categories, statuses) are those of ../shared/ACCEPTANCE.md;
their Chinese labels live with the views, through the translation layer.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..organisation.models import School, User, utcnow

KINDS = ("complaint", "suggestion", "praise")
CATEGORIES = ("homework", "tutoring", "fees", "safety", "bullying", "conduct", "food",
              "facilities", "other")
STATUSES = ("received", "verifying", "substantiated", "unsubstantiated", "closed")
#: How a closed report ended: its verdict, "noted" (a suggestion or praise taken on board) or spam.
OUTCOMES = ("substantiated", "unsubstantiated", "noted", "spam")
EVENT_KINDS = ("status", "reply", "addition", "problem")
#: Letters of a follow-up code: no 0/O, 1/I/L, so a code copied by hand reads back the same.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
#: 20 characters of a 31-letter alphabet: about 99 random bits.
CODE_LENGTH = 20


def new_plaque_token() -> str:
    """An unguessable URL token: 128 random bits, 22 URL-safe characters."""
    return secrets.token_urlsafe(16)


def new_follow_up_code() -> str:
    """A fresh follow-up code, grouped by four for reading aloud (e.g. ABCD-EFGH-...)."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i:i + 4] for i in range(0, CODE_LENGTH, 4))


def normalise_code(code: str) -> str:
    """A typed code without spaces and dashes, upper-cased (what is hashed)."""
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())


def code_digest(code: str) -> str:
    """The stored form of a follow-up code (random codes, so a plain hash suffices)."""
    return hashlib.sha256(normalise_code(code).encode("utf-8")).hexdigest()


class PlaqueLink(db.Model):
    """A school's plaque link (/s/p/TOKEN). Regenerating retires it; one is live per school."""

    __tablename__ = "plaque_links"
    #: Surrogate key.
    id: Mapped[int] = mapped_column(primary_key=True)
    #: The school whose plaque it is.
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    #: Public URL token; 128 random bits.
    token: Mapped[str] = mapped_column(String(32), unique=True, default=new_plaque_token)
    #: When the link was made.
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    #: When it was replaced by a new link (the old URL then answers 410); NULL while live.
    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    school: Mapped[School] = relationship()


class Complaint(db.Model):
    """One anonymous report (投诉, 建议 or 表扬) about a school, and how it was handled."""

    __tablename__ = "complaints"
    __table_args__ = (
        CheckConstraint(f"kind IN {KINDS}", name="kind_known"),
        CheckConstraint(f"category IS NULL OR category IN {CATEGORIES}", name="category_known"),
        CheckConstraint(f"status IN {STATUSES}", name="status_known"),
        CheckConstraint(f"outcome IS NULL OR outcome IN {OUTCOMES}", name="outcome_known"),
        # Closing erases the contact: a closed report can never hold one.
        CheckConstraint("status <> 'closed' OR contact IS NULL", name="closed_without_contact"),
    )
    #: Surrogate key (staff only; the reporter knows the report by the follow-up code).
    id: Mapped[int] = mapped_column(primary_key=True)
    #: The school the report is about.
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    #: complaint, suggestion or praise.
    kind: Mapped[str] = mapped_column(String(16))
    #: One of CATEGORIES, or NULL when the reporter chose none.
    category: Mapped[str | None] = mapped_column(String(16))
    #: What the reporter wrote (1-2,000 characters); never exported, never quoted in reports.
    text: Mapped[str] = mapped_column(Text)
    #: A contact the reporter chose to leave; only the school's supervisors and the office see it;
    #: set NULL when the report is closed.
    contact: Mapped[str | None] = mapped_column(String(200))
    #: received → verifying → substantiated | unsubstantiated → closed.
    status: Mapped[str] = mapped_column(String(16), default="received", index=True)
    #: How it ended (set on closing; kept for the counts).
    outcome: Mapped[str | None] = mapped_column(String(16))
    #: When it arrived, truncated to the hour (an exact time could single out the reporter).
    received_hour: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    #: Shown to the reporter as proof of filing (random).
    receipt: Mapped[str] = mapped_column(String(24), unique=True)
    #: SHA-256 of the follow-up code; the code itself is shown once and never stored.
    follow_up_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: The supervisor's reply, shown on the follow-up page.
    reply: Mapped[str | None] = mapped_column(Text)
    #: When staff first took it up (left "received"); the acknowledgement deadline stops here.
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: When a verdict was reached or it was closed; the conclusion deadline stops here.
    concluded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: When it was closed.
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: The rectification problem raised from it (substantiated reports only).
    problem_id: Mapped[int | None] = mapped_column(
        ForeignKey("problems.id", ondelete="SET NULL"), index=True)

    school: Mapped[School] = relationship()
    problem = relationship("Problem")
    events: Mapped[list["ComplaintEvent"]] = relationship(
        back_populates="complaint", order_by="ComplaintEvent.id", cascade="all, delete-orphan")


class ComplaintEvent(db.Model):
    """One step in a report's history: a status change, a reply, or information the reporter added."""

    __tablename__ = "complaint_events"
    __table_args__ = (CheckConstraint(f"kind IN {EVENT_KINDS}", name="kind_known"),)
    #: Surrogate key.
    id: Mapped[int] = mapped_column(primary_key=True)
    #: The report.
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id", ondelete="CASCADE"),
                                              index=True)
    #: status, reply, addition (by the reporter) or problem (one raised from it).
    kind: Mapped[str] = mapped_column(String(16))
    #: When; to the hour for the reporter's additions, exact for staff.
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    #: The staff member (NULL for the reporter, or once the account is deleted).
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: The staff member's name as it was; NULL for the reporter.
    actor_name: Mapped[str | None] = mapped_column(String(80))
    #: Status before and after (status events).
    status_from: Mapped[str | None] = mapped_column(String(16))
    status_to: Mapped[str | None] = mapped_column(String(16))
    #: The note (staff) or the added information (reporter).
    note: Mapped[str | None] = mapped_column(Text)

    complaint: Mapped[Complaint] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()
