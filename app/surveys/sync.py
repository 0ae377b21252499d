"""Bring the stored survey versions in line with the files in surveys/."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import exists, select

from ..definitions import load_directory
from ..definitions.model import pick
from ..extensions import db
from ..responses.models import Response
from .models import Survey, SurveyVersion


@dataclass
class SyncReport:
    """What a sync did, survey key by survey key."""

    created: list[str] = field(default_factory=list)
    new_versions: list[str] = field(default_factory=list)
    updated_in_place: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)


def sync_surveys(folder: str) -> SyncReport:
    """Load and validate every file (all or nothing), then store new versions; commits."""
    definitions = load_directory(folder)  # raises DefinitionError before anything is written
    report = SyncReport()
    stored = {s.key: s for s in db.session.scalars(select(Survey))}
    for definition in definitions:
        survey = stored.get(definition.key)
        values = dict(definition=definition.source, content_hash=definition.content_hash,
                      title=pick(definition.title, "zh"))
        if survey is None:
            survey = Survey(key=definition.key, active=True)
            survey.versions.append(SurveyVersion(version=1, **values))
            db.session.add(survey)
            report.created.append(definition.key)
            continue
        survey.active = True
        latest = survey.latest
        if latest.content_hash == definition.content_hash:
            report.unchanged.append(definition.key)
        elif _has_responses(latest):
            survey.versions.append(SurveyVersion(version=latest.version + 1, **values))
            report.new_versions.append(definition.key)
        else:
            for name, value in values.items():
                setattr(latest, name, value)
            report.updated_in_place.append(definition.key)
    keys = {d.key for d in definitions}
    for key, survey in stored.items():
        if key not in keys and survey.active:
            survey.active = False
            report.retired.append(key)
    db.session.commit()
    return report


def _has_responses(version: SurveyVersion) -> bool:
    return db.session.scalar(select(exists().where(Response.survey_version_id == version.id)))
