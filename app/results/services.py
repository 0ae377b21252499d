"""Load responses from the database into frames and hand them to the pure statistics package.

Two paths:

* one launch (`launch_summary`): the launch's answers as a survey frame -> `summarise`;
* a school, zone or the county (`scope_results`): only the measure columns of every response,
  extracted in SQL with the database's JSON functions (the same SQLAlchemy expression compiles
  to JSON_EXTRACT on SQLite and ->> on PostgreSQL), into one measure frame -> `indicators_by`.
  The county frame is cached per process, keyed by a cheap fingerprint of the responses
  (count and largest id), so repeated pages do not reload a million rows.
"""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from flask import current_app
from sqlalchemy import func, select

from ..definitions import MEASURES
from ..extensions import db
from ..launches.models import Launch
from ..organisation.models import School, Zone
from ..responses.models import Response
from ..statistics import (build_frame, compare_school, indicators, indicators_by, item_column,
                          rank_schools, summarise, trend, year_over_year)
from ..statistics.frames import NUMERIC_MEASURES, frame_from_columns
from ..statistics.indicators import respondent_values, satisfaction_item_map
from ..statistics.standards import load_standards, national_standards
from ..surveys.models import SurveyVersion
from ..surveys.registry import definition_of


def standards():
    """The national standards with the county's overrides (STANDARDS_OVERRIDES file), if any."""
    path = current_app.config.get("STANDARDS_OVERRIDES")
    return load_standards(overrides=path) if path else national_standards()


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
    return summarise(definition, frame, min_group_size=current_app.config["MIN_GROUP_SIZE"],
                     standards=standards())


def launch_comments(launch: Launch) -> list[dict]:
    """Free-text answers of a launch, by question; empty when fewer than MIN_GROUP_SIZE responded."""
    definition = definition_of(launch.survey_version)
    text_questions = [q for q in definition.questions if q.type == "text"]
    total = db.session.scalar(select(func.count()).where(Response.launch_id == launch.id))
    if not text_questions or total < current_app.config["MIN_GROUP_SIZE"]:
        return []
    result = []
    for question in text_questions:
        column = Response.answers[question.id].as_string()
        texts = [t for (t,) in db.session.execute(
            select(column).where(Response.launch_id == launch.id, column.isnot(None))
            .order_by(func.random()).limit(200)) if t]
        result.append({"question": question, "answers": texts})
    return result


# ---------------------------------------------------------------- measures across many launches

def _measure_columns(version: SurveyVersion):
    """SQL expressions pulling each measure of a version out of the answers JSON."""
    definition = definition_of(version)
    columns = []
    for question in definition.questions:
        if not question.measure:
            continue
        name = item_column(question.id) if question.measure == "satisfaction" else question.measure
        path = Response.answers[question.id]
        expression = path.as_float() if question.measure in NUMERIC_MEASURES - {"grade"} else path.as_string()
        columns.append(expression.label(name))
    return columns


def _versions_with_measures() -> list[SurveyVersion]:
    return [v for v in db.session.scalars(select(SurveyVersion))
            if any(q.measure for q in definition_of(v).questions)]


def load_measures(audience: str = "parent") -> pd.DataFrame:
    """One row per response (of launches for `audience`) that carries any measure.

    Columns: response_id, school_id, zone_id, period (local calendar year), and one column per
    measure / satisfaction item (see app.statistics.frames).
    """
    parts = []
    with db.engine.connect() as conn:
        for version in _versions_with_measures():
            query = (select(Response.id.label("response_id"), Response.school_id,
                            Response.submitted_hour, *_measure_columns(version))
                     .join(Launch, Launch.id == Response.launch_id)
                     .where(Response.survey_version_id == version.id, Launch.audience == audience))
            result = conn.execute(query)
            rows = result.fetchall()
            if rows:
                parts.append(pd.DataFrame.from_records(rows, columns=list(result.keys())))
    if not parts:
        return pd.DataFrame(columns=["response_id", "school_id", "zone_id", "period"])
    frame = pd.concat(parts, ignore_index=True)
    zones = dict(db.session.execute(select(School.id, School.zone_id)).all())
    frame["zone_id"] = frame["school_id"].map(zones)
    hours = pd.to_datetime(frame.pop("submitted_hour"), utc=True)
    frame["period"] = hours.dt.tz_convert(ZoneInfo(current_app.config["TIMEZONE"])).dt.year
    return frame_from_columns(frame)


def responses_fingerprint() -> tuple[int, int]:
    """(count, largest id) of all responses: changes whenever a response is stored."""
    count, largest = db.session.execute(select(func.count(), func.max(Response.id))).one()
    return int(count), int(largest or 0)


@dataclass
class CountyResults:
    """Every indicator of every school, zone and the county, per period, for one audience."""

    measures: pd.DataFrame
    periods: list[int]
    schools: pd.DataFrame = field(default_factory=pd.DataFrame)   # period, zone_id, school_id, ...
    zones: pd.DataFrame = field(default_factory=pd.DataFrame)     # period, zone_id, ...
    county: pd.DataFrame = field(default_factory=pd.DataFrame)    # period, ...
    items: dict = field(default_factory=dict)


_cache: OrderedDict = OrderedDict()
_CACHE_SIZE = 4


def county_results(audience: str = "parent") -> CountyResults:
    """The county's indicator tables, recomputed only when responses changed."""
    key = (audience, responses_fingerprint(), current_app.config["MIN_GROUP_SIZE"],
           current_app.config.get("STANDARDS_OVERRIDES"))
    if key in _cache:
        _cache.move_to_end(key)
        return _cache[key]
    result = compute_county(load_measures(audience))
    _cache[key] = result
    while len(_cache) > _CACHE_SIZE:
        _cache.popitem(last=False)
    return result


def compute_county(measures: pd.DataFrame) -> CountyResults:
    """Indicator tables by school, zone and county for every period (pure given the frame)."""
    size = current_app.config["MIN_GROUP_SIZE"]
    rules = standards()
    items = satisfaction_item_map(measures, None)
    periods = sorted(int(p) for p in measures["period"].dropna().unique()) if len(measures) else []
    result = CountyResults(measures=measures, periods=periods, items=items)
    if not periods:
        return result
    common = dict(standards=rules, items=items, min_group_size=size)
    # Suppression is decided per period: each year's tables are read on their own.
    schools, zones, county = [], [], []
    for period, frame in measures.groupby("period", sort=True):
        schools.append(indicators_by(frame, ["zone_id", "school_id"], **common).assign(period=period))
        zones.append(indicators_by(frame, ["zone_id"], **common).assign(period=period))
        county.append(indicators_by(frame.assign(county=0), ["county"], **common,
                                    complementary=False).assign(period=period))
    result.schools = pd.concat(schools, ignore_index=True)
    result.zones = pd.concat(zones, ignore_index=True)
    result.county = pd.concat(county, ignore_index=True).drop(columns="county")
    return result
