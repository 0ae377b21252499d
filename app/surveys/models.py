"""Survey definitions as stored: one row per survey, one per version."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..organisation.models import utcnow


class Survey(db.Model):
    """A survey known by its key (satisfaction, sleep ...); its content lives in versions."""

    __tablename__ = "surveys"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    #: False once the file has been removed from surveys/: kept for its responses, not launchable.
    active: Mapped[bool] = mapped_column(default=True)
    versions: Mapped[list["SurveyVersion"]] = relationship(
        back_populates="survey", order_by="SurveyVersion.version")

    @property
    def latest(self) -> "SurveyVersion":
        """The newest version."""
        return self.versions[-1]


class SurveyVersion(db.Model):
    """One immutable version of a survey definition; responses point at the version they answered."""

    __tablename__ = "survey_versions"
    __table_args__ = (UniqueConstraint("survey_id", "version", name="uq_survey_versions_number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id"), index=True)
    #: 1, 2, 3 ... per survey.
    version: Mapped[int]
    #: The normalised definition (what app.definitions.parse_definition produced).
    definition: Mapped[dict] = mapped_column(db.JSON)
    #: SHA-256 of the normalised definition; a different hash is a different survey.
    content_hash: Mapped[str] = mapped_column(String(64))
    #: Chinese title, copied out for listings.
    title: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
    survey: Mapped[Survey] = relationship(back_populates="versions")
