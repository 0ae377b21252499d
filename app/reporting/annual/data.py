"""The annual report's model: one dict of published figures that the PDF, XLSX and CSV all render.

Every figure comes from app/results/reports.py (county_report, zone_report, school_report) and
the county tables of app/results/services.py, so the report reads exactly as the staff pages and
the statistics API do, and a figure suppressed there is None here (no value, no interval).
"""
from __future__ import annotations

from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ...definitions.model import pick
from ...errors import InvalidInput, NotFound
from ...extensions import db
from ...i18n import format_figure, indicator_name, stage_name
from ...launches.models import Launch
from ...organisation.models import School, Zone
from ...responses.models import Response
from ...results.reports import AUDIENCES, county_report, school_report, zone_report
from ...results.services import county_results, launch_summary
from ...statistics import year_over_year
from ...surveys.registry import definition_of
from ...statistics.indicators import DOES_NOT_MEET, LOWER_IS_BETTER

#: The report templates, layout and rules, reviewed like code (top-level reports/).
REPORTS_ROOT = Path(__file__).resolve().parents[3] / "reports"
#: A change counts as significant below this two-sided p-value.
SIGNIFICANCE = 0.05
FORMATS = ("pdf", "xlsx", "csv")


@lru_cache(maxsize=1)
def layout() -> dict:
    """reports/annual/layout.yaml: topics, their indicators and problem categories, workbook columns."""
    with open(REPORTS_ROOT / "annual" / "layout.yaml", encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def is_proportion(key: str) -> bool:
    """Whether an indicator is a share (shown as a percentage, stored as a fraction)."""
    return key.endswith("_compliance")


def resolve_scope(scope) -> dict:
    """{"kind": "county"} | {"kind": "zone"|"school", "code": C} -> the kind with its Zone/School."""
    if not isinstance(scope, dict) or scope.get("kind") not in ("county", "zone", "school"):
        raise InvalidInput(_l("The request is invalid."),
                           {"scope": _l("Scope must be the county, a zone or a school.")})
    kind = scope["kind"]
    if kind == "county":
        return {"kind": kind, "zone": None, "school": None}
    code = scope.get("code")
    if not isinstance(code, str) or not code:
        raise InvalidInput(_l("The request is invalid."), {"scope": _l("Give the zone or school code.")})
    if kind == "zone":
        zone = db.session.scalar(select(Zone).where(Zone.code == code))
        if zone is None:
            raise NotFound(_l("No zone with code %(code)s.", code=code))
        return {"kind": kind, "zone": zone, "school": None}
    school = db.session.scalar(select(School).where(School.code == code))
    if school is None:
        raise NotFound(_l("No school with code %(code)s.", code=code))
    return {"kind": kind, "zone": school.zone, "school": school}


def check_request(year, audience: str, fmt: str | None = None) -> None:
    """422 naming the bad field for a year outside 2000-2100, an unknown audience or format."""
    errors = {}
    if isinstance(year, bool) or not isinstance(year, int) or not 2000 <= year <= 2100:
        errors["year"] = _l("Use a four-digit year such as 2026.")
    if audience not in AUDIENCES:
        errors["audience"] = _l("Audience must be one of: %(a)s.", a=", ".join(AUDIENCES))
    if fmt is not None and fmt not in FORMATS:
        errors["format"] = _l("Format must be one of: %(a)s.", a=", ".join(FORMATS))
    if errors:
        raise InvalidInput(_l("The request is invalid."), errors)


def data_as_of(audience: str) -> datetime:
    """The submission hour of the newest response the county tables count (stable for the same data)."""
    upto = county_results(audience).upto
    moment = db.session.scalar(select(Response.submitted_hour).where(Response.id == upto)) if upto else None
    if moment is None:
        return datetime(2000, 1, 1, tzinfo=timezone.utc)
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def place_name() -> str:
    """The county's name for titles and file names (COUNTY_NAME, else 本县)."""
    return current_app.config.get("COUNTY_NAME") or "本县"


# ---------------------------------------------------------------- figures
def figure(item: dict | None) -> dict | None:
    """An indicator entry of a report -> the figure the templates show (text already formatted)."""
    if item is None:
        return None
    key = item["key"]
    hidden = bool(item.get("suppressed")) or item.get("value") is None
    out = {"key": key, "name": indicator_name(key), "proportion": is_proportion(key),
           "n": int(item.get("n") or 0), "suppressed": hidden,
           "value": None if hidden else item["value"],
           "ci_low": None if hidden else item.get("ci_low"),
           "ci_high": None if hidden else item.get("ci_high"),
           "target": item.get("target"), "verdict": None if hidden else item.get("verdict")}
    out["text"] = "" if hidden else format_figure(out["value"], key)
    out["interval"] = ("" if hidden or out["ci_low"] is None or out["ci_high"] is None else
                       f"{format_figure(out['ci_low'], key)}～{format_figure(out['ci_high'], key)}")
    out["target_text"] = format_figure(out["target"], key) if out["target"] is not None else ""
    return out


def change_words(key: str, difference: float | None, p_value: float | None) -> str:
    """A change for a non-statistician: 比上年提高5.2个百分点，差异显著 / 差异不显著."""
    if difference is None:
        return ""
    if is_proportion(key):
        size, unit = abs(difference) * 100, "个百分点"
    else:
        size, unit = abs(difference), ("分钟" if key == "homework_minutes_mean" else "分")
    if round(size, 1) == 0:
        direction = "与上年持平"
        amount = ""
    else:
        direction = "比上年提高" if difference > 0 else "比上年降低"
        amount = f"{size:.1f}{unit}"
    significant = p_value is not None and p_value < SIGNIFICANCE
    return f"{direction}{amount}，差异{'显著' if significant else '不显著'}"


def _change(key: str, row: dict | None) -> dict | None:
    """A year-over-year row (shown figures only) -> {previous, difference, p_value, words, better}."""
    if row is None or row.get("suppressed") or row.get("difference") is None:
        return None
    difference, p_value = row["difference"], row.get("p_value")
    significant = p_value is not None and p_value < SIGNIFICANCE
    better = difference < 0 if key in LOWER_IS_BETTER else difference > 0
    return {"previous": row.get("value"), "previous_text": format_figure(row.get("value"), key),
            "difference": difference, "p_value": p_value, "significant": significant,
            "better": better, "words": change_words(key, difference, p_value)}


def _table_changes(table, year: int) -> dict:
    """Indicator key -> change since last year, from one group's county table rows."""
    if year - 1 not in set(table["period"]) or year not in set(table["period"]):
        return {}
    change = year_over_year(table, year, year - 1)
    out = {}
    for row in change.to_dict("records"):
        if not row["n"] or not row["n_previous"]:
            continue
        out[row["key"]] = _change(row["key"], {**row, "value": row["value_previous"]})
    return out


def scope_changes(resolved: dict, year: int, audience: str) -> dict:
    """Change since last year of the scope's own indicators (county or zone tables)."""
    results = county_results(audience)
    if resolved["kind"] == "county":
        return _table_changes(results.county, year)
    table = results.zones[results.zones["zone_id"] == resolved["zone"].id].drop(columns=["zone_id"])
    return _table_changes(table, year)


# ---------------------------------------------------------------- the model
def annual_model(scope: dict, year: int, audience: str, progress, *, distributions: bool = False) -> dict:
    """Everything the annual report shows for a scope, year and audience, published figures only
    (with each launch's answer distributions when `distributions`, for the workbook)."""
    check_request(year, audience)
    resolved = resolve_scope(scope)
    kind, zone, school = resolved["kind"], resolved["zone"], resolved["school"]
    progress(0.05, "读取全县指标")
    county = county_report(year, audience)
    county_previous = county_report(year - 1, audience)
    progress(0.25, "读取范围内指标")
    if kind == "county":
        own = county
        previous = county_previous
        changes = scope_changes(resolved, year, audience)
        scope_name = place_name()
    elif kind == "zone":
        own = zone_report(zone, year, audience)
        previous = zone_report(zone, year - 1, audience)
        changes = scope_changes(resolved, year, audience)
        scope_name = zone.name
    else:
        own = school_report(school, year, audience)
        previous = None
        changes = {item["key"]: _change(item["key"], item.get("previous")) for item in own["indicators"]}
        scope_name = school.name
    zone_figures = {}
    if kind == "school":
        zone_figures = {i["key"]: figure({**i["zone"], "key": i["key"], "target": i.get("target")})
                        if i.get("zone") else None for i in own["indicators"]}
    elif kind == "zone":
        zone_figures = {i["key"]: figure(i) for i in own["indicators"]}
    county_figures = {i["key"]: figure(i) for i in county["indicators"]}

    indicators = []
    for item in own["indicators"]:
        if item["key"] == "satisfaction_alpha":
            continue   # a property of the questionnaire, reported in the method section
        fig = figure(item)
        fig["change"] = changes.get(item["key"])
        fig["zone"] = zone_figures.get(item["key"]) if kind != "zone" else None
        fig["county"] = county_figures.get(item["key"]) if kind != "county" else None
        indicators.append(fig)
    by_key = {f["key"]: f for f in indicators}
    progress(0.4, "整理学校数据")
    schools = _school_rows(own, previous, kind, school)
    zones = _zone_rows(county) if kind == "county" else []
    school_ids = _scope_school_ids(kind, zone, school)
    rectification = rectification_summary(school_ids, year)
    complaints = complaints_summary(zone, school, year)
    progress(0.5, "整理专题")
    topics = _topics(by_key, schools, zones, rectification, kind)
    model = {
        "kind": kind, "scope_name": scope_name, "place_name": place_name(),
        "office_name": current_app.config.get("OFFICE_NAME") or "",
        "zone_name": zone.name if zone is not None else None,
        "school": ({"code": school.code, "name": school.name, "stage": stage_name(school.stage),
                    "zone": school.zone.name} if school is not None else None),
        "year": year, "audience": audience, "audience_label": layout()["audiences"][audience],
        "data_as_of": data_as_of(audience),
        "n": int(own.get("n") or 0),
        "alpha": figure(next((i for i in own["indicators"] if i["key"] == "satisfaction_alpha"), None)),
        "indicators": indicators, "topics": topics, "schools": schools, "zones": zones,
        "surveys": surveys_run(school_ids, year, audience),
        "rectification": rectification,
        "complaints": complaints,
        "min_group_size": current_app.config["MIN_GROUP_SIZE"],
        "suppressed_note": layout()["workbook"]["suppressed_note"],
    }
    if distributions:
        progress(0.5, "读取各次调查的答题分布")
        model["distributions"] = answer_distributions(school_ids, year, audience)
    model["attention"] = schools_needing_attention(schools) if kind != "school" else []
    from .recommendations import recommendations
    model["recommendations"] = recommendations(model)
    model["findings"] = key_findings(model)
    return model


def _school_rows(own: dict, previous: dict | None, kind: str, school: School | None) -> list[dict]:
    """A row per school in scope: n, enrolment, response rate, its figures and last year's."""
    if kind == "school":
        rows = [{"code": school.code, "name": school.name, "zone": school.zone.code, "n": own.get("n", 0),
                 "indicators": own["indicators"]}]
        last = {(school.code, i["key"]): (i.get("previous") or {}).get("value") for i in own["indicators"]}
    else:
        rows = own.get("schools", [])
        last = {(s["code"], i["key"]): (None if i.get("suppressed") else i.get("value"))
                for s in (previous or {}).get("schools", []) for i in s["indicators"]}
    by_code = {s.code: s for s in db.session.scalars(select(School).where(School.code.in_([r["code"] for r in rows])))}
    zone_names = {z.code: z.name for z in db.session.scalars(select(Zone))}
    out = []
    for row in rows:
        enrolment = getattr(by_code.get(row["code"]), "enrolment", None)
        figures = {}
        for item in row["indicators"]:
            if item["key"] == "satisfaction_alpha":
                continue
            fig = figure(item)
            fig["previous"] = last.get((row["code"], item["key"]))
            fig["previous_text"] = format_figure(fig["previous"], item["key"])
            figures[item["key"]] = fig
        n = int(row.get("n") or 0)
        out.append({"code": row["code"], "name": row["name"], "zone": row["zone"],
                    "zone_name": zone_names.get(row["zone"], row["zone"]), "n": n, "enrolment": enrolment,
                    "rate": (n / enrolment) if enrolment else None, "indicators": figures})
    return sorted(out, key=lambda r: (r["zone"], r["code"]))


def _zone_rows(county: dict) -> list[dict]:
    """A row per zone of the county report with its figures."""
    return [{"code": z["code"], "name": z["name"], "n": z["n"],
             "indicators": {i["key"]: figure(i) for i in z["indicators"] if i["key"] != "satisfaction_alpha"}}
            for z in county.get("zones", [])]


def _scope_school_ids(kind: str, zone: Zone | None, school: School | None) -> list[int]:
    """Ids of the schools the report covers."""
    if kind == "school":
        return [school.id]
    query = select(School.id)
    if kind == "zone":
        query = query.where(School.zone_id == zone.id)
    return list(db.session.scalars(query))


def _topics(by_key: dict, schools: list[dict], zones: list[dict], rectification: dict, kind: str) -> list[dict]:
    """The topic sections in layout order, those with any responses behind an indicator."""
    out = []
    for topic in layout()["topics"]:
        keys = [k for k in topic["indicators"] if k in by_key]
        base = topic.get("dimensions_of")
        if base:
            keys += sorted(k for k in by_key if k.startswith(base + "."))
        figures = [by_key[k] for k in keys if by_key[k]["n"] > 0]
        if not figures:
            continue
        short_zones = {k: [z for z in zones if (z["indicators"].get(k) or {}).get("verdict") == DOES_NOT_MEET]
                       for k in keys}
        short_schools = {k: [s for s in schools if (s["indicators"].get(k) or {}).get("verdict") == DOES_NOT_MEET]
                         for k in keys} if kind != "school" else {}
        work = {name: sum(rectification["by_category"].get(c, {}).get(name, 0) for c in topic["problem_categories"])
                for name in ("raised", "closed", "open", "escalated")}
        out.append({"key": topic["key"], "label": topic["label"], "figures": figures,
                    "short_zones": short_zones, "short_schools": short_schools,
                    "rectification": work if any(work.values()) else None})
    return out


def schools_needing_attention(schools: list[dict]) -> list[dict]:
    """Schools with a shown figure below target, most shortfalls first."""
    out = []
    for row in schools:
        short = [f for f in row["indicators"].values() if f["verdict"] == DOES_NOT_MEET]
        if short:
            out.append({"code": row["code"], "name": row["name"], "zone_name": row["zone_name"],
                        "short": short})
    return sorted(out, key=lambda r: (-len(r["short"]), r["code"]))


# ---------------------------------------------------------------- method and rectification
def _year_bounds(year: int) -> tuple[datetime, datetime]:
    """The local calendar year as UTC instants [start, end)."""
    local = ZoneInfo(current_app.config["TIMEZONE"])
    start = datetime(year, 1, 1, tzinfo=local).astimezone(timezone.utc)
    end = datetime(year + 1, 1, 1, tzinfo=local).astimezone(timezone.utc)
    return start, end


def _utc(moment: datetime | None) -> datetime | None:
    """A stored time as aware UTC (SQLite hands them back naive)."""
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def surveys_run(school_ids: list[int], year: int, audience: str) -> list[dict]:
    """The surveys launched in scope for the audience in the year: title, launches, first and last day."""
    start, end = _year_bounds(year)
    launches = db.session.scalars(select(Launch).where(Launch.school_id.in_(school_ids),
                                                       Launch.audience == audience)).all()
    local = ZoneInfo(current_app.config["TIMEZONE"])
    grouped: dict = {}
    for launch in launches:
        opened = _utc(launch.opens_at)
        if not start <= opened < end:
            continue
        title = launch.survey_version.title
        entry = grouped.setdefault(title, {"title": title, "launches": 0, "schools": set(), "first": opened,
                                           "last": _utc(launch.closes_at) or opened})
        entry["launches"] += 1
        entry["schools"].add(launch.school_id)
        entry["first"] = min(entry["first"], opened)
        entry["last"] = max(entry["last"], _utc(launch.closes_at) or opened)
    return [{"title": e["title"], "launches": e["launches"], "schools": len(e["schools"]),
             "period": f"{e['first'].astimezone(local):%Y年%m月%d日}至{e['last'].astimezone(local):%Y年%m月%d日}"}
            for e in sorted(grouped.values(), key=lambda e: e["title"])]


def rectification_summary(school_ids: list[int], year: int) -> dict:
    """Problems raised, closed, escalated in the year and still open at its end, by category."""
    from ...visits.models import Problem

    start, end = _year_bounds(year)
    cut = min(end, datetime.now(timezone.utc))
    rows = db.session.execute(select(Problem.category, Problem.created_at, Problem.closed_at,
                                     Problem.escalated_at)
                              .where(Problem.school_id.in_(school_ids), Problem.created_at < end)).all()
    by_category: dict = {}
    for category, created, closed, escalated in rows:
        created, closed, escalated = _utc(created), _utc(closed), _utc(escalated)
        counts = by_category.setdefault(category, {"raised": 0, "closed": 0, "open": 0, "escalated": 0})
        counts["raised"] += start <= created < end
        counts["closed"] += closed is not None and start <= closed < end
        counts["open"] += closed is None or closed >= cut
        counts["escalated"] += escalated is not None and start <= escalated < end
    totals = {name: sum(c[name] for c in by_category.values()) for name in ("raised", "closed", "open", "escalated")}
    return {"by_category": by_category, "totals": totals, "any": bool(rows)}


def complaints_summary(zone: Zone | None, school: School | None, year: int) -> dict:
    """Anonymous reports received in scope in the year, as labelled counts (never their texts)."""
    from ...plaque.services import complaint_counts

    start, end = _year_bounds(year)
    counts = complaint_counts(zone_id=zone.id if zone is not None and school is None else None,
                              school_id=school.id if school is not None else None,
                              start=start, end=end)
    labels = layout()

    def rows(group: str, names: dict) -> list[tuple[str, int]]:
        return [(label, counts[group].get(key, 0)) for key, label in names.items()
                if counts[group].get(key, 0)]
    return {"total": counts["total"], "substantiated": counts["substantiated"],
            "problems_raised": counts["problems_raised"],
            "by_kind": rows("by_kind", labels["complaint_kinds"]),
            "by_category": rows("by_category", labels["complaint_categories"]),
            "by_outcome": rows("by_outcome", labels["complaint_outcomes"])}


def key_findings(model: dict) -> list[str]:
    """The one-page summary: respondents, each topic's headline figure and change, shortfalls."""
    lines = [f"{model['year']}年共收到{model['scope_name']}{model['audience_label']}有效问卷{model['n']}份。"]
    for topic in model["topics"]:
        for fig in topic["figures"]:
            if "." in fig["key"]:
                continue   # dimension indices stay in their topic section
            if fig["suppressed"]:
                lines.append(f"{topic['label']}：{fig['name']}样本不足，不予公布。")
                continue
            text = f"{topic['label']}：{fig['name']}为{fig['text']}"
            if fig["target_text"]:
                text += "，达到目标" if fig["verdict"] != DOES_NOT_MEET else f"，低于目标{fig['target_text']}"
            if fig["change"]:
                text += "，" + fig["change"]["words"]
            lines.append(text + "。")
    if model["kind"] != "school" and model["attention"]:
        lines.append(f"有{len(model['attention'])}所学校至少一项指标未达目标，见“需要关注的学校”。")
    totals = model["rectification"]["totals"]
    if model["rectification"]["any"]:
        lines.append(f"全年督导发现整改问题{totals['raised']}个，销号{totals['closed']}个，"
                     f"年底仍未销号{totals['open']}个，上报督导室{totals['escalated']}个。")
    complaints = model["complaints"]
    if complaints["total"]:
        lines.append(f"全年通过学校挂牌二维码收到群众反映{complaints['total']}件，经核实属实"
                     f"{complaints['substantiated']}件，转为整改问题{complaints['problems_raised']}个。")
    return lines



def question_rows(definition, summary: dict) -> list[dict]:
    """A launch summary's questions with labels and, where published, the distribution or mean;
    free text as a count of respondents only."""
    questions = {q.id: q for q in definition.questions}
    out = []
    for entry in summary["questions"]:
        if entry is None:
            continue
        question = questions[entry["id"]]
        row = {"id": entry["id"], "type": entry["type"], "label": pick(question.label, "zh"), "n": entry["n"],
               "suppressed": entry["suppressed"], "options": [], "mean": None}
        if not entry["suppressed"] and entry.get("counts"):
            row["options"] = [{"value": o.value, "label": pick(o.label, "zh"), "count": entry["counts"].get(o.value, 0),
                               "percent": entry["percentages"].get(o.value)} for o in question.options]
        elif not entry["suppressed"] and entry["type"] in ("number", "time") and entry.get("mean") is not None:
            row["mean"] = entry["mean"] if entry["type"] == "time" else f"{entry['mean']:.1f}"
        out.append(row)
    return out


def answer_distributions(school_ids: list[int], year: int, audience: str) -> dict:
    """Topic key -> each launch's published answer distributions in scope and year (launch_summary);
    {"too_many": count} past ANNUAL_DISTRIBUTIONS_MAX_LAUNCHES launches."""
    start, end = _year_bounds(year)
    topic_of = {survey: t["key"] for t in layout()["topics"] for survey in t.get("survey_topics", [])}
    zones = {z.id: z.name for z in db.session.scalars(select(Zone))}
    launches = db.session.scalars(select(Launch).where(Launch.school_id.in_(school_ids), Launch.audience == audience)
                                  .order_by(Launch.school_id, Launch.id)).all()
    launches = [launch for launch in launches if start <= _utc(launch.opens_at) < end]
    if len(launches) > current_app.config.get("ANNUAL_DISTRIBUTIONS_MAX_LAUNCHES", 300):
        return {"too_many": len(launches)}
    out: dict = {}
    for launch in launches:
        definition = definition_of(launch.survey_version)
        summary = launch_summary(launch)
        out.setdefault(topic_of.get(definition.topic, "other"), []).append({
            "launch": launch.id, "school": launch.school.name, "code": launch.school.code,
            "zone": zones.get(launch.school.zone_id, ""), "survey": launch.survey_version.title,
            "n": summary["n"], "questions": question_rows(definition, summary)})
    return out
