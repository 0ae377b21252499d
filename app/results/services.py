"""Load responses from the database into frames and hand them to the pure statistics package."""
from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from ..extensions import db
from ..launches.models import Launch
from ..responses.models import Response
from ..statistics import build_frame, summarise
from ..surveys.registry import definition_of


def launch_records(launch: Launch) -> list[dict]:
    """Every response of a launch as a record for the statistics package."""
    rows = db.session.execute(
        select(Response.id, Response.answers).where(Response.launch_id == launch.id))
    return [{"response_id": rid, "school_id": launch.school_id, "launch_id": launch.id,
             "period": None, "answers": answers} for rid, answers in rows]


def launch_summary(launch: Launch) -> dict:
    """The ACCEPTANCE summary of one launch, small groups suppressed."""
    definition = definition_of(launch.survey_version)
    frame = build_frame(definition, launch_records(launch))
    return summarise(definition, frame, min_group_size=current_app.config["MIN_GROUP_SIZE"])
