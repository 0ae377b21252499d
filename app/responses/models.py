"""Stored responses. Anonymity lives here: nothing in these tables identifies a respondent."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db

# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL gets a BIGINT.
BigId = BigInteger().with_variant(db.Integer, "sqlite")
# PostgreSQL keeps answers as JSONB: county indicators read single answers out of a million rows
# in SQL, and `->>` on JSONB is a lookup where on JSON it re-parses the text (20x slower).
Answers = db.JSON().with_variant(JSONB(), "postgresql")


class Response(db.Model):
    """One anonymous response.

    There is deliberately no column for an address, a user agent, a cookie, an account or a
    precise time: the submission time is kept to the hour.
    """

    __tablename__ = "responses"
    __table_args__ = (
        db.Index("ix_responses_pending", "launch_id", sqlite_where=db.text("step IS NULL"),
                 postgresql_where=db.text("step IS NULL")),
        db.Index("ix_responses_launch_id_step", "launch_id", "step"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    launch_id: Mapped[int] = mapped_column(ForeignKey("launches.id"), index=True)
    #: Denormalised from the launch so school, zone and county figures need no join through launches.
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    survey_version_id: Mapped[int] = mapped_column(ForeignKey("survey_versions.id"), index=True)
    #: Submission time truncated to the hour (UTC).
    submitted_hour: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), index=True)
    #: Random receipt shown to the respondent; proves submission without identifying anyone.
    receipt: Mapped[str] = mapped_column(String(24), unique=True)
    #: Validated answers by question id (see app.definitions.answers for the value shapes).
    answers: Mapped[dict] = mapped_column(Answers)
    #: The published step of its launch this response entered; NULL until then. Set only by
    #: app.disclosure.gate: no figure anywhere counts a response whose step is NULL.
    step: Mapped[int | None] = mapped_column(db.Integer)


class SubmissionKey(db.Model):
    """Guards against a repeated API submission, per launch.

    kind 'idem': a client's Idempotency-Key (hashed), with the receipt to replay. It is linked to
    its response by design (the client knows its own key and receipt). There is no row for a
    browser: a row written in the response's transaction can be lined up with it (on PostgreSQL
    by its xmin, at once), so the HTML form keeps its "answered" mark in the browser instead.
    """

    __tablename__ = "submission_keys"
    # No surrogate id and, on SQLite, no hidden rowid (WITHOUT ROWID): rows are stored in key order.
    __table_args__ = {"sqlite_with_rowid": False}
    launch_id: Mapped[int] = mapped_column(ForeignKey("launches.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8), primary_key=True)
    #: HMAC-SHA256 (with the app's secret) of the key.
    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    #: The receipt returned the first time.
    receipt: Mapped[str | None] = mapped_column(String(24))
