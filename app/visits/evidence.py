"""Survey evidence on a visit record: the school's published indicators per audience, and the
cross-check flags (相互验证) where the checklist says yes and the evidence says otherwise.

Every figure comes from `app.results.reports.school_report`, the same call the school's
indicators API and page make, so the evidence is exactly what staff could see live: suppressed
figures stay suppressed (no value, no interval) and nothing here computes from raw responses.
"""
from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from ..extensions import db
from ..launches.models import Launch, as_utc
from ..organisation.models import School, utcnow
from ..responses.models import Response
from ..results.reports import AUDIENCES, school_report
from ..statistics.indicators import LOWER_IS_BETTER
from .checklists import checklist_items

#: The fields of one indicator kept on the record (the comparisons with zone, county, last year
#: and the trend belong to the results pages, not to a visit).
INDICATOR_FIELDS = ("key", "value", "ci_low", "ci_high", "n", "suppressed", "target", "standard",
                    "verdict")


def live_evidence(school: School, as_of: datetime | None = None) -> list[dict]:
    """For each audience with responses at the school, its latest year's indicators as
    school_report gives them, with the launches behind them; JSON-plain (as stored)."""
    as_of = as_of or utcnow()
    blocks = []
    for audience in AUDIENCES:
        report = school_report(school, None, audience)
        if not report.get("n") or report.get("year") is None:
            continue  # nobody of this audience has answered at this school
        indicators = [{k: item[k] for k in INDICATOR_FIELDS if k in item}
                      for item in report["indicators"]]
        blocks.append({"audience": audience, "year": report["year"], "n": report["n"],
                       "as_of": as_of.isoformat(), "indicators": indicators,
                       "launches": _launches(school, audience, report["year"])})
    # Through the app's JSON encoder and back: the stored copy is byte for byte what the API
    # showed live (no numpy scalars, no tuples), so freezing changes nothing but time.
    return json.loads(current_app.json.dumps(blocks))


def _launches(school: School, audience: str, year: int) -> list[dict]:
    """The launches at the school for this audience opened in `year` that have responses."""
    local = ZoneInfo(current_app.config["TIMEZONE"])
    counted = select(Response.launch_id, func.count().label("n")).group_by(Response.launch_id).subquery()
    rows = db.session.execute(
        select(Launch, counted.c.n).join(counted, counted.c.launch_id == Launch.id)
        .where(Launch.school_id == school.id, Launch.audience == audience)
        .order_by(Launch.opens_at, Launch.id)).all()
    out = []
    for launch, _count in rows:
        opened = as_utc(launch.opens_at).astimezone(local)
        if opened.year != year:
            continue
        closes = launch.closed_at or launch.closes_at
        out.append({"id": launch.id, "survey": launch.survey_version.survey.key,
                    "version": launch.survey_version.version, "title": launch.survey_version.title,
                    "opens_at": opened.date().isoformat(),
                    "closes_at": as_utc(closes).astimezone(local).date().isoformat() if closes else None})
    return out


def target_of(indicator: dict) -> float | None:
    """What an indicator is read against: the county target the report gives, else the
    standard's own threshold (the applicable limit, for homework minutes)."""
    if indicator.get("target") is not None:
        return indicator["target"]
    standard = indicator.get("standard") or {}
    for name in ("applicable_limit", "threshold"):
        if isinstance(standard.get(name), (int, float)) and not isinstance(standard.get(name), bool):
            return float(standard[name])
    return None


def disagrees(indicator: dict) -> bool:
    """True when the indicator is shown and its whole 95% interval is on the wrong side of its
    target (below it; above it for lower-is-better indicators such as homework minutes)."""
    if indicator.get("suppressed") or indicator.get("value") is None:
        return False
    target = target_of(indicator)
    low, high = indicator.get("ci_low"), indicator.get("ci_high")
    if target is None or low is None or high is None:
        return False
    if indicator.get("key") in LOWER_IS_BETTER:
        return low > target
    return high < target


def cross_check(checklist: dict, evidence: list[dict]) -> list[dict]:
    """Flags {"item", "indicator", "audience", "message"} for each item answered true whose
    indicator, in the item's audience's evidence, disagrees with it."""
    from ..i18n import audience_name, format_figure, indicator_name
    by_audience = {block["audience"]: {i["key"]: i for i in block["indicators"]} for block in evidence}
    flags = []
    for item in checklist_items():   # in the file's order, so flags read like the form
        if (checklist or {}).get(item.id) is not True:
            continue
        indicator = by_audience.get(item.audience, {}).get(item.indicator)
        if indicator is None or not disagrees(indicator):
            continue
        key = item.indicator
        message = _("The checklist says “%(item)s”, but the %(audience)s survey shows "
                    "“%(indicator)s” at %(value)s (95%% interval %(low)s–%(high)s), clearly "
                    "short of the target %(target)s.",
                    item=item.label, audience=audience_name(item.audience),
                    indicator=indicator_name(key), value=format_figure(indicator["value"], key),
                    low=format_figure(indicator["ci_low"], key),
                    high=format_figure(indicator["ci_high"], key),
                    target=format_figure(target_of(indicator), key))
        flags.append({"item": item.id, "indicator": key, "audience": item.audience,
                      "message": message})
    return flags
