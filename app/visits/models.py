"""Visit records (督导纪实), the problems they raise (整改) and their follow-ups (回访).

Codes (kinds, methods, categories, statuses) are the ones in ../shared/ACCEPTANCE.md; their
Chinese labels live with the views, through the translation layer.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (JSON, Boolean, CheckConstraint, Column, Date, DateTime, ForeignKey, Index,
                        String, Table, Text, UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..organisation.models import School, User, utcnow

VISIT_KINDS = ("routine", "special", "comprehensive", "follow_up")
VISIT_STATUSES = ("draft", "submitted")
VISIT_METHODS = ("campus_patrol", "class_observation", "document_review", "questionnaire",
                 "interview", "principal_report", "homework_inspection",
                 "after_school_observation", "lesson_preparation")
PROBLEM_CATEGORIES = ("homework", "sleep", "phones", "reading", "physical_activity",
                      "after_school", "safety", "teaching", "fees", "ethics", "other")
PROBLEM_STATUSES = ("open", "rectifying", "closed")

visit_supervisors = Table(
    "visit_supervisors",
    db.metadata,
    Column("visit_id", ForeignKey("visits.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)


class Visit(db.Model):
    """One supervisor's (or a team's) visit to one school, written up as a record."""

    __tablename__ = "visits"
    __table_args__ = (
        CheckConstraint(f"kind IN {VISIT_KINDS}", name="kind_known"),
        CheckConstraint(f"status IN {VISIT_STATUSES}", name="status_known"),
        Index("ix_visits_school_id_date", "school_id", "date"),
    )
    #: Surrogate key (the record's number in the API).
    id: Mapped[int] = mapped_column(primary_key=True)
    #: The school visited.
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    #: The local date of the visit.
    date: Mapped[date] = mapped_column(Date, index=True)
    #: One of VISIT_KINDS.
    kind: Mapped[str] = mapped_column(String(16))
    #: The month's theme (e.g. 作业管理), free text.
    theme: Mapped[str | None] = mapped_column(String(200))
    #: Methods used, a list of VISIT_METHODS codes.
    methods: Mapped[list] = mapped_column(JSON, default=list)
    #: What the supervisor saw.
    observations: Mapped[str | None] = mapped_column(Text)
    #: Highlights (亮点) worth passing on.
    highlights: Mapped[str | None] = mapped_column(Text)
    #: Problems found, as the supervisor wrote them (the rectification problems are own records).
    problems_found: Mapped[str | None] = mapped_column(Text)
    #: Objective checklist answers {item id: true/false}; items are data in surveys/checklists.yaml.
    checklist: Mapped[dict] = mapped_column(JSON, default=dict)
    #: draft (editable, evidence live) or submitted (locked, evidence frozen).
    status: Mapped[str] = mapped_column(String(16), default="draft")
    #: Survey evidence frozen on submit (the `evidence` list of the API); NULL while a draft.
    evidence: Mapped[list | None] = mapped_column(JSON)
    #: Cross-check flags frozen on submit; NULL while a draft.
    flags: Mapped[list | None] = mapped_column(JSON)
    #: When the frozen evidence was read (UTC).
    evidence_as_of: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: Who created the record.
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow,
                                                 onupdate=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    school: Mapped[School] = relationship()
    supervisors: Mapped[list[User]] = relationship(secondary=visit_supervisors,
                                                   order_by="User.username")
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    amendments: Mapped[list["VisitAmendment"]] = relationship(
        back_populates="visit", order_by="VisitAmendment.id", cascade="all, delete-orphan")
    problems: Mapped[list["Problem"]] = relationship(back_populates="visit",
                                                     order_by="Problem.id")


class VisitAmendment(db.Model):
    """A correction to a submitted record; the original stays as it was."""

    __tablename__ = "visit_amendments"
    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"), index=True)
    #: The correction, in the supervisor's words.
    text: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    visit: Mapped[Visit] = relationship(back_populates="amendments")
    created_by: Mapped[User | None] = relationship()


class Problem(db.Model):
    """A problem to be rectified at a school, with a deadline and a history of every change."""

    __tablename__ = "problems"
    __table_args__ = (
        CheckConstraint(f"category IN {PROBLEM_CATEGORIES}", name="category_known"),
        CheckConstraint(f"status IN {PROBLEM_STATUSES}", name="status_known"),
        Index("ix_problems_status_escalated", "status", "escalated"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    #: The school that must rectify.
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    #: The visit that found it (NULL when raised from elsewhere, e.g. a substantiated complaint).
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id", ondelete="SET NULL"),
                                                 index=True)
    #: One of PROBLEM_CATEGORIES.
    category: Mapped[str] = mapped_column(String(24))
    #: What is wrong.
    description: Mapped[str] = mapped_column(Text)
    #: What the school must do (整改要求).
    requirement: Mapped[str | None] = mapped_column(Text)
    #: True for 立行立改 (rectify at once); the deadline is then the day it was raised.
    immediate: Mapped[bool] = mapped_column(Boolean, default=False)
    #: The local date by which it must be rectified.
    deadline: Mapped[date] = mapped_column(Date)
    #: The indicator key it concerns (optional), and for which audience.
    indicator: Mapped[str | None] = mapped_column(String(64))
    audience: Mapped[str | None] = mapped_column(String(16))
    #: The indicator as it stood when the problem was raised ({audience, year, n, as_of, value,
    #: ci_low, ci_high, suppressed}), the "before" of the before/after comparison.
    baseline: Mapped[dict | None] = mapped_column(JSON)
    #: open → rectifying → closed (销号).
    status: Mapped[str] = mapped_column(String(16), default="open")
    #: Escalated to the county office (重点问题); stays true until closed.
    escalated: Mapped[bool] = mapped_column(Boolean, default=False)
    escalated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: Why it was escalated: "follow_ups" (two failed follow-ups) or "deadline".
    escalation_reason: Mapped[str | None] = mapped_column(String(16))
    #: Needs other departments to solve (难点问题).
    needs_departments: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    school: Mapped[School] = relationship()
    visit: Mapped[Visit | None] = relationship(back_populates="problems")
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id])
    history: Mapped[list["ProblemEvent"]] = relationship(
        back_populates="problem", order_by="ProblemEvent.id", cascade="all, delete-orphan")
    follow_ups: Mapped[list["FollowUp"]] = relationship(
        back_populates="problem", order_by="FollowUp.id", cascade="all, delete-orphan")


class ProblemEvent(db.Model):
    """One change to a problem: who, when, the status after it, a note, the fields changed."""

    __tablename__ = "problem_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    problem_id: Mapped[int] = mapped_column(ForeignKey("problems.id", ondelete="CASCADE"),
                                            index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    #: The staff member (NULL: the system, e.g. automatic escalation).
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: Their username at the time, or "system".
    by_name: Mapped[str] = mapped_column(String(80))
    #: What happened: created, follow_up, escalated, closed, updated, marked_departments …
    action: Mapped[str] = mapped_column(String(24))
    #: The problem's status after this event.
    status: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    #: Fields changed {name: [before, after]}, where the event changed fields.
    change: Mapped[dict | None] = mapped_column(JSON)

    problem: Mapped[Problem] = relationship(back_populates="history")


class FollowUp(db.Model):
    """A re-check (回访) of a problem: was it rectified?"""

    __tablename__ = "follow_ups"
    id: Mapped[int] = mapped_column(primary_key=True)
    problem_id: Mapped[int] = mapped_column(ForeignKey("problems.id", ondelete="CASCADE"),
                                            index=True)
    #: The local date of the re-check.
    date: Mapped[date] = mapped_column(Date)
    rectified: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str | None] = mapped_column(Text)
    #: The follow-up visit it was made on, if recorded as one.
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    problem: Mapped[Problem] = relationship(back_populates="follow_ups")


class MonthlyReport(db.Model):
    """A supervisor's submitted monthly report (问题管理月报表) for one zone and month."""

    __tablename__ = "monthly_reports"
    __table_args__ = (UniqueConstraint("supervisor_id", "zone_id", "month",
                                       name="one_per_supervisor_zone_month"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    supervisor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    zone_id: Mapped[int] = mapped_column(ForeignKey("zones.id", ondelete="CASCADE"))
    #: The month reported, YYYY-MM.
    month: Mapped[str] = mapped_column(String(7), index=True)
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    #: The row's figures as submitted (the monthly report row), frozen.
    figures: Mapped[dict] = mapped_column(JSON)
    #: The supervisor's own remarks.
    note: Mapped[str | None] = mapped_column(Text)
