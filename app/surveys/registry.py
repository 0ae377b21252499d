"""Find survey versions and their typed definitions (cached per process: versions are immutable
apart from in-place edits before any response, which change the content hash)."""
from __future__ import annotations

from sqlalchemy import select

from ..definitions import Survey as Definition
from ..definitions import survey_from_stored
from ..extensions import db
from .models import Survey, SurveyVersion


#: Typed definitions by (version id, content hash); bounded by the number of versions that exist.
_definitions: dict[tuple[int, str], Definition] = {}


def definition_of(version: SurveyVersion) -> Definition:
    """The typed definition of a stored version, parsed once per process."""
    key = (version.id, version.content_hash)
    definition = _definitions.get(key)
    if definition is None:
        definition = _definitions[key] = survey_from_stored(version.definition)
    return definition


def latest_version(key: str, active_only: bool = True) -> SurveyVersion | None:
    """The newest version of the survey with that key, or None."""
    query = select(Survey).where(Survey.key == key)
    if active_only:
        query = query.where(Survey.active.is_(True))
    survey = db.session.scalars(query).first()
    return survey.latest if survey and survey.versions else None


def active_surveys() -> list[Survey]:
    """All surveys that can be launched, by key."""
    return list(db.session.scalars(select(Survey).where(Survey.active.is_(True)).order_by(Survey.key)))
