"""Indicator reports for a school, a zone and the county: JSON-safe dicts for the API and pages.

Every figure comes from the cached county tables (`services.county_results`), so a school page,
its zone page and the county page always agree, and suppression decided there holds everywhere.
"""
from __future__ import annotations

import pandas as pd
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..errors import InvalidInput
from ..extensions import db
from ..organisation.models import School, Zone
from ..statistics import rank_schools, trend, verdicts, year_over_year
from ..statistics.indicators import INSUFFICIENT_DATA, LOWER_IS_BETTER, respondent_values
from ..statistics.jsonsafe import plain, to_float
from .differences import school_differences
from .services import CountyResults, county_results, live_respondents, standards

AUDIENCES = ("parent", "student", "teacher")
_FIGURES = ("value", "ci_low", "ci_high")


def parse_scope_args(args) -> tuple[int | None, str]:
    """?year=2026&audience=parent, checked; 422 naming the bad field."""
    errors = {}
    year = args.get("year")
    if year is not None:
        try:
            year = int(year)
            if not 2000 <= year <= 2100:
                raise ValueError
        except ValueError:
            errors["year"] = _l("Use a four-digit year such as 2026.")
    audience = args.get("audience", "parent")
    if audience not in AUDIENCES:
        errors["audience"] = _l("Audience must be one of: %(a)s.", a=", ".join(AUDIENCES))
    if errors:
        raise InvalidInput(_l("The request is invalid."), errors)
    return year, audience


def _specs(results: CountyResults) -> dict:
    """Indicator key -> the standard it is read against (description for people and the API)."""
    _values, specs = respondent_values(results.schema, standards(), results.items)
    return {key: spec.standard for key, spec in specs.items()}


def _periods(results: CountyResults, live: pd.DataFrame) -> list[int]:
    """Years with figures published or responses stored (a year of unpublished answers only
    is listed too: its n is shown, its figures as hidden)."""
    return sorted(set(results.periods) | {int(p) for p in live["period"]})


def _pick_year(results: CountyResults, year: int | None, live: pd.DataFrame) -> int | None:
    if year is not None:
        return year
    periods = _periods(results, live)
    return periods[-1] if periods else None


def _figure(row) -> dict:
    """One table row -> {value, ci_low, ci_high, n, suppressed}; hidden figures are None."""
    hidden = bool(row["suppressed"])
    out = {name: (None if hidden else to_float(row[name])) for name in _FIGURES}
    out.update(n=int(row["n"]), suppressed=hidden)
    return out


def _indicator_list(rows: pd.DataFrame, specs: dict, with_verdict: bool = True) -> list[dict]:
    """Rows of one group -> indicator dicts in the Summary JSON shape (plus target and verdict)."""
    rows = rows[rows["n"] > 0]
    targets = standards().targets
    if with_verdict and len(rows) and "verdict" not in rows:
        rows = rows.assign(verdict=verdicts(rows, targets))
    return _indicator_items(rows.to_dict("records"), specs, targets, with_verdict)


def _indicator_items(records: list[dict], specs: dict, targets: dict, with_verdict: bool) -> list[dict]:
    """`_indicator_list` over table rows already as dicts (with their verdict when wanted)."""
    result = []
    for row in records:
        item = {"key": row["key"], **_figure(row), "standard": specs.get(row["key"], {})}
        if row["key"] == "homework_minutes_mean" and not row["suppressed"]:
            item["standard"] = {**item["standard"], "applicable_limit": to_float(row["limit"])}
        if with_verdict:
            target = targets.get(row["key"])
            if row["key"] == "homework_minutes_mean" and target is None:
                target = row["limit"]  # the band limit, when every respondent is in one band
            item["target"] = to_float(target)
            # No target (e.g. homework minutes over mixed grade bands): no verdict, not "no data".
            item["verdict"] = row["verdict"] if item["target"] is not None else None
        result.append(item)
    return result


def _respondents(live: pd.DataFrame, year, **where) -> int:
    """Responses behind a scope in a year, published or not (always shown, like the top-level
    n of a summary: a count reveals no answer). `live` is `live_respondents(audience)`."""
    frame = live
    mask = frame["period"] == year
    for column, value in where.items():
        mask &= frame[column] == value
    return int(frame.loc[mask, "n"].sum())


def _launched_keys(live: pd.DataFrame, year, **where) -> set:
    """The indicator keys the launches of a scope in a year can give (published or not)."""
    frame = live
    mask = frame["period"] == year
    for column, value in where.items():
        mask &= frame[column] == value
    return set().union(*frame.loc[mask, "keys"]) if mask.any() else set()


def _live_ids(live: pd.DataFrame, year, column: str, **where) -> set:
    """Schools or zones with responses stored in a year (published or not)."""
    frame = live
    mask = frame["period"] == year
    for name, value in where.items():
        mask &= frame[name] == value
    return {int(v) for v in frame.loc[mask, column].dropna()}


def _with_unpublished(items: list[dict], keys: set, specs: dict, with_verdict: bool = True) -> list[dict]:
    """`items` plus a suppressed entry (n 0: nothing published yet) for each key the scope's
    launches can give but no published figure has: a school with too few answers shows its
    indicators as hidden, not as absent."""
    present = {item["key"] for item in items}
    extra = []
    for key in sorted(keys - present):
        item = {"key": key, "value": None, "ci_low": None, "ci_high": None, "n": 0, "suppressed": True,
                "standard": specs.get(key, {})}
        if with_verdict:
            target = to_float(standards().targets.get(key))
            item.update(target=target, verdict=None if target is None else INSUFFICIENT_DATA)
        extra.append(item)
    return items + extra


def _empty(scope: dict, year, audience) -> dict:
    """The report of a scope nobody of this audience has answered yet."""
    return {"scope": scope, "year": year, "years": [], "audience": audience, "n": 0,
            "indicators": [], "zones": [], "schools": [], "differences": {}}


def county_report(year: int | None, audience: str) -> dict:
    """The county's indicators in a year, with every zone and school side by side."""
    results = county_results(audience)
    live = live_respondents(audience)
    if not _periods(results, live):
        return _empty({"type": "county"}, year, audience)
    year = _pick_year(results, year, live)
    specs = _specs(results)
    zones = {z.id: z for z in db.session.scalars(select(Zone))}
    schools = {s.id: s for s in db.session.scalars(select(School))}
    county = results.county[results.county["period"] == year] if year else results.county.iloc[:0]
    zone_rows = results.zones[results.zones["period"] == year] if year else results.zones.iloc[:0]
    return {
        "scope": {"type": "county"}, "year": year, "years": _periods(results, live), "audience": audience,
        "n": _respondents(live, year),
        "indicators": _with_unpublished(_indicator_list(county, specs), _launched_keys(live, year), specs),
        "zones": [{"code": zones[zid].code, "name": zones[zid].name,
                   "n": _respondents(live, year, zone_id=zid),
                   "indicators": _with_unpublished(_indicator_list(zone_rows[zone_rows["zone_id"] == zid], specs),
                                                   _launched_keys(live, year, zone_id=zid), specs)}
                  for zid in sorted(set(zone_rows["zone_id"]) | _live_ids(live, year, "zone_id"))
                  if zid in zones],
        "schools": _school_rows(results, year, specs, schools, zone_id=None),
    }


def zone_report(zone: Zone, year: int | None, audience: str) -> dict:
    """A zone's indicators and its schools side by side, ranked with intervals."""
    results = county_results(audience)
    live = live_respondents(audience)
    if not _periods(results, live):
        return _empty({"type": "zone", "code": zone.code, "name": zone.name}, year, audience)
    year = _pick_year(results, year, live)
    specs = _specs(results)
    rows = results.zones[(results.zones["period"] == year) & (results.zones["zone_id"] == zone.id)]
    schools = {s.id: s for s in zone.schools}
    return {"scope": {"type": "zone", "code": zone.code, "name": zone.name}, "year": year,
            "years": _periods(results, live), "audience": audience,
            "n": _respondents(live, year, zone_id=zone.id),
            "indicators": _with_unpublished(_indicator_list(rows, specs),
                                            _launched_keys(live, year, zone_id=zone.id), specs),
            "schools": _school_rows(results, year, specs, schools, zone_id=zone.id),
            "differences": school_differences(results, zone.id, year)}


def _school_rows(results, year, specs, schools: dict, zone_id) -> list[dict]:
    """Every school's indicators with its rank in its zone and its tie group (overlapping CIs)."""
    live = live_respondents(results.audience)
    live = live[live["period"] == year]
    if zone_id is not None:
        live = live[live["zone_id"] == zone_id]
    # One row per school and year: its stored responses and the keys its launches can give.
    stored = {int(school_id): (int(n), keys) for school_id, n, keys in zip(live["school_id"], live["n"], live["keys"])}
    table = results.schools[results.schools["period"] == year]
    if zone_id is not None:
        table = table[table["zone_id"] == zone_id]
    table = table[table["n"] > 0]
    if len(table):
        # Verdicts for the whole table at once, not school by school.
        table = table.assign(verdict=verdicts(table, standards().targets))
    ranks = {}
    for key in table["key"].unique():
        if key == "satisfaction_alpha":
            continue
        ranked = rank_schools(table, key, within="zone_id")
        for school_id, rank, tie in zip(ranked["school_id"], ranked["rank"], ranked["tie_group"]):
            ranks[(school_id, key)] = (plain(rank) if pd.notna(rank) else None,
                                       plain(tie) if pd.notna(tie) else None)
    targets = standards().targets
    by_school: dict = {}
    for row in table.to_dict("records"):   # one conversion, then school by school in table order
        by_school.setdefault(row["school_id"], []).append(row)
    out = []
    for school_id in sorted(set(by_school) | set(stored)):
        school = schools.get(school_id)
        if school is None:
            continue
        n, keys = stored.get(school_id, (0, set()))
        indicators = _with_unpublished(_indicator_items(by_school.get(school_id, []), specs, targets, True),
                                       keys, specs)
        for item in indicators:
            item["rank"], item["tie_group"] = ranks.get((school_id, item["key"]), (None, None))
        out.append({"code": school.code, "name": school.name, "zone": school.zone.code,
                    "n": n, "indicators": indicators})
    return out


def school_report(school: School, year: int | None, audience: str) -> dict:
    """A school against the standards, its zone and the county, last year, and over time."""
    results = county_results(audience)
    live = live_respondents(audience)
    scope = {"type": "school", "code": school.code, "name": school.name,
             "zone": school.zone.code, "stage": school.stage}
    if not results.periods:   # nothing published anywhere yet: counts and hidden entries only
        report = {k: v for k, v in _empty(scope, year, audience).items() if k not in ("zones", "schools", "differences")}
        year = _pick_year(results, year, live)
        return {**report, "year": year, "years": _periods(results, live),
                "n": _respondents(live, year, school_id=school.id),
                "indicators": _with_unpublished([], _launched_keys(live, year, school_id=school.id), {})}
    year = _pick_year(results, year, live)
    specs = _specs(results)
    size = current_app.config["MIN_GROUP_SIZE"]
    mine = results.schools[results.schools["school_id"] == school.id]
    now = mine[mine["period"] == year]
    zone = results.zones[(results.zones["zone_id"] == school.zone_id) & (results.zones["period"] == year)]
    county = results.county[results.county["period"] == year]
    zone_by_key = {r["key"]: _figure(r) for _, r in zone.iterrows() if r["n"] > 0}
    county_by_key = {r["key"]: _figure(r) for _, r in county.iterrows() if r["n"] > 0}
    changes = {}
    if year is not None and (year - 1) in results.periods and len(mine):
        change = year_over_year(mine.drop(columns=["zone_id", "school_id"]), year, year - 1)
        for _, row in change.iterrows():
            if not row["n_previous"] or not row["n"]:
                continue  # nothing to compare with: no data that year
            hidden = bool(row["suppressed"])
            changes[row["key"]] = {
                "year": year - 1, "value": None if hidden else to_float(row["value_previous"]),
                "n": int(row["n_previous"]),
                **{k: (None if hidden else to_float(row[k]))
                   for k in ("difference", "ci_low", "ci_high", "p_value")},
                "suppressed": hidden}
    measures = results.measures_of(school_id=school.id)
    values, value_specs = respondent_values(measures, standards(), results.items)
    indicators = _with_unpublished(_indicator_list(now, specs), _launched_keys(live, year, school_id=school.id),
                                   specs)
    for item in indicators:
        key = item["key"]
        item["zone"] = zone_by_key.get(key)
        item["county"] = county_by_key.get(key)
        item["previous"] = changes.get(key)
        if key in values:
            series = trend(values[key], measures["period"], value_specs[key].kind, min_group_size=size)
            # A year hidden in the school table (e.g. as a complementary partner) stays hidden here.
            hidden_years = set(mine.loc[(mine["key"] == key) & mine["suppressed"].astype(bool), "period"])
            for point in series["periods"]:
                if point["period"] in hidden_years:
                    point.update(value=None, ci_low=None, ci_high=None, suppressed=True)
            if any(p["suppressed"] for p in series["periods"]):
                # A slope over a hidden period would let its value be worked out: leave it out.
                series.update(slope=None, statistic=None, p_value=None, test=None)
            item["trend"] = series
    return {"scope": {"type": "school", "code": school.code, "name": school.name,
                      "zone": school.zone.code, "stage": school.stage},
            "year": year, "years": _periods(results, live), "audience": audience,
            "n": _respondents(live, year, school_id=school.id), "indicators": indicators}
