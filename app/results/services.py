"""Load responses from the database into frames and hand them to the pure statistics package.

Three paths:

* one launch (`launch_summary`): each question's answers gathered by the database into one
  array per question, decoded at once into the survey frame -> `summarise`;
* the county tables (`county_results`: every indicator of every school, zone and the county,
  per year) are aggregated in SQL: each response's indicator values (compliance 1/0, homework
  minutes, satisfaction score, alpha items) are computed by the database from its answers
  (JSON_EXTRACT on SQLite, ->> on PostgreSQL's JSONB) and summed per school and year, so a few
  hundred rows of counts, sums and sums of squares leave the database instead of a million
  responses; zone and county figures add the school sums up, and `sums_table` turns sums into
  the same table `indicators_by` builds from respondents (same intervals, same suppression).
  Results are cached per process, keyed by a cheap fingerprint of the responses (count and
  largest id), so repeated pages do not aggregate again;
* respondent-level measures of one school or zone (`load_measures`, `CountyResults.measures_of`):
  the measure columns of every response, extracted in SQL into one measure frame, for trends
  and tests that need the respondents themselves. `compute_county` builds the county tables
  from such a frame with the statistics package alone: the reference the SQL path is tested
  against (tests/results/test_scale_paths.py), and the path taken whenever the standards use
  a rule the SQL path does not know, or when COUNTY_AGGREGATION is "pandas".
"""
from __future__ import annotations

import gc
import json
import os
from collections import OrderedDict
from dataclasses import replace
from datetime import datetime, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from flask import current_app, g, has_request_context
from sqlalchemy import Float, Integer, and_, case, cast, func, literal, null, or_, select

from ..database import read_connection
from ..disclosure import advance, figure_steps, lagging_launches, publication_state, published_only
from ..disclosure.gate import behind
from ..extensions import db
from ..launches.models import Launch
from ..organisation.models import School
from ..responses.models import Response
from ..statistics import build_frame, item_column, summarise
from ..statistics.frames import META_COLUMNS, NUMERIC_MEASURES, TIME_MEASURES, frame_from_columns, typed_answers
from ..statistics.indicators import (HOMEWORK_MEAN, SATISFACTION_ALPHA, SATISFACTION_INDEX, TABLE_COLUMNS,
                                     IndicatorSpec, _with_groups, finish_table, feldt_interval, homework_rule, indicators_by,
                                     respondent_values, satisfaction_item_map)
from ..statistics.intervals import t_interval, wilson_interval
from ..statistics.standards import load_standards, national_standards
from ..statistics.suppression import protect_nested
from ..surveys.models import SurveyVersion
from ..surveys.registry import definition_of
from .models import CountyTarget


def standards():
    """The national standards, the STANDARDS_OVERRIDES file if any, then the targets office
    staff set on the targets page (read once per request)."""
    if has_request_context() and "_dudao_standards" in g:
        return g._dudao_standards
    merged = _file_standards()
    targets = dict(db.session.execute(select(CountyTarget.key, CountyTarget.value)).all())
    if targets:
        merged = replace(merged, targets={**merged.targets, **targets})
    if has_request_context():
        g._dudao_standards = merged
    return merged


def file_standards():
    """The standards before the county's own targets: what the targets page falls back to."""
    return _file_standards()


def _file_standards():
    path = current_app.config.get("STANDARDS_OVERRIDES")
    if not path:
        return national_standards()
    changed = _modified(path)
    if changed is None:
        return load_standards(overrides=path)   # raises StandardsError naming the file
    return _standards_with(str(path), changed)


def _modified(path) -> float | None:
    """When a file last changed (None if it cannot be read): part of cache keys."""
    try:
        return os.path.getmtime(path) if path else None
    except OSError:
        return None


@lru_cache(maxsize=4)
def _standards_with(path: str, changed: float):
    """The merged standards, read again only when the override file changes (reports ask often)."""
    return load_standards(overrides=path)


# ---------------------------------------------------------------- one launch

def launch_records(launch: Launch) -> list[dict]:
    """Every published response of a launch as a record for the statistics package (`build_frame`)."""
    rows = db.session.execute(
        select(Response.id, Response.answers, Response.step)
        .where(Response.launch_id == launch.id, published_only()))
    return [{"response_id": rid, "school_id": launch.school_id, "launch_id": launch.id,
             "period": None, "answers": answers, "step": step} for rid, answers, step in rows]


def launch_frame(launch: Launch, definition=None, *, conn=None, after: int = 0) -> pd.DataFrame:
    """The survey frame of a launch's published responses (of steps after `after`), with their
    step in column "step": `build_frame(definition, launch_records(launch))` built faster.

    Built column by column: the database gathers each question's answers into one array per
    question (SQLite: json_group_array of JSON_EXTRACT, decoded with one json.loads; PostgreSQL:
    array_agg of ->>, as text, which psycopg reads in C). The aggregates of one query read the
    same rows in the same order, so element i of every array is the same response. A launch of
    100,000 responses so costs a few array decodes instead of 100,000 JSON documents.
    `conn` reads inside a caller's transaction (the gate, while it takes a step).
    """
    definition = definition or definition_of(launch.survey_version)
    return _frame_of(definition, launch.id, launch.school_id, conn=conn, after=after)


def _frame_of(definition, launch_id: int, school_id: int, *, conn=None, after: int = 0) -> pd.DataFrame:
    questions = definition.questions
    dialect = db.engine.dialect.name
    if dialect == "postgresql":
        columns = [func.array_agg(Response.answers[q.id].as_string()) for q in questions]
        query = select(func.array_agg(Response.id), func.array_agg(Response.step), *columns)
    else:
        columns = [func.json_group_array(func.json_extract(Response.answers, f'$."{q.id}"')) for q in questions]
        query = select(func.json_group_array(Response.id), func.json_group_array(Response.step), *columns)
    query = query.where(Response.launch_id == launch_id, published_only(), Response.step > after)
    if conn is None:
        with read_connection() as own:
            arrays = own.execute(query).one()
    else:
        arrays = conn.execute(query).one()
    gc_was_on = gc.isenabled()
    gc.disable()   # decoding creates 100,000s of containers: no collector passes meanwhile
    try:
        arrays = [json.loads(a) if isinstance(a, str) else (a or []) for a in arrays]
    finally:
        if gc_was_on:
            gc.enable()
    index = pd.RangeIndex(len(arrays[0]))
    ids = {q.id for q in questions}
    meta = {"response_id": np.array(arrays[0], dtype=np.int64), "school_id": school_id,
            "zone_id": np.nan, "launch_id": launch_id, "period": None}
    frame = {c: v for c, v in meta.items() if c in META_COLUMNS and c not in ids}
    for question, values in zip(questions, arrays[2:]):
        # fromiter: element by element, so lists (multiple answers) stay single cells.
        raw = pd.Series(np.fromiter(values, dtype=object, count=len(index)), index=index)
        if question.type == "multiple":
            # Lists (SQLite) or their JSON text (PostgreSQL's ->>); NaN where unanswered.
            raw = _json_lists(raw) if dialect == "postgresql" else raw.where(raw.notna(), np.nan)
        frame[question.id] = typed_answers(question.type, raw, [o.value for o in question.options])
    result = pd.DataFrame(frame, index=index)
    result[STEP] = np.array(arrays[1], dtype=np.int64)
    return result


#: The frame column holding each response's published step (never a question id: ids are
#: validated as identifiers, and this one starts with an underscore).
STEP = "_step"


def _json_lists(raw: pd.Series) -> pd.Series:
    """JSON array texts → Python lists (each distinct text decoded once); missing stays missing."""
    codes, uniques = pd.factorize(raw)
    decoded = np.fromiter([*(json.loads(u) for u in uniques), np.nan], dtype=object, count=len(uniques) + 1)
    return pd.Series(decoded[codes], index=raw.index)   # code −1 (missing) reads the trailing NaN


def figure_counts(conn, launch_id: int, version_id: int, school_id: int, *, after: int) -> dict[str, int]:
    """{figure: respondents it counts} over a launch's published responses of steps after `after`:
    "q:ID" per question, "i:KEY" per indicator. The gate's per-figure step rule reads these."""
    version = db.session.get(SurveyVersion, version_id)
    definition = definition_of(version)
    frame = _frame_of(definition, launch_id, school_id, conn=conn, after=after)
    summary = summarise(definition, frame, min_group_size=1, standards=standards())
    counts = {f"q:{q['id']}": int(q["n"]) for q in summary["questions"]}
    counts.update({f"i:{i['key']}": int(i["n"]) for i in summary["indicators"]})
    return counts


def launch_summary(launch: Launch) -> dict:
    """The ACCEPTANCE summary of one launch: live n, every figure from its published steps."""
    advance([launch.id])
    definition = definition_of(launch.survey_version)
    return _gated_summary(launch.id, definition, launch_frame(launch, definition))


def launch_summary_from_records(launch: Launch) -> dict:
    """`launch_summary` the plain way (decode each response, `build_frame`): the reference."""
    advance([launch.id])
    definition = definition_of(launch.survey_version)
    records = launch_records(launch)
    frame = build_frame(definition, records)
    frame[STEP] = np.array([r["step"] for r in records], dtype=np.int64)
    return _gated_summary(launch.id, definition, frame)


def _gated_summary(launch_id: int, definition, frame: pd.DataFrame) -> dict:
    """The summary over a frame of published responses: each figure over the steps it stands
    at (the launch's published step, or an earlier one for a lagging figure)."""
    step, lagging = figure_steps(launch_id)
    size = current_app.config["MIN_GROUP_SIZE"]
    rules = standards()
    at_step = {}

    def summary_at(at: int) -> dict:
        if at not in at_step:
            at_step[at] = summarise(definition, frame[frame[STEP] <= at], min_group_size=size,
                                    standards=rules)
        return at_step[at]

    current = summary_at(step)
    questions = [_entry(summary_at(lagging.get(f"q:{q['id']}", step))["questions"], "id", q["id"])
                 for q in current["questions"]]
    indicators = [_entry(summary_at(lagging.get(f"i:{i['key']}", step))["indicators"], "key", i["key"]) or i
                  for i in current["indicators"]]
    return {"n": live_count(launch_id), "published": int((frame[STEP] <= step).sum()),
            "questions": questions, "indicators": indicators}


def _entry(entries: list[dict], id_key: str, value) -> dict | None:
    return next((e for e in entries if e[id_key] == value), None)


def live_count(launch_id: int) -> int:
    """Responses stored for a launch, published or not (shown live: it reveals no answer)."""
    return int(db.session.scalar(select(func.count()).where(Response.launch_id == launch_id)))


def launch_comments(launch: Launch) -> list[dict]:
    """Free-text answers of a launch, by question: only those of its published steps (so a
    comment appears with the block of at least MIN_GROUP_SIZE responses that counts it, never
    alone), in random order, at most 200 per question."""
    advance([launch.id])
    definition = definition_of(launch.survey_version)
    text_questions = [q for q in definition.questions if q.type == "text"]
    step, _lagging = figure_steps(launch.id)
    if not text_questions or step == 0:
        return []
    result = []
    for question in text_questions:
        column = Response.answers[question.id].as_string()
        texts = [t for (t,) in db.session.execute(
            select(column).where(Response.launch_id == launch.id, published_only(), column.isnot(None))
            .order_by(func.random()).limit(200)) if t]
        result.append({"question": question, "answers": texts})
    return result


# ---------------------------------------------------------------- measures, respondent by respondent

def _measure_questions(version: SurveyVersion) -> list[tuple[str, object]]:
    """(measure-frame column, question) for every question of a version that feeds a measure."""
    return [(item_column(q.id) if q.measure == "satisfaction" else q.measure, q)
            for q in definition_of(version).questions if q.measure]


def _measure_columns(version: SurveyVersion):
    """SQL expressions pulling each measure of a version out of the answers JSON."""
    columns = []
    for name, question in _measure_questions(version):
        path = Response.answers[question.id]
        expression = path.as_float() if question.measure in NUMERIC_MEASURES - {"grade"} else path.as_string()
        columns.append(expression.label(name))
    return columns


def _versions_with_measures() -> list[SurveyVersion]:
    return [v for v in db.session.scalars(select(SurveyVersion).order_by(SurveyVersion.id))
            if any(q.measure for q in definition_of(v).questions)]


def load_measures(audience: str = "parent", *, school_ids=None, upto: int | None = None) -> pd.DataFrame:
    """One row per published response (of launches for `audience`) that carries any measure.

    Columns: response_id, school_id, zone_id, period (the local year its launch opened in),
    LAUNCH and STEP (for the gate's lagging figures), and one column per measure / satisfaction
    item (see app.statistics.frames). `school_ids` limits the schools, `upto` the response ids.
    """
    parts = []
    with db.engine.connect() as conn:
        for version in _versions_with_measures():
            query = (select(Response.id.label("response_id"), Response.school_id,
                            Launch.opens_at.label("_opens_at"), Response.launch_id.label(LAUNCH),
                            Response.step.label(STEP), *_measure_columns(version))
                     .join(Launch, Launch.id == Response.launch_id)
                     .where(Response.survey_version_id == version.id, Launch.audience == audience,
                            published_only()))
            if school_ids is not None:
                query = query.where(Response.school_id.in_(list(school_ids)))
            if upto is not None:
                query = query.where(Response.id <= upto)
            result = conn.execute(query)
            rows = result.fetchall()
            if rows:
                parts.append(pd.DataFrame.from_records(rows, columns=list(result.keys())))
    if not parts:
        return pd.DataFrame(columns=["response_id", "school_id", "zone_id", "period", LAUNCH, STEP])
    frame = pd.concat(parts, ignore_index=True)
    frame["zone_id"] = frame["school_id"].map(_school_zones())
    opened = pd.to_datetime(frame.pop("_opens_at"), utc=True)
    frame["period"] = opened.dt.tz_convert(ZoneInfo(current_app.config["TIMEZONE"])).dt.year
    # The gate's columns last, so the measure columns keep the order the SQL path's schema has.
    frame = frame[[c for c in frame.columns if c not in (LAUNCH, STEP)] + [LAUNCH, STEP]]
    return frame_from_columns(frame)


#: Frame column of the launch a response belongs to (beside STEP, its published step).
LAUNCH = "_launch"


def _school_zones() -> dict[int, int]:
    return dict(db.session.execute(select(School.id, School.zone_id)).all())


def responses_fingerprint() -> tuple:
    """What every published figure depends on: the published steps (they change only when a
    step is taken), the schools and their zones, and the targets. Cache keys hold it, so a
    figure is recomputed when a school moves zone or a target changes, not only on new steps."""
    schools = db.session.execute(select(School.id, School.zone_id).order_by(School.id)).all()
    targets = sorted(db.session.execute(select(CountyTarget.key, CountyTarget.value)).all())
    return (*publication_state(), hash((tuple(map(tuple, schools)), tuple(map(tuple, targets)))))


# ---------------------------------------------------------------- the county tables

class CountyResults:
    """Every indicator of every school, zone and the county, per period, for one audience.

    `schools` (period, zone_id, school_id, ...), `zones` (period, zone_id, ...) and `county`
    (period, ...) are indicator tables as `indicators_by` returns them; `respondents` holds the
    responses behind each school and year (period, zone_id, school_id, n); `schema` is an empty
    measure frame with the columns the respondent-level measures have.

    Respondent-level measures are not kept when the tables were aggregated in SQL: use
    `measures_of(...)` for a school or zone (loaded from the database, only responses counted
    here); `measures` loads every response of the audience on first use (slow on a large county).
    """

    def __init__(self, measures: pd.DataFrame | None, periods: list[int], *, schema: pd.DataFrame | None = None,
                 items: dict | None = None, audience: str = "parent", upto: int | None = None,
                 schools: pd.DataFrame | None = None, zones: pd.DataFrame | None = None,
                 county: pd.DataFrame | None = None, respondents: pd.DataFrame | None = None):
        self._measures = measures
        self.schema = schema if schema is not None else measures.iloc[:0]
        self.periods = periods
        self.items = items or {}
        self.audience, self.upto = audience, upto
        # Empty tables keep their columns, so a county with nothing published reads as empty.
        self.schools = schools if schools is not None else _empty_table("zone_id", "school_id")
        self.zones = zones if zones is not None else _empty_table("zone_id")
        self.county = county if county is not None else _empty_table()
        self.respondents = (respondents if respondents is not None
                            else pd.DataFrame(columns=["period", "zone_id", "school_id", "n"]))

    @property
    def measures(self) -> pd.DataFrame:
        """Every counted response's measures (loaded from the database on first use)."""
        if self._measures is None:
            self._measures = load_measures(self.audience, upto=self.upto)
        return self._measures

    def measures_of(self, *, school_id: int | None = None, zone_id: int | None = None,
                    period: int | None = None) -> pd.DataFrame:
        """The respondent-level measures of one school or zone (optionally one year)."""
        if self._measures is not None:
            frame = self._measures
        elif school_id is None and zone_id is None:
            frame = self.measures
        else:
            schools = self.respondents
            ids = ([school_id] if school_id is not None
                   else schools.loc[schools["zone_id"] == zone_id, "school_id"].unique().tolist())
            frame = load_measures(self.audience, school_ids=ids, upto=self.upto) if ids else self.schema
        mask = pd.Series(True, index=frame.index)
        for column, value in (("school_id", school_id), ("zone_id", zone_id), ("period", period)):
            if value is not None and column in frame:
                mask &= frame[column] == value
        return frame[mask] if len(frame) else frame

    def respondent_counts(self, year) -> dict:
        """Responses in a year: {"county": n, "zones": {zone_id: n}, "schools": {school_id: n}}."""
        rows = self.respondents[self.respondents["period"] == year]
        return {"county": int(rows["n"].sum()),
                "zones": {k: int(v) for k, v in rows.groupby("zone_id")["n"].sum().items()},
                "schools": {k: int(v) for k, v in rows.groupby("school_id")["n"].sum().items()}}


def _empty_table(*by: str) -> pd.DataFrame:
    return pd.DataFrame(columns=["period", *by, *TABLE_COLUMNS])


_cache: OrderedDict = OrderedDict()
_CACHE_SIZE = 4


def county_results(audience: str = "parent", method: str | None = None) -> CountyResults:
    """The county's indicator tables, recomputed only when responses changed.

    `method` (default: the COUNTY_AGGREGATION setting, else "sql"): "sql" aggregates in the
    database; "pandas" loads every response's measures and uses the statistics package alone.
    """
    method = method or current_app.config.get("COUNTY_AGGREGATION", "sql")
    advance()   # every launch with enough pending responses takes its step first
    fingerprint = responses_fingerprint()
    overrides = current_app.config.get("STANDARDS_OVERRIDES")
    key = (audience, fingerprint, current_app.config["MIN_GROUP_SIZE"], overrides,
           _modified(overrides), method)
    if key in _cache:
        _cache.move_to_end(key)
        return _cache[key]
    rules = standards()
    result = None
    # Respondent-level measures read later (trends, tests) stop at what the tables counted.
    upto = int(db.session.scalar(select(func.max(Response.id)).where(published_only())) or 0)
    if method == "sql" and sql_rules_supported(rules):
        try:
            result = aggregate_county(audience, upto=upto)
        except NotImplementedError:   # an indicator the SQL path does not know: the plain way
            result = None
    if result is None:
        result = compute_county(load_measures(audience, upto=upto))
        result.audience, result.upto = audience, upto
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
    lags = {figure[2:]: pairs for figure, pairs in lagging_launches().items() if figure.startswith("i:")}

    def build(frame, by, complementary):
        table = indicators_by(frame, by, complementary=complementary, **common)
        # A lagging indicator counts only the steps it stands at: its rows come from a frame
        # without the responses of the later steps of those launches.
        for key, pairs in lags.items():
            later = np.zeros(len(frame), dtype=bool)
            if LAUNCH in frame:
                for launch_id, at in pairs:
                    later |= ((frame[LAUNCH] == launch_id) & (frame[STEP] > at)).to_numpy()
            if later.any():
                behind_table = indicators_by(frame[~later], by, complementary=complementary, **common)
                table = pd.concat([table[table["key"] != key], behind_table[behind_table["key"] == key]],
                                  ignore_index=True)
        return table

    fill_levels(result, measures.groupby("period", sort=True), build)
    result.respondents = (measures.groupby(["period", "zone_id", "school_id"], dropna=False)
                          .size().rename("n").reset_index())
    return result


def fill_levels(result: CountyResults, periods, build) -> None:
    """The school, zone and county tables of every period, whichever path computes them.

    `build(frame, by, complementary)` makes one table. Suppression is decided per period (each
    year's tables are read on their own); then nesting is protected (`protect_nesting`).
    """
    schools, zones, county = [], [], []
    for period, frame in periods:
        schools.append(build(frame, ["zone_id", "school_id"], True).assign(period=period))
        zones.append(build(frame, ["zone_id"], True).assign(period=period))
        county.append(build(frame.assign(county=0), ["county"], False).assign(period=period))
    result.zones = pd.concat(zones, ignore_index=True)
    result.schools = protect_nesting(pd.concat(schools, ignore_index=True), result.zones)
    result.county = pd.concat(county, ignore_index=True).drop(columns="county")


def protect_nesting(schools: pd.DataFrame, zones: pd.DataFrame) -> pd.DataFrame:
    """School rows with figures hidden where a hidden zone could otherwise be rebuilt from them."""
    if schools.empty or zones.empty:
        return schools
    flags = protect_nested(schools, zones, fixed=("key", "period")).to_numpy()
    if not (flags & ~schools["suppressed"].to_numpy(dtype=bool)).any():
        return schools
    schools = schools.assign(suppressed=flags)
    for column in ("k", "mean", "sd", "value", "ci_low", "ci_high", "limit"):
        schools[column] = schools[column].astype(float).mask(flags)
    return schools


# ---------------------------------------------------------------- ... aggregated in SQL

#: Rules whose per-respondent outcome `_rule_value` can compute in SQL.
SQL_RULES = frozenset({"at_least", "at_most", "no_later_than", "one_of", "activity"})


def sql_rules_supported(rules) -> bool:
    """Whether every rule of the standards can be evaluated by the database."""
    return all(rule.rule in SQL_RULES for rule in rules.rules.values())


def aggregate_county(audience: str = "parent", upto: int | None = None) -> CountyResults:
    """`compute_county(load_measures(audience))`, with the per-respondent work done in SQL."""
    size = current_app.config["MIN_GROUP_SIZE"]
    rules = standards()
    period = _period_expression()
    parts, columns = [], []
    with db.engine.connect() as conn:
        for version in _versions_with_measures():
            audiences = set(conn.execute(select(Launch.audience).distinct()
                                         .where(Launch.survey_version_id == version.id)).scalars())
            if audience not in audiences:
                continue
            names = [name for name, _ in _measure_questions(version)]
            query, stats = _version_query(version, audience, len(audiences) > 1, period, upto, rules)
            rows = conn.execute(query).all()
            if not rows:
                continue
            frame = pd.DataFrame(rows, columns=["school_id", "period", "responses", *stats])
            frame[stats] = frame[stats].astype(float)   # NULL sums (nothing counted) become NaN
            parts.append((frame, {n for n in names if n.startswith("satisfaction:")}))
            columns += [c for c in names if c not in columns]
    if not parts:
        result = compute_county(pd.DataFrame(columns=["response_id", "school_id", "zone_id", "period"]))
        result.audience, result.upto = audience, upto
        return result
    # The columns load_measures would give, in its order, hence the same specs and items.
    schema = frame_from_columns(pd.DataFrame(
        {c: pd.Series(dtype=object) for c in ["response_id", "school_id", *columns, "zone_id", "period",
                                              LAUNCH, STEP]}))
    items = satisfaction_item_map(schema, None)
    _values, specs = respondent_values(schema, rules, items)
    unknown = set(specs) - set(rules.rules) - {HOMEWORK_MEAN, SATISFACTION_INDEX}
    if unknown:
        raise NotImplementedError(f"no SQL for indicators {sorted(unknown)}")
    # A complete case has every item of the county's versions: none in a version lacking one.
    frames = [frame if version_items == set(items) else
              frame.drop(columns=[c for c in frame if c.startswith(("an:", "as:", "aq:"))])
              for frame, version_items in parts]
    sums = pd.concat(frames, ignore_index=True)
    reducers = {c: ("min" if c.startswith("lo:") else "max" if c.startswith("hi:") else "sum")
                for c in sums.columns if c not in ("school_id", "period")}
    sums = sums.groupby(["period", "school_id"], sort=True).agg(reducers).reset_index()
    sums["zone_id"] = sums["school_id"].map(_school_zones())
    sums["period"] = sums["period"].astype(int)
    periods = sorted(int(p) for p in sums["period"].unique())
    result = CountyResults(measures=None, periods=periods, schema=schema, items=items,
                           audience=audience, upto=upto)
    common = dict(specs=specs, items=list(items), reducers=reducers, min_group_size=size)
    fill_levels(result, sums.groupby("period", sort=True),
                lambda frame, by, complementary: sums_table(frame, by, complementary=complementary,
                                                            **common))
    result.respondents = sums[["period", "zone_id", "school_id", "responses"]].rename(
        columns={"responses": "n"})
    return result


def _period_expression():
    """SQL for the period of a response: the local calendar year its launch opened in (a CASE
    over the New Year instants), so each launch lies in exactly one year (see app.disclosure)."""
    zone = ZoneInfo(current_app.config["TIMEZONE"])
    first, last = db.session.execute(select(func.min(Launch.opens_at), func.max(Launch.opens_at))).one()
    if first is None:
        return literal(0)
    years = [_as_utc(first).astimezone(zone).year, _as_utc(last).astimezone(zone).year]
    whens = [(Launch.opens_at < datetime(year, 1, 1, tzinfo=zone).astimezone(timezone.utc),
              literal(year - 1)) for year in range(years[0] + 1, years[1] + 1)]
    return case(*whens, else_=literal(years[1])) if whens else literal(years[1])


def _as_utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _version_query(version, audience, mixed_audiences, period, upto, rules):
    """One version's responses, summed per school and year: (query, names of the sum columns).

    Layers, each fenced with OFFSET 0 so the database computes every value once per row
    (neither SQLite nor PostgreSQL eliminates repeated sub-expressions, and both would otherwise
    merge a subquery into its parent): the measures extracted from the answers JSON (numbers
    cast to float, as `frame_from_columns` reads them); clock times turned into minutes, when
    the version asks one; each respondent's indicator values (compliance 1/0/NULL as
    `indicators.compliance`, homework minutes and the limit of the child's band, items answered
    and their sum); then counts, sums and sums of squares per school and year.
    """
    questions = dict(_measure_questions(version))
    extracted = []
    for i, (name, question) in enumerate(questions.items()):
        text = Response.answers[question.id].as_string()
        numeric = name in NUMERIC_MEASURES or name.startswith("satisfaction:")
        extracted.append((cast(text, Float) if numeric else text).label(f"m{i}"))
    query = (select(Response.school_id.label("school_id"), period.label("period"),
                    Response.launch_id.label("launch_id"), Response.step.label("step"), *extracted)
             .join(Launch, Launch.id == Response.launch_id)
             .where(Response.survey_version_id == version.id, published_only()))
    if mixed_audiences:
        query = query.where(Launch.audience == audience)
    if upto is not None:
        query = query.where(Response.id <= upto)
    layer = query.offset(0).subquery("measures")
    column = {name: layer.c[f"m{i}"] for i, name in enumerate(questions)}
    if any(name in TIME_MEASURES for name in column):
        # Clock times to minutes once per row, before the rules read them.
        layer = select(layer.c.school_id, layer.c.period, layer.c.launch_id, layer.c.step, *[
            (_clock_minutes(c) if name in TIME_MEASURES else c).label(f"m{i}")
            for i, (name, c) in enumerate(column.items())]).offset(0).subquery("typed")
        column = {name: layer.c[f"m{i}"] for i, name in enumerate(questions)}

    items = [n for n in questions if n.startswith("satisfaction:")]
    values = {}   # "<kind>:<key>" -> the respondent's value in SQL
    for key, rule in rules.rules.items():
        if all(m in column for m in rule.measures) and (not rule.banded or "grade" in column):
            values[f"p:{key}"] = _rule_value(rule, column)
    if "homework_minutes" in column:
        values[f"m:{HOMEWORK_MEAN}"] = column["homework_minutes"]
        rule = homework_rule(rules)
        if rule is not None and "grade" in column:
            values[f"l:{HOMEWORK_MEAN}"] = _by_band(rule, column["grade"], column["homework_minutes"],
                                                     lambda band: literal(band.threshold))
    if items:
        # Items answered and their sum, per respondent; the score and alpha's complete cases
        # (every item answered) are read from these two in the sums below.
        present = [column[c] for c in items]
        values["answered"] = sum((case((c.isnot(None), 1), else_=0) for c in present[1:]),
                                 case((present[0].isnot(None), 1), else_=0))
        values["total"] = sum((func.coalesce(c, 0.0) for c in present[1:]), func.coalesce(present[0], 0.0))
        for c in items:
            values[f"item:{c}"] = column[c]
    if not values:
        values["_none"] = null()
    # Figures lagging at some launches (app.disclosure) leave out those launches' later steps.
    lags = lagging_launches()
    for name in list(values):
        kind, _, key = name.partition(":")
        figure = f"i:{key}" if kind in ("p", "m", "l") else f"i:{SATISFACTION_INDEX}"
        values[name] = behind(values[name], figure, lags, layer.c.launch_id, layer.c.step)
    respondents = select(layer.c.school_id, layer.c.period,
                         *[v.label(f"v{i}") for i, v in enumerate(values.values())]).offset(0).subquery("values")
    v = {name: respondents.c[f"v{i}"] for i, name in enumerate(values)}
    sums = {}   # stat name -> aggregate
    for name, value in v.items():
        kind, _, key = name.partition(":")
        if kind == "p":
            sums.update({f"n:{key}": func.count(value), f"s:{key}": func.sum(value)})
        elif kind == "m":
            sums.update({f"n:{key}": func.count(value), f"s:{key}": func.sum(value),
                         f"q:{key}": func.sum(value * value)})
        elif kind == "l":
            sums.update({f"lo:{key}": func.min(value), f"hi:{key}": func.max(value)})
    if items:
        # indicators.satisfaction_scores: (mean of the answered items − 1) / 4 · 100.
        score = (v["total"] / func.nullif(v["answered"], 0) - 1) / 4 * 100
        sums.update({f"n:{SATISFACTION_INDEX}": func.count(score), f"s:{SATISFACTION_INDEX}": func.sum(score),
                     f"q:{SATISFACTION_INDEX}": func.sum(score * score)})
        # Alpha over complete cases of this version's items (versions lacking one of the
        # county's items are dropped from alpha's sums in `aggregate_county`).
        complete = v["answered"] == len(items)
        for key, value in [(c, v[f"item:{c}"]) for c in items] + [("_total", v["total"])]:
            sums.update({f"as:{key}": func.sum(case((complete, value), else_=null())),
                         f"aq:{key}": func.sum(case((complete, value * value), else_=null()))})
        sums["an:_total"] = func.count(case((complete, 1), else_=null()))
    aggregates, stats = list(sums.values()), list(sums)
    query = (select(respondents.c.school_id, respondents.c.period, func.count(), *aggregates)
             .group_by(respondents.c.school_id, respondents.c.period))
    return query, stats


def _clock_minutes(text):
    """"HH:MM" (as answers store times) → minutes since midnight; NULL otherwise."""
    hours = cast(func.substr(text, 1, 2), Integer)
    minutes = cast(func.substr(text, 4, 2), Integer)
    wellformed = and_(func.length(text) == 5, func.substr(text, 3, 1) == ":")
    return case((wellformed, hours * 60 + minutes), else_=null())


def _by_band(rule, grade, value, outcome):
    """CASE over the rule's grade bands: NULL without a value, a grade or a band, else outcome(band)."""
    whens = [(value.is_(None), null())]
    for band in rule.bands:
        grades = [float(g) for g in range(band.first, band.last + 1)]
        whens.append((grade.in_(grades), outcome(band)))
    return case(*whens, else_=null())


def _rule_value(rule, column):
    """1 (meets), 0 (does not) or NULL (not counted) per respondent, as `indicators.compliance`."""
    if rule.rule == "one_of":
        value = column[rule.measures[0]]
        return case((value.is_(None), null()), (value.in_(list(rule.compliant)), 1), else_=0)
    if rule.rule == "activity":
        school, outside = (column[m] for m in rule.measures)
        met = (and_(school >= rule.in_school, outside >= rule.outside) if rule.mode == "each"
               else school + outside >= rule.total)
        return case((or_(school.is_(None), outside.is_(None)), null()), (met, 1), else_=0)
    value = column[rule.measures[0]]
    if rule.rule == "no_later_than":
        value = case((value < 720, value + 1440), else_=value)   # timeofday.evening_minutes
    if rule.rule == "at_least":
        return _by_band(rule, column["grade"], value, lambda band: case((value >= band.threshold, 1), else_=0))
    return _by_band(rule, column["grade"], value, lambda band: case((value <= band.threshold, 1), else_=0))


def sums_table(sums: pd.DataFrame, by: list[str], *, specs: dict[str, IndicatorSpec], items: list[str],
               reducers: dict, min_group_size: int, complementary: bool = True) -> pd.DataFrame:
    """The table `indicators_by` gives, from per-school sums (see `_version_query`) added up by `by`.

    n and k are counts; a mean is sum / n and its sd √((Σv² − (Σv)²/n) / (n − 1)); alpha's item
    and total variances come the same way from the sums over complete cases.
    """
    specs = dict(specs)
    grouped = sums.groupby(by, sort=True, dropna=False)
    totals = grouped.agg({c: r for c, r in reducers.items() if c in sums})
    groups = totals.index

    def stat(name):
        return (totals[name].to_numpy(dtype=float) if name in totals
                else np.full(len(groups), np.nan if name.startswith(("lo:", "hi:")) else 0.0))

    parts = []
    for key, spec in specs.items():
        n = stat(f"n:{key}")
        part = {"key": key, "kind": spec.kind, "n": n}
        with np.errstate(invalid="ignore", divide="ignore"):
            if spec.kind == "proportion":
                k = stat(f"s:{key}")
                low, high = wilson_interval(k, n)
                part.update(k=k, mean=np.nan, sd=np.nan, value=k / n, ci_low=low, ci_high=high)
            else:
                mean, variance = _mean_variance(n, stat(f"s:{key}"), stat(f"q:{key}"))
                sd = np.sqrt(variance)
                low, high = t_interval(mean, sd, n)
                part.update(k=np.nan, mean=mean, sd=sd, value=mean, ci_low=low, ci_high=high)
        part["limit"] = np.nan
        if key == HOMEWORK_MEAN and f"lo:{key}" in totals:
            low, high = stat(f"lo:{key}"), stat(f"hi:{key}")
            part["limit"] = np.where(low == high, low, np.nan)
        parts.append(_with_groups(groups, by, part))
    if len(items) >= 2:
        # Complete cases need every item; a version lacking one has none (its sums are absent).
        n = stat("an:_total")
        variances = [_mean_variance(n, stat(f"as:{c}"), stat(f"aq:{c}"))[1] for c in items]
        total_variance = _mean_variance(n, stat("as:_total"), stat("aq:_total"))[1]
        k = len(items)
        with np.errstate(invalid="ignore", divide="ignore"):
            alpha = k / (k - 1) * (1 - np.sum(variances, axis=0) / total_variance)
            alpha = np.where(np.isfinite(alpha), alpha, np.nan)
            low, high = feldt_interval(alpha, n, k)
        specs[SATISFACTION_ALPHA] = IndicatorSpec(SATISFACTION_ALPHA, "alpha", {
            "method": "Cronbach's alpha over complete cases", "interval": "Feldt", "items": k})
        parts.append(_with_groups(groups, by, {
            "key": SATISFACTION_ALPHA, "kind": "alpha", "n": n, "k": np.nan, "mean": np.nan,
            "sd": np.nan, "value": alpha, "ci_low": low, "ci_high": high, "limit": np.nan}))
    return finish_table(parts, by, min_group_size, complementary)


def _mean_variance(n, total, squares):
    """(mean, variance with ddof 1) from n, Σv and Σv²; NaN where undefined (as pandas gives)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(n > 0, total / n, np.nan)
        variance = np.where(n > 1, (squares - total * mean) / (n - 1), np.nan)
    # Rounding can leave a hair below zero when every value is the same.
    return mean, np.where(variance < 0, 0.0, variance)


# ---------------------------------------------------------------- live counts beside published figures

_live_cache: OrderedDict = OrderedDict()


def live_respondents(audience: str = "parent") -> pd.DataFrame:
    """Responses stored per (period, zone_id, school_id), published or not, with the indicator
    keys the school's launches of that year can give ("keys"): how many responded is always
    shown (it reveals no answer), and a school whose responses are not published yet shows
    those indicators as suppressed instead of leaving them out."""
    largest = db.session.scalar(select(func.max(Response.id)))
    launches_seen = db.session.execute(select(func.count(Launch.id), func.max(Launch.id))).one()
    key = (audience, largest, tuple(launches_seen), responses_fingerprint()[2])
    if key in _live_cache:
        return _live_cache[key]
    counts = dict(db.session.execute(select(Response.launch_id, func.count()).group_by(Response.launch_id)).all())
    local = ZoneInfo(current_app.config["TIMEZONE"])
    zones = _school_zones()
    rows, version_keys = {}, {}
    for launch_id, school_id, version_id, opened in db.session.execute(
            select(Launch.id, Launch.school_id, Launch.survey_version_id, Launch.opens_at)
            .where(Launch.audience == audience)):
        n = counts.get(launch_id, 0)
        if not n:
            continue
        period = _as_utc(opened).astimezone(local).year
        row = rows.setdefault((period, school_id), {"period": period, "zone_id": zones.get(school_id),
                                                    "school_id": school_id, "n": 0, "keys": set()})
        row["n"] += n
        if version_id not in version_keys:
            version_keys[version_id] = _version_keys(version_id)
        row["keys"] |= version_keys[version_id]
    frame = pd.DataFrame(list(rows.values()), columns=["period", "zone_id", "school_id", "n", "keys"])
    _live_cache[key] = frame
    while len(_live_cache) > 8:
        _live_cache.popitem(last=False)
    return frame


def _version_keys(version_id: int) -> frozenset:
    """The indicator keys a survey version's answers can give, under the current standards."""
    version = db.session.get(SurveyVersion, version_id)
    columns = [name for name, _ in _measure_questions(version)]
    schema = frame_from_columns(pd.DataFrame({c: pd.Series(dtype=object) for c in columns}))
    _values, specs = respondent_values(schema, standards(), satisfaction_item_map(schema, None))
    keys = set(specs)
    if len([c for c in columns if c.startswith("satisfaction:")]) >= 2:
        keys.add(SATISFACTION_ALPHA)
    return frozenset(keys)


def clear_caches() -> None:
    """Empty this module's in-process caches (tests start from nothing)."""
    _cache.clear()
    _live_cache.clear()
    _standards_with.cache_clear()
