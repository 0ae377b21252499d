"""Find survey versions and their typed definitions (cached per process: versions are immutable
apart from in-place edits before any response, which change the content hash)."""
from __future__ import annotations

from sqlalchemy import bindparam, select

from ..database import read_connection
from ..definitions import Survey as Definition
from ..definitions import survey_from_stored
from ..extensions import db
from .models import Survey, SurveyVersion


#: Typed definitions by (version id, content hash); bounded by the number of versions that exist.
_definitions: dict[tuple[int, str], Definition] = {}

_versions = SurveyVersion.__table__
#: The stored definition of one version (a Core statement built once: no ORM objects, no JSON
#: decoding unless the definition is not cached yet).
_STORED_DEFINITION = select(_versions.c.definition, _versions.c.content_hash).where(
    _versions.c.id == bindparam("version_id"))


def definition_of(version: SurveyVersion) -> Definition:
    """The typed definition of a stored version, parsed once per process."""
    key = (version.id, version.content_hash)
    definition = _definitions.get(key)
    if definition is None:
        definition = _definitions[key] = survey_from_stored(version.definition)
    return definition


def definition_for(version_id: int, content_hash: str) -> Definition:
    """The typed definition of a version known by id and content hash (what a public request
    reads with its launch); the stored definition is read and parsed once per process."""
    definition = _definitions.get((version_id, content_hash))
    if definition is None:
        with read_connection() as conn:
            row = conn.execute(_STORED_DEFINITION, {"version_id": version_id}).one()
        definition = survey_from_stored(row.definition)
        _definitions[(version_id, row.content_hash)] = definition
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
