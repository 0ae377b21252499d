"""County settings for results: the targets office staff set for school verdicts."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..organisation.models import utcnow


class CountyTarget(db.Model):
    """A county's own target for one indicator, overriding the one in surveys/standards.yaml."""

    __tablename__ = "county_targets"
    #: Indicator key, e.g. sleep_compliance or satisfaction_index.
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    #: Proportion (0-1) for compliance indicators, 0-100 for the satisfaction index.
    value: Mapped[float]
    updated_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow,
                                                 onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
