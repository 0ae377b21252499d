"""Problems and rectification (整改): raising, follow-ups (回访), escalation (重点问题), closing (销号).

Every write of a problem happens here, each with its history event and its audit entry in the
same transaction. Escalation by deadline is evaluated whenever problems are read (no cron): the
first read after the grace period persists it with a history event by "system".
"""
from __future__ import annotations

import math
import re
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..audit import record, snapshot
from ..errors import Conflict, Forbidden, InvalidInput, NotFound
from ..extensions import db
from ..organisation.models import School, User, Zone, utcnow
from ..organisation.services import can_see_school, visible_zones
from .models import PROBLEM_CATEGORIES, PROBLEM_STATUSES, FollowUp, Problem, ProblemEvent, Visit

#: Fields whose before/after the audit trail keeps for a problem.
AUDIT_FIELDS = ("status", "category", "description", "requirement", "deadline", "immediate",
                "indicator", "audience", "escalated", "escalation_reason", "needs_departments")
#: Audiences in the order a baseline is looked for when none is named.
AUDIENCES = ("parent", "student", "teacher")
#: Longest description, requirement or note accepted (a page of text).
MAX_TEXT = 4000
SYSTEM = "system"
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


# --- time -----------------------------------------------------------------------------------

def local_zone() -> ZoneInfo:
    """The county's time zone (config TIMEZONE)."""
    return ZoneInfo(current_app.config["TIMEZONE"])


def local_today() -> date:
    """Today in the county; config DUDAO_TODAY (a date) overrides it so tests can move time."""
    fixed = current_app.config.get("DUDAO_TODAY")
    if fixed is not None:
        return fixed() if callable(fixed) else fixed
    return datetime.now(local_zone()).date()


def local_date(moment: datetime | None) -> date | None:
    """The county-local calendar date of a stored moment (naive moments are UTC, as SQLite keeps them)."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(local_zone()).date()


def start_of_local_day(day: date) -> datetime:
    """The UTC moment a county-local day begins."""
    return datetime.combine(day, time(0), tzinfo=local_zone()).astimezone(timezone.utc)


def parse_date(value, field: str) -> date:
    """A YYYY-MM-DD text (or a date) → date; InvalidInput naming `field` otherwise."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and _DATE.match(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise InvalidInput(_l("Some fields are invalid."), {field: _l("Use a date such as 2026-03-31.")})


# --- access ---------------------------------------------------------------------------------

def check_can_read(user: User, school: School) -> None:
    """403 unless the user may see the school (supervisors: their zones)."""
    if not can_see_school(user, school):
        raise Forbidden(_l("You do not have permission to do this."))


def check_can_write(user: User, school: School) -> None:
    """403 unless the user may change problems at the school (admins; supervisors of its zone)."""
    if not (user.role == "admin" or (user.role == "supervisor" and school.zone in user.zones)):
        raise Forbidden(_l("You do not have permission to do this."))


def get_problem(problem_id: int, user: User) -> Problem:
    """A problem the user may see, its time-based escalation brought up to date (404/403)."""
    problem = db.session.get(Problem, problem_id)
    if problem is None:
        raise NotFound(_l("Not found."))
    check_can_read(user, problem.school)
    refresh_escalations([problem])
    return problem


# --- validation -----------------------------------------------------------------------------

def _text(value, field: str, errors: dict, *, required: bool = False) -> str | None:
    """A stripped text field of at most MAX_TEXT characters (None when empty and optional)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors[field] = _l("This field is required.")
        return None
    if not isinstance(value, str):
        errors[field] = _l("Must be text.")
        return None
    value = value.strip()
    if len(value) > MAX_TEXT:
        errors[field] = _l("At most %(n)d characters.", n=MAX_TEXT)
        return None
    return value


def known_indicators() -> set[str]:
    """Indicator keys a problem may concern: every standard's key and the two means."""
    from ..results.services import standards
    from ..statistics.indicators import HOMEWORK_MEAN, SATISFACTION_INDEX
    return set(standards().rules) | {HOMEWORK_MEAN, SATISFACTION_INDEX}


def is_known_indicator(key: str) -> bool:
    """A standard's key, a mean, or a satisfaction dimension index (satisfaction_index.teaching)."""
    from ..statistics.indicators import SATISFACTION_INDEX
    base, dot, dimension = key.partition(".")
    return key in known_indicators() or (base == SATISFACTION_INDEX and bool(dot)
                                         and re.fullmatch(r"[a-z_]{1,40}", dimension) is not None)


def parse_deadline(value, today: date) -> tuple[date | None, bool, str | None]:
    """(deadline date, immediate, error): "immediate" (立行立改) is due the day it is raised."""
    if value == "immediate":
        return today, True, None
    if isinstance(value, date) and not isinstance(value, datetime):
        return value, False, None
    if isinstance(value, str) and _DATE.match(value):
        try:
            return date.fromisoformat(value), False, None
        except ValueError:
            pass
    return None, False, _l("Use a date such as 2026-03-31, or \"immediate\".")


# --- baseline and comparison ----------------------------------------------------------------

def _figure_of(indicators: list[dict], key: str) -> dict | None:
    """The indicator entry with this key, if any."""
    return next((item for item in indicators if item.get("key") == key), None)


def baseline_for(school: School, indicator: str, audience: str | None, visit: Visit | None) -> dict | None:
    """The indicator as it stood: from the visit's frozen evidence when the visit is submitted,
    else the live school report (either way exactly as published: suppressed stays suppressed)."""
    from ..results.reports import school_report
    audiences = [audience] if audience else list(AUDIENCES)
    if visit is not None and visit.status == "submitted" and visit.evidence is not None:
        for block in visit.evidence:
            if block.get("audience") in audiences:
                item = _figure_of(block.get("indicators") or [], indicator)
                if item is not None:
                    return _baseline(block["audience"], block.get("year"), block.get("as_of"), item)
        return None
    for name in audiences:
        report = school_report(school, None, name)
        item = _figure_of(report.get("indicators") or [], indicator)
        if item is not None:
            return _baseline(name, report.get("year"), utcnow().isoformat(), item)
    return None


def _baseline(audience, year, as_of, item: dict) -> dict:
    """The stored "before": only what the page showed (no figure when it was suppressed)."""
    hidden = bool(item.get("suppressed"))
    return {"audience": audience, "year": year, "as_of": as_of, "n": int(item.get("n") or 0),
            "suppressed": hidden,
            **{k: (None if hidden else item.get(k)) for k in ("value", "ci_low", "ci_high")}}


def _kind_of(key: str) -> str:
    """proportion or mean: the two means are the homework minutes and the satisfaction index."""
    from ..statistics.indicators import HOMEWORK_MEAN, SATISFACTION_INDEX
    return "mean" if key == HOMEWORK_MEAN or key.partition(".")[0] == SATISFACTION_INDEX else "proportion"


def _sd_from_interval(low: float, high: float, n: int) -> float | None:
    """The sd behind a published t interval (statistics.intervals.t_interval, inverted): the
    frozen evidence keeps the interval, and Welch's test needs the spread."""
    from scipy import stats
    if n < 2 or low is None or high is None:
        return None
    return (high - low) / 2 / stats.t.ppf(0.975, n - 1) * math.sqrt(n)


def comparison(problem: Problem) -> dict | None:
    """Before (the baseline) and after (the school's figure in the latest year since) with the
    difference, its 95% interval and significance; no figure at all when either side is hidden."""
    if not problem.indicator or not problem.baseline:
        return None
    from ..results.services import county_results
    from ..statistics.compare import difference_in_means, difference_in_proportions
    from ..statistics.indicators import LOWER_IS_BETTER
    before = dict(problem.baseline)
    key, audience = problem.indicator, before.get("audience") or problem.audience or "parent"
    result = {"indicator": key, "audience": audience, "before": before, "after": None,
              "difference": None, "ci_low": None, "ci_high": None, "p_value": None,
              "significant": None, "improved": None, "suppressed": bool(before.get("suppressed"))}
    from ..results.reports import school_report
    # The latest year after the baseline's: other respondents, so the samples are independent.
    years = [y for y in school_report(problem.school, None, audience).get("years") or []
             if before.get("year") is None or y > int(before["year"])]
    if not years:
        return result
    year = max(years)
    item = _figure_of(school_report(problem.school, year, audience).get("indicators") or [], key)
    if item is None:
        return result
    shown = not item.get("suppressed")
    after = {"year": year, "n": int(item.get("n") or 0), "suppressed": not shown,
             **{k: (item.get(k) if shown else None) for k in ("value", "ci_low", "ci_high")}}
    hidden = not shown or bool(before.get("suppressed"))
    result.update(after=after, suppressed=hidden)
    if hidden:
        # Either side hidden: no figure on either side, so nothing can be worked back.
        for side in (before, after):
            side.update(value=None, ci_low=None, ci_high=None)
        return result
    table = county_results(audience).schools
    rows = table[(table["school_id"] == problem.school_id) & (table["key"] == key) & (table["period"] == year)]
    if not len(rows):
        return result
    row = rows.iloc[0]   # the published row behind the figure shown: its k, mean and sd
    n0, n1 = before["n"], after["n"]
    if (row.get("kind") or _kind_of(key)) == "mean":
        test = difference_in_means(_float(row["mean"]), _float(row["sd"]), n1, before["value"],
                                   _sd_from_interval(before["ci_low"], before["ci_high"], n0), n0)
    else:
        test = difference_in_proportions(int(_float(row["k"])), n1, round(before["value"] * n0), n0)
    if test["difference"] is None:
        return result
    significant = test["p_value"] is not None and test["p_value"] < 0.05
    better = test["difference"] < 0 if key in LOWER_IS_BETTER else test["difference"] > 0
    result.update(difference=test["difference"], ci_low=test["ci_low"], ci_high=test["ci_high"],
                  p_value=test["p_value"], significant=significant,
                  improved=bool(better) if significant else None)
    return result


def _float(value) -> float | None:
    """A JSON-safe float (None for NaN)."""
    from ..statistics.jsonsafe import to_float
    return to_float(value)


# --- writes ---------------------------------------------------------------------------------

def _event(problem: Problem, action: str, actor: User | None, note: str | None = None,
           change: dict | None = None) -> ProblemEvent:
    """Append a history event (who, when, status after, note)."""
    event = ProblemEvent(action=action, status=problem.status, note=note, change=change,
                         by_id=actor.id if actor is not None else None,
                         by_name=actor.username if actor is not None else SYSTEM)
    problem.history.append(event)
    return event


def _audit(action: str, problem: Problem, before: dict | None, summary: str, actor: User | None) -> None:
    """The audit entry of a staff change to a problem."""
    record(action, "problem", problem.id, before=before, after=snapshot(problem, AUDIT_FIELDS),
           summary=summary, zone_id=problem.school.zone_id, actor=actor)


def raise_problem(school, *, category, description, deadline, requirement=None, indicator=None,
                  audience=None, visit=None, actor=None, note=None) -> Problem:
    """Raise a problem at a school (from a visit, or e.g. a substantiated complaint with visit None)."""
    if actor is not None:
        check_can_write(actor, school)
    errors: dict = {}
    if category not in PROBLEM_CATEGORIES:
        errors["category"] = _l("Choose one of: %(c)s.", c=", ".join(PROBLEM_CATEGORIES))
    description = _text(description, "description", errors, required=True)
    requirement = _text(requirement, "requirement", errors)
    note = _text(note, "note", errors)
    today = local_today()
    due, immediate, problem = parse_deadline(deadline, today)
    if problem:
        errors["deadline"] = problem
    if indicator in ("", None):
        indicator = None
    elif not isinstance(indicator, str) or not is_known_indicator(indicator):
        errors["indicator"] = _l("Unknown indicator.")
    if audience in ("", None):
        audience = None
    elif audience not in AUDIENCES:
        errors["audience"] = _l("Audience must be one of: %(a)s.", a=", ".join(AUDIENCES))
    if visit is not None and visit.school_id != school.id:
        errors["visit"] = _l("The visit was at another school.")
    if errors:
        raise InvalidInput(_l("Some fields are invalid."), errors)
    baseline = baseline_for(school, indicator, audience, visit) if indicator else None
    row = Problem(school=school, visit=visit, category=category, description=description,
                  requirement=requirement, deadline=due, immediate=immediate, indicator=indicator,
                  audience=audience, status="open", escalated=False, needs_departments=False,
                  created_by_id=actor.id if actor is not None else None)
    row.baseline = baseline
    if baseline and not row.audience:
        row.audience = baseline["audience"]
    db.session.add(row)
    _event(row, "created", actor, note)
    db.session.flush()
    _escalate_if_due(row, today)
    _audit("create", row, None, f"{school.code}: {category}", actor)
    db.session.commit()
    return row


def parse_follow_up(data) -> tuple[date, bool, str | None]:
    """The body of a follow-up: {"date", "rectified", "note"?}, checked."""
    if not isinstance(data, dict):
        raise InvalidInput(_l("The body must be a JSON object."))
    errors: dict = {}
    try:
        day = parse_date(data.get("date"), "date")
    except InvalidInput as exc:
        errors.update(exc.fields)
        day = None
    rectified = data.get("rectified")
    if not isinstance(rectified, bool):
        errors["rectified"] = _l("Must be true or false.")
    note = _text(data.get("note"), "note", errors)
    if errors:
        raise InvalidInput(_l("Some fields are invalid."), errors)
    return day, rectified, note


def add_follow_up(problem: Problem, *, day: date, rectified: bool, note: str | None,
                  actor: User | None, visit: Visit | None = None) -> FollowUp:
    """Record a re-check (回访); the second failed one escalates the problem (重点问题)."""
    if actor is not None:
        check_can_write(actor, problem.school)
    if problem.status == "closed":
        raise Conflict(_l("The problem is closed."))
    before = snapshot(problem, AUDIT_FIELDS)
    follow_up = FollowUp(date=day, rectified=rectified, note=note, visit_id=visit.id if visit else None,
                         created_by_id=actor.id if actor is not None else None)
    problem.follow_ups.append(follow_up)
    if problem.status == "open":
        problem.status = "rectifying"  # re-checked: the school is now in rectification
    _event(problem, "follow_up", actor, note,
           {"date": day.isoformat(), "rectified": rectified})
    failed = sum(1 for f in problem.follow_ups if f.rectified is False)
    if failed >= 2 and not problem.escalated:
        # Dated by the re-check that found it still not rectified (it may be entered days later).
        _mark_escalated(problem, "follow_ups", actor=None, at=min(utcnow(), start_of_local_day(day)))
    _escalate_if_due(problem, local_today())
    db.session.flush()
    _audit("update", problem, before, f"follow-up {day.isoformat()}: "
           + ("rectified" if rectified else "not rectified"), actor)
    db.session.commit()
    return follow_up


def close_problem(problem: Problem, *, note: str | None, actor: User | None) -> Problem:
    """Strike the problem off (销号), verified by the supervisor; escalation ends with it."""
    if actor is not None:
        check_can_write(actor, problem.school)
    if problem.status == "closed":
        raise Conflict(_l("The problem is already closed."))
    before = snapshot(problem, AUDIT_FIELDS)
    problem.status = "closed"
    problem.closed_at = utcnow()
    problem.closed_by_id = actor.id if actor is not None else None
    # Escalation ends with closing; escalated_at and the reason stay, for the monthly report.
    problem.escalated = False
    _event(problem, "closed", actor, note)
    _audit("update", problem, before, "closed", actor)
    db.session.commit()
    return problem


def update_problem(problem: Problem, data, actor: User | None) -> Problem:
    """Change status (open → rectifying) or mark needing other departments (难点问题), with a note."""
    if actor is not None:
        check_can_write(actor, problem.school)
    if not isinstance(data, dict):
        raise InvalidInput(_l("The body must be a JSON object."))
    errors: dict = {}
    note = _text(data.get("note"), "note", errors)
    status = data.get("status")
    if status is not None and status not in ("open", "rectifying"):
        errors["status"] = _l("Use open or rectifying here; close a problem with its own action.")
    departments = data.get("needs_departments")
    if departments is not None and not isinstance(departments, bool):
        errors["needs_departments"] = _l("Must be true or false.")
    if status is None and departments is None:
        errors["status"] = _l("Nothing to change.")
    if errors:
        raise InvalidInput(_l("Some fields are invalid."), errors)
    if problem.status == "closed":
        raise Conflict(_l("The problem is closed."))
    before = snapshot(problem, AUDIT_FIELDS)
    if status is not None and status != problem.status:
        change = {"status": [problem.status, status]}
        problem.status = status
        _event(problem, "status", actor, note, change)
    if departments is not None and departments != problem.needs_departments:
        problem.needs_departments = departments
        _event(problem, "marked_departments" if departments else "unmarked_departments", actor, note,
               {"needs_departments": [not departments, departments]})
    _audit("update", problem, before, "updated", actor)
    db.session.commit()
    return problem


# --- escalation -----------------------------------------------------------------------------

def escalation_day(problem: Problem) -> date:
    """The first local day on which the deadline has passed by more than the grace period."""
    return problem.deadline + timedelta(days=current_app.config["ESCALATION_GRACE_DAYS"] + 1)


def _mark_escalated(problem: Problem, reason: str, *, actor: User | None, at: datetime) -> None:
    """Set the escalation (重点问题) and add its history event."""
    problem.escalated = True
    problem.escalation_reason = reason
    problem.escalated_at = at
    _event(problem, "escalated", actor, reason)


def _escalate_if_due(problem: Problem, today: date) -> bool:
    """Escalate by deadline when due (dated at the day it became due); True when it changed."""
    if problem.status == "closed" or problem.escalated or today < escalation_day(problem):
        return False
    _mark_escalated(problem, "deadline", actor=None, at=start_of_local_day(escalation_day(problem)))
    return True


def refresh_escalations(problems, today: date | None = None) -> None:
    """Persist the deadline escalations due among these problems (a history event by system)."""
    today = today or local_today()
    if any([_escalate_if_due(p, today) for p in problems]):
        db.session.commit()


def refresh_all_escalations(today: date | None = None) -> None:
    """Bring every open problem's escalation up to date (before lists and reports are read)."""
    today = today or local_today()
    grace = current_app.config["ESCALATION_GRACE_DAYS"]
    due = db.session.scalars(select(Problem).where(
        Problem.status != "closed", Problem.escalated.is_(False),
        Problem.deadline < today - timedelta(days=grace)))
    refresh_escalations(list(due), today)


def is_overdue(problem: Problem, today: date | None = None) -> bool:
    """Past its deadline and not closed."""
    return problem.status != "closed" and (today or local_today()) > problem.deadline


# --- reading --------------------------------------------------------------------------------

def parse_filters(args, user: User) -> dict:
    """?status=&escalated=1&overdue=1&zone=&school=&category= checked against what the user may see."""
    errors: dict = {}
    filters: dict = {}
    status = args.get("status") or None
    if status is not None and status not in PROBLEM_STATUSES:
        errors["status"] = _l("Choose one of: %(c)s.", c=", ".join(PROBLEM_STATUSES))
    filters["status"] = status
    category = args.get("category") or None
    if category is not None and category not in PROBLEM_CATEGORIES:
        errors["category"] = _l("Choose one of: %(c)s.", c=", ".join(PROBLEM_CATEGORIES))
    filters["category"] = category
    for flag in ("escalated", "overdue", "departments"):
        value = args.get(flag) or None
        if value is not None and value not in ("0", "1", "true", "false"):
            errors[flag] = _l("Use 1 or 0.")
        filters[flag] = None if value is None else value in ("1", "true")
    if errors:
        raise InvalidInput(_l("Some fields are invalid."), errors)
    filters["zone"] = filters["school"] = None
    if args.get("zone"):
        zone = db.session.scalars(select(Zone).where(Zone.code == args["zone"])).first()
        if zone is None:
            raise NotFound(_l("Not found."))
        if zone not in visible_zones(user):
            raise Forbidden(_l("You do not have permission to do this."))
        filters["zone"] = zone
    if args.get("school"):
        school = db.session.scalars(select(School).where(School.code == args["school"])).first()
        if school is None:
            raise NotFound(_l("Not found."))
        check_can_read(user, school)
        filters["school"] = school
    return filters


def list_problems(user: User, filters: dict | None = None, today: date | None = None) -> list[Problem]:
    """Problems the user may see (supervisors: their zones), filtered, escalations up to date."""
    filters = filters or {}
    today = today or local_today()
    refresh_all_escalations(today)
    query = (select(Problem).join(Problem.school)
             .options(selectinload(Problem.school).selectinload(School.zone),
                      selectinload(Problem.history), selectinload(Problem.follow_ups))
             .order_by(Problem.deadline, Problem.id))
    if not user.sees_whole_county:
        query = query.where(School.zone_id.in_([z.id for z in user.zones] or [-1]))
    if filters.get("zone") is not None:
        query = query.where(School.zone_id == filters["zone"].id)
    if filters.get("school") is not None:
        query = query.where(Problem.school_id == filters["school"].id)
    if filters.get("status") == "open":
        # "open" as the API filter means not yet closed: rectifying problems are still open.
        query = query.where(Problem.status != "closed")
    elif filters.get("status"):
        query = query.where(Problem.status == filters["status"])
    if filters.get("category"):
        query = query.where(Problem.category == filters["category"])
    if filters.get("escalated") is not None:
        query = query.where(Problem.escalated.is_(filters["escalated"]))
    if filters.get("departments") is not None:
        query = query.where(Problem.needs_departments.is_(filters["departments"]))
    if filters.get("overdue") is True:
        query = query.where(Problem.status != "closed", Problem.deadline < today)
    elif filters.get("overdue") is False:
        query = query.where((Problem.status == "closed") | (Problem.deadline >= today))
    return list(db.session.scalars(query))


def _moment(value: datetime | None) -> str | None:
    """A stored moment as ISO text with its offset (naive values are UTC, as SQLite keeps them)."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.isoformat()


def problem_json(problem: Problem, today: date | None = None, *, with_comparison: bool = True) -> dict:
    """The ACCEPTANCE shape of a problem, plus zone, audience, 难点问题 flag and before/after."""
    today = today or local_today()
    out = {
        "id": problem.id, "school": problem.school.code, "zone": problem.school.zone.code,
        "visit": problem.visit_id, "category": problem.category, "description": problem.description,
        "requirement": problem.requirement,
        "deadline": "immediate" if problem.immediate else problem.deadline.isoformat(),
        "deadline_date": problem.deadline.isoformat(), "indicator": problem.indicator,
        "audience": problem.audience, "status": problem.status, "escalated": bool(problem.escalated),
        "escalation_reason": problem.escalation_reason if problem.escalated else None,
        "overdue": is_overdue(problem, today), "needs_departments": bool(problem.needs_departments),
        "created_at": _moment(problem.created_at), "closed_at": _moment(problem.closed_at),
        "history": [{"at": _moment(e.at), "by": e.by_name, "action": e.action, "status": e.status,
                     "note": e.note} for e in problem.history],
        "follow_ups": [{"date": f.date.isoformat(), "rectified": f.rectified, "note": f.note}
                       for f in problem.follow_ups],
    }
    if with_comparison:
        out["comparison"] = comparison(problem)
    return out
