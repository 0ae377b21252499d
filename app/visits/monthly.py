"""The monthly report (问题管理月报表), the six at-leasts (六个至少) and visit coverage.

Counts only, over visit and problem records: no survey figure is computed here. A row is one
supervisor in one zone. Visits and schools visited count submitted visits dated in the month on
which the supervisor is named; problems found are those raised on that supervisor's visits dated
in the month; closed, overdue and escalated are the zone's problems (the responsible supervisor
answers for every problem of the zone, whoever raised it, e.g. from a complaint).
"""
from __future__ import annotations

import calendar
import io
import re
from dataclasses import dataclass
from datetime import date, timedelta, timezone

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..audit import record
from ..errors import Conflict, Forbidden, InvalidInput, NotFound
from ..extensions import db
from ..organisation.models import User, Zone
from ..organisation.services import visible_zones
from .models import MonthlyReport, Problem, Visit
from .problems import local_date, local_today, refresh_all_escalations

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
ROW_FIELDS = ("visits", "schools_visited", "schools_total", "problems_found", "problems_closed",
              "problems_overdue", "problems_escalated")
#: The six at-leasts per semester (六个至少), as the visit methods that satisfy each.
SIX_AT_LEASTS = (
    ("homework", ("homework_inspection",)),
    ("after_school", ("after_school_observation",)),
    ("class", ("class_observation",)),
    ("lesson_preparation", ("lesson_preparation",)),
    ("forum", ("interview",)),
    ("principal_report", ("principal_report",)),
)


@dataclass(frozen=True)
class Month:
    """A calendar month: first and last local day."""

    year: int
    month: int

    @property
    def code(self) -> str:
        """YYYY-MM."""
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def first(self) -> date:
        """The first day."""
        return date(self.year, self.month, 1)

    @property
    def last(self) -> date:
        """The last day."""
        return date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    def due(self) -> date:
        """The day the report is due (MONTHLY_REPORT_DUE_DAY, at most the month's last day)."""
        return date(self.year, self.month, min(current_app.config["MONTHLY_REPORT_DUE_DAY"], self.last.day))

    def previous(self) -> "Month":
        """The month before."""
        return Month(self.year - 1, 12) if self.month == 1 else Month(self.year, self.month - 1)


def parse_month(value: str | None, field: str = "month") -> Month:
    """YYYY-MM (default: this local month) → Month; 422 naming the field otherwise."""
    if value in (None, ""):
        today = local_today()
        return Month(today.year, today.month)
    match = _MONTH.match(value) if isinstance(value, str) else None
    if not match or not 1 <= int(match.group(2)) <= 12 or not 2000 <= int(match.group(1)) <= 2100:
        raise InvalidInput(_l("Some fields are invalid."), {field: _l("Use a month such as 2026-03.")})
    return Month(int(match.group(1)), int(match.group(2)))


def zones_in_scope(user: User, zone_code: str | None) -> list[Zone]:
    """The zones a report covers: one named zone (404 unknown, 403 not the user's) or all visible."""
    zones = visible_zones(user)
    if not zone_code:
        return zones
    zone = db.session.scalars(select(Zone).where(Zone.code == zone_code)).first()
    if zone is None:
        raise NotFound(_l("Not found."))
    if zone not in zones:
        raise Forbidden(_l("You do not have permission to do this."))
    return [zone]


def _submitted_visits(school_ids: list[int], first: date, last: date) -> list[Visit]:
    """Submitted visits at these schools dated first..last, with their supervisors."""
    if not school_ids:
        return []
    return list(db.session.scalars(
        select(Visit).where(Visit.school_id.in_(school_ids), Visit.status == "submitted",
                            Visit.date >= first, Visit.date <= last)
        .options(selectinload(Visit.supervisors))))


def _state_day(month: Month) -> date:
    """The day whose end the overdue and escalated counts describe: the month's last day, or
    today for the current month (a month not over yet is described as it stands now)."""
    today = local_today()
    return min(today, month.last) if month.first <= today else month.last


def found_on(problem: Problem) -> date:
    """The day a problem exists from: the visit that found it (a problem written up days after
    the visit existed since the visit), else the day it was raised."""
    raised = local_date(problem.created_at)
    return min(raised, problem.visit.date) if problem.visit is not None else raised


def _open_at(problem: Problem, day: date) -> bool:
    """Found by the end of `day` and not closed by then."""
    closed = local_date(problem.closed_at)
    return found_on(problem) <= day and (closed is None or closed > day)


def _escalated_at(problem: Problem, day: date) -> bool:
    """Escalated by the end of `day` and not closed by then."""
    when = local_date(problem.escalated_at)
    return when is not None and when <= day and _open_at(problem, day)


def zone_figures(zone: Zone, supervisor: User, month: Month, problems: list[Problem],
                 visits: list[Visit]) -> dict:
    """One row of the monthly report (a supervisor in a zone)."""
    school_ids = {s.id for s in zone.schools}
    # By id: UserMixin's == compares sign-in secrets, which are unset outside a request.
    mine = [v for v in visits if v.school_id in school_ids and _named(v, supervisor)]
    mine_ids = {v.id for v in mine}
    zone_problems = [p for p in problems if p.school_id in school_ids]
    day = _state_day(month)
    closed = [p for p in zone_problems if p.closed_at is not None
              and month.first <= local_date(p.closed_at) <= month.last]
    return {
        "zone": zone.code, "supervisor": supervisor.username,
        "visits": len(mine),
        "schools_visited": len({v.school_id for v in mine}),
        "schools_total": len(school_ids),
        "problems_found": sum(1 for p in zone_problems if p.visit_id is not None and _visit_in_month(p, month)
                              and any(s.id == supervisor.id for s in p.visit.supervisors)),
        "problems_closed": len(closed),
        "problems_overdue": sum(1 for p in zone_problems if _open_at(p, day) and day > p.deadline),
        "problems_escalated": sum(1 for p in zone_problems if _escalated_at(p, day)),
    }


def _named(visit: Visit, user: User) -> bool:
    """Whether the user is among the visit's supervisors."""
    return any(s.id == user.id for s in visit.supervisors)


def _visit_in_month(problem: Problem, month: Month) -> bool:
    """Whether the visit that found the problem is dated in the month."""
    return month.first <= problem.visit.date <= month.last


def monthly_report(user: User, month: Month, zone_code: str | None = None) -> dict:
    """The ACCEPTANCE shape: {"month", "rows", "not_visited"} for the zones in scope."""
    refresh_all_escalations()
    zones = zones_in_scope(user, zone_code)
    school_ids = [s.id for z in zones for s in z.schools]
    visits = _submitted_visits(school_ids, month.first, month.last)
    problems = list(db.session.scalars(
        select(Problem).where(Problem.school_id.in_(school_ids or [-1]))
        .options(selectinload(Problem.visit).selectinload(Visit.supervisors))))
    rows = []
    for zone in zones:
        for supervisor in _zone_supervisors(zone):
            rows.append(zone_figures(zone, supervisor, month, problems, visits))
    visited = {v.school_id for v in visits}
    not_visited = sorted(s.code for z in zones for s in z.schools if s.id not in visited)
    return {"month": month.code, "rows": rows, "not_visited": not_visited,
            "complaints": complaints_by_zone(zones, month)}


def complaints_by_zone(zones: list[Zone], month: Month) -> list[dict]:
    """Anonymous reports from the plaques received in the month, per zone: counts only."""
    from ..plaque.services import complaint_counts
    end = month.last + timedelta(days=1)
    return [{"zone": zone.code, **complaint_counts(zone_id=zone.id, start=month.first, end=end)}
            for zone in zones]


def _zone_supervisors(zone: Zone) -> list[User]:
    """The active supervisors responsible for a zone, by username."""
    return sorted((u for u in zone.supervisors if u.role == "supervisor" and u.active),
                  key=lambda u: u.username)


# --- submission -----------------------------------------------------------------------------

def submit_monthly(user: User, month: Month, zone_code: str, note: str | None = None) -> MonthlyReport:
    """A supervisor submits their row for a zone and month; its figures are frozen (409 twice)."""
    if user.role != "supervisor":
        raise Forbidden(_l("Only the zone's supervisor submits its monthly report."))
    zone = None
    if isinstance(zone_code, str) and zone_code:
        zone = db.session.scalars(select(Zone).where(Zone.code == zone_code)).first()
    if zone is None:
        raise InvalidInput(_l("Some fields are invalid."), {"zone": _l("Unknown zone.")})
    if zone not in user.zones:
        raise Forbidden(_l("You do not have permission to do this."))
    if note is not None and (not isinstance(note, str) or len(note) > 4000):
        raise InvalidInput(_l("Some fields are invalid."), {"note": _l("At most %(n)d characters.", n=4000)})
    if local_today() < month.first:
        raise InvalidInput(_l("Some fields are invalid."), {"month": _l("This month has not begun.")})
    existing = db.session.scalars(select(MonthlyReport).where(
        MonthlyReport.supervisor_id == user.id, MonthlyReport.zone_id == zone.id,
        MonthlyReport.month == month.code)).first()
    if existing is not None:
        raise Conflict(_l("This monthly report has already been submitted."))
    report = monthly_report(user, month, zone.code)
    row = next(r for r in report["rows"] if r["supervisor"] == user.username)
    figures = {**row, "not_visited": [c for c in report["not_visited"]]}
    entry = MonthlyReport(supervisor_id=user.id, zone_id=zone.id, month=month.code, figures=figures,
                          note=(note or "").strip() or None)
    db.session.add(entry)
    db.session.flush()
    record("create", "monthly_report", entry.id, after={"month": month.code, "zone": zone.code, **row},
           summary=f"{zone.code} {month.code}", zone_id=zone.id, actor=user)
    db.session.commit()
    return entry


def submissions(user: User, month: Month, zone_code: str | None = None) -> list[dict]:
    """Per supervisor and zone in scope: submitted (when, late?) or not, and the due day."""
    zones = zones_in_scope(user, zone_code)
    stored = {(r.supervisor_id, r.zone_id): r for r in db.session.scalars(
        select(MonthlyReport).where(MonthlyReport.month == month.code))}
    due = month.due()
    today = local_today()
    out = []
    for zone in zones:
        for supervisor in _zone_supervisors(zone):
            entry = stored.get((supervisor.id, zone.id))
            submitted = local_date(entry.submitted_at) if entry else None
            out.append({"zone": zone.code, "zone_name": zone.name, "supervisor": supervisor.username,
                        "supervisor_name": supervisor.display_name or supervisor.username,
                        "submitted": submitted.isoformat() if submitted else None,
                        "late": bool(submitted and submitted > due) or (entry is None and today > due),
                        "due": due.isoformat(), "figures": entry.figures if entry else None,
                        "note": entry.note if entry else None})
    return out


def report_json(entry: MonthlyReport) -> dict:
    """A submitted report as the API returns it."""
    return {"id": entry.id, "month": entry.month, "zone": db.session.get(Zone, entry.zone_id).code,
            "supervisor": db.session.get(User, entry.supervisor_id).username,
            "submitted_at": entry.submitted_at.replace(tzinfo=entry.submitted_at.tzinfo or timezone.utc).isoformat(),
            "figures": entry.figures, "note": entry.note}


# --- XLSX -----------------------------------------------------------------------------------

def monthly_xlsx(report: dict, headers: dict) -> bytes:
    """The monthly report as a workbook: real numbers, frozen header row, set widths."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    book = Workbook()
    sheet = book.active
    sheet.title = report["month"]
    columns = ["zone", "supervisor", *ROW_FIELDS]
    sheet.append([str(headers[c]) for c in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in report["rows"]:
        sheet.append([row[c] for c in columns])
    sheet.freeze_panes = "A2"
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[sheet.cell(1, index).column_letter].width = 14 if index > 2 else 18
    missing = book.create_sheet(str(headers["not_visited"])[:31])
    missing.append([str(headers["school"])])
    missing["A1"].font = Font(bold=True)
    for code in report["not_visited"]:
        missing.append([code])
    missing.freeze_panes = "A2"
    missing.column_dimensions["A"].width = 18
    if report.get("complaints") is not None:
        reports = book.create_sheet(str(headers["complaints"])[:31])
        columns = ("total", "complaint", "suggestion", "praise", "substantiated", "overdue")
        reports.append([str(headers["zone"])] + [str(headers[f"complaints_{c}"]) for c in columns])
        for cell in reports[1]:
            cell.font = Font(bold=True)
        for entry in report["complaints"]:
            reports.append([entry["zone"], entry["total"], *(entry["by_kind"][k] for k in columns[1:4]),
                            entry["substantiated"], entry["overdue"]])
        reports.freeze_panes = "A2"
        for index in range(1, len(columns) + 2):
            reports.column_dimensions[reports.cell(1, index).column_letter].width = 14
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# --- semesters: six at-leasts and coverage --------------------------------------------------

def semester_of(day: date) -> str:
    """The semester a day falls in: YYYY-1 (autumn, Sep-Jan, of the school year starting YYYY)
    or YYYY-2 (spring, Feb-Aug, of the school year that started the year before)."""
    if day.month >= 9:
        return f"{day.year}-1"
    if day.month == 1:
        return f"{day.year - 1}-1"
    return f"{day.year - 1}-2"


def semester_range(code: str | None) -> tuple[str, date, date]:
    """A semester code (default: the current one) → (code, first day, last day); 422 when malformed."""
    code = code or semester_of(local_today())
    match = re.match(r"^(\d{4})-([12])$", code) if isinstance(code, str) else None
    if not match or not 2000 <= int(match.group(1)) <= 2100:
        raise InvalidInput(_l("Some fields are invalid."), {"semester": _l("Use a semester such as 2026-1.")})
    year, half = int(match.group(1)), match.group(2)
    if half == "1":
        return code, date(year, 9, 1), date(year + 1, 1, 31)
    return code, date(year + 1, 2, 1), date(year + 1, 8, 31)


def six_at_leasts(user: User, semester: str | None = None, zone_code: str | None = None) -> dict:
    """Per supervisor per school of their zones: which of the six at-leasts their submitted visits
    this semester covered, and which are still missing."""
    code, first, last = semester_range(semester)
    zones = zones_in_scope(user, zone_code)
    visits = _submitted_visits([s.id for z in zones for s in z.schools], first, last)
    rows = []
    for zone in zones:
        for supervisor in _zone_supervisors(zone):
            for school in zone.schools:
                methods = {m for v in visits if v.school_id == school.id and _named(v, supervisor)
                           for m in (v.methods or [])}
                done = [key for key, needs in SIX_AT_LEASTS if methods.intersection(needs)]
                rows.append({"zone": zone.code, "supervisor": supervisor.username,
                             "supervisor_name": supervisor.display_name or supervisor.username,
                             "school": school.code, "school_name": school.name, "done": done,
                             "missing": [key for key, _ in SIX_AT_LEASTS if key not in done]})
    return {"semester": code, "first": first.isoformat(), "last": last.isoformat(), "rows": rows}


def coverage(user: User, semester: str | None = None, zone_code: str | None = None) -> dict:
    """School × month grid of submitted visits over a semester; a month without one is a gap."""
    code, first, last = semester_range(semester)
    zones = zones_in_scope(user, zone_code)
    today = local_today()
    months, cursor = [], Month(first.year, first.month)
    while cursor.first <= last:
        months.append(cursor)
        cursor = Month(cursor.year + (cursor.month == 12), cursor.month % 12 + 1)
    visits = _submitted_visits([s.id for z in zones for s in z.schools], first, last)
    counts: dict = {}
    for visit in visits:
        key = (visit.school_id, visit.date.strftime("%Y-%m"))
        counts[key] = counts.get(key, 0) + 1
    rows = []
    for zone in zones:
        for school in zone.schools:
            cells = []
            for month in months:
                n = counts.get((school.id, month.code), 0)
                # A month not yet begun is not a gap; one under way is a gap only once it is over.
                state = "future" if month.first > today else ("ok" if n else ("open" if month.last >= today else "gap"))
                cells.append({"month": month.code, "visits": n, "state": state})
            rows.append({"zone": zone.code, "school": school.code, "school_name": school.name,
                         "cells": cells, "gaps": sum(1 for c in cells if c["state"] == "gap")})
    return {"semester": code, "months": [m.code for m in months], "rows": rows,
            "gaps": sum(r["gaps"] for r in rows)}
