"""Staff pages for problems (整改), the monthly report (月报) and visit coverage. Views parse,
call a service in problems.py / monthly.py, and render; they work without JavaScript."""
from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import DateField, RadioField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ..downloads import content_disposition
from ..errors import Forbidden, InvalidInput, NotFound, ServiceError
from ..extensions import db
from ..organisation.services import visible_zones
from . import monthly, problems
from .models import PROBLEM_CATEGORIES, Visit

bp = Blueprint("problems", __name__, url_prefix="/staff")


def category_names() -> dict:
    """Problem categories in words."""
    return {"homework": _("Homework"), "sleep": _("Sleep"), "phones": _("Phones"),
            "reading": _("Reading materials"), "physical_activity": _("Physical activity"),
            "after_school": _("After-school service"), "safety": _("Safety"),
            "teaching": _("Teaching"), "fees": _("Fees"), "ethics": _("Teachers' ethics"),
            "other": _("Other")}


def status_names() -> dict:
    """Problem statuses in words."""
    return {"open": _("Open (to rectify)"), "rectifying": _("Rectifying"), "closed": _("Closed (struck off)")}


def action_names() -> dict:
    """History actions in words."""
    return {"created": _("Raised"), "follow_up": _("Follow-up"), "escalated": _("Escalated to the county office"),
            "closed": _("Struck off"), "status": _("Status changed"),
            "marked_departments": _("Marked as needing other departments"),
            "unmarked_departments": _("No longer needs other departments"), "updated": _("Updated")}


def six_names() -> dict:
    """The six at-leasts in words."""
    return {"homework": _("Inspect homework"), "after_school": _("Observe after-school service"),
            "class": _("Sit in on a class"), "lesson_preparation": _("Join a lesson-preparation session"),
            "forum": _("Hold a forum"), "principal_report": _("Hear the principal's report")}


def monthly_headers() -> dict:
    """Column headings of the monthly report (page and workbook)."""
    return {"zone": _("Zone"), "supervisor": _("Supervisor"), "visits": _("Visits"),
            "schools_visited": _("Schools visited"), "schools_total": _("Schools in zone"),
            "problems_found": _("Problems found"), "problems_closed": _("Problems struck off"),
            "problems_overdue": _("Overdue"), "problems_escalated": _("Escalated"),
            "not_visited": _("Not visited"), "school": _("School"),
            "complaints": _("Reports from parents"), "complaints_total": _("Received"),
            "complaints_complaint": _("Complaints"), "complaints_suggestion": _("Suggestions"),
            "complaints_praise": _("Praise"), "complaints_substantiated": _("Substantiated"),
            "complaints_overdue": _("Past the time limit")}


@bp.before_request
@login_required
def require_login():
    """Every page here needs a signed-in user."""


# Globals, not context: imported macros see them too.
@bp.app_template_global()
def category_name(code: str) -> str:
    """A problem category in words."""
    return category_names().get(code, code)


@bp.app_template_global()
def problem_status_name(code: str) -> str:
    """A problem status in words."""
    return status_names().get(code, code)


@bp.app_template_global()
def local_minute(moment) -> str:
    """A stored moment as the county's local date and time, e.g. 2026-06-20 14:05."""
    from ..launches.services import local_time
    return local_time(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


@bp.app_template_global()
def problem_action_name(code: str) -> str:
    """A history action in words."""
    return action_names().get(code, code)


# --- forms ----------------------------------------------------------------------------------

class ProblemForm(FlaskForm):
    """Raise a problem found on a visit."""

    category = SelectField(_l("Category"), validators=[DataRequired()])
    description = TextAreaField(_l("Problem"), validators=[DataRequired(), Length(max=4000)])
    requirement = TextAreaField(_l("Rectification requirement"), validators=[Optional(), Length(max=4000)])
    deadline_kind = RadioField(_l("Deadline"), default="date", choices=[
        ("immediate", _l("Rectify at once (立行立改)")), ("date", _l("By a date (限期整改)"))])
    deadline = DateField(_l("Rectify by"), validators=[Optional()])
    indicator = SelectField(_l("Survey indicator it concerns (optional)"), validators=[Optional()])


class FollowUpForm(FlaskForm):
    """Record a follow-up."""

    date = DateField(_l("Date of the follow-up"), validators=[DataRequired()])
    rectified = RadioField(_l("Rectified?"), choices=[("no", _l("Not yet")), ("yes", _l("Yes"))],
                           validators=[DataRequired()])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=4000)])


class NoteForm(FlaskForm):
    """A button with an optional note (close, status changes)."""

    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=4000)])


class MonthlySubmitForm(FlaskForm):
    """Submit the monthly report for one zone."""

    zone = SelectField(_l("Zone"), validators=[DataRequired()])
    note = TextAreaField(_l("Remarks"), validators=[Optional(), Length(max=4000)])


def _fail(exc: ServiceError, form=None) -> int:
    """Show a service error on the page (and on the form's fields); the status to answer with."""
    if form is not None:
        for name, message in exc.fields.items():
            if name in form:
                form[name].errors = list(form[name].errors) + [str(message)]
    flash(str(exc.message), "error")
    return exc.status


# --- problems -------------------------------------------------------------------------------

@bp.get("/problems")
def overview():
    """Open, overdue and escalated problems (office: the county; supervisors: their zones)."""
    filters = problems.parse_filters(request.args, current_user)
    if not request.args.get("status") and not request.args.get("all"):
        shown = [p for p in problems.list_problems(current_user, filters) if p.status != "closed"]
    else:
        shown = problems.list_problems(current_user, filters)
    today = problems.local_today()
    zones = visible_zones(current_user)
    counts = {"open": sum(p.status != "closed" for p in shown),
              "overdue": sum(problems.is_overdue(p, today) for p in shown),
              "escalated": sum(bool(p.escalated) for p in shown),
              "departments": sum(bool(p.needs_departments) and p.status != "closed" for p in shown)}
    return render_template("visits/problem_overview.html", problems=shown, counts=counts, today=today,
                           zones=zones, schools=[s for z in zones for s in z.schools], args=request.args,
                           categories=PROBLEM_CATEGORIES, is_overdue=problems.is_overdue)


def _problem_or_error(problem_id: int):
    """The problem if the signed-in user may see it (404/403 otherwise)."""
    return problems.get_problem(problem_id, current_user)


@bp.get("/problems/<int(max=2147483647):problem_id>")
def detail(problem_id: int):
    """One problem: history, follow-ups, before/after, and the forms to act on it."""
    problem = _problem_or_error(problem_id)
    return _render_detail(problem, FollowUpForm(date=problems.local_today()), NoteForm(), NoteForm())


def _render_detail(problem, follow_form, close_form, status_form, status: int = 200):
    """The problem page with these forms (their errors shown) and the status to answer with."""
    can_write = current_user.role == "admin" or (
        current_user.role == "supervisor" and problem.school.zone in current_user.zones)
    from ..plaque.services import complaint_for_problem
    return render_template("visits/problem_detail.html", problem=problem,
                           data=problems.problem_json(problem), can_write=can_write,
                           complaint=complaint_for_problem(problem.id),
                           follow_form=follow_form, close_form=close_form, status_form=status_form), status


@bp.post("/problems/<int(max=2147483647):problem_id>/follow-ups")
def follow_up(problem_id: int):
    """Record a follow-up from the page."""
    problem = _problem_or_error(problem_id)
    problems.check_can_write(current_user, problem.school)
    form = FollowUpForm()
    if form.validate_on_submit():
        try:
            problems.add_follow_up(problem, day=form.date.data, rectified=form.rectified.data == "yes",
                                   note=(form.note.data or "").strip() or None, actor=current_user)
            flash(_("Follow-up recorded."), "success")
            return redirect(url_for("problems.detail", problem_id=problem.id))
        except ServiceError as exc:
            return _render_detail(problem, form, NoteForm(), NoteForm(), _fail(exc, form))
    return _render_detail(problem, form, NoteForm(), NoteForm(), 400)


@bp.post("/problems/<int(max=2147483647):problem_id>/close")
def close(problem_id: int):
    """Strike the problem off (销号) from the page."""
    problem = _problem_or_error(problem_id)
    problems.check_can_write(current_user, problem.school)
    form = NoteForm()
    if form.validate_on_submit():
        try:
            problems.close_problem(problem, note=(form.note.data or "").strip() or None, actor=current_user)
            flash(_("The problem is struck off."), "success")
            return redirect(url_for("problems.detail", problem_id=problem.id))
        except ServiceError as exc:
            return _render_detail(problem, FollowUpForm(), form, NoteForm(), _fail(exc))
    return _render_detail(problem, FollowUpForm(), form, NoteForm(), 400)


@bp.post("/problems/<int(max=2147483647):problem_id>/update")
def update(problem_id: int):
    """Move to rectifying or (un)mark as needing other departments, from the page."""
    problem = _problem_or_error(problem_id)
    problems.check_can_write(current_user, problem.school)
    form = NoteForm()
    change = request.form.get("change")
    data = {"note": (form.note.data or "").strip() or None}
    if change == "rectifying":
        data["status"] = "rectifying"
    elif change in ("departments", "no_departments"):
        data["needs_departments"] = change == "departments"
    if form.validate_on_submit():
        try:
            problems.update_problem(problem, data, current_user)
            flash(_("Saved."), "success")
            return redirect(url_for("problems.detail", problem_id=problem.id))
        except ServiceError as exc:
            return _render_detail(problem, FollowUpForm(), NoteForm(), form, _fail(exc))
    return _render_detail(problem, FollowUpForm(), NoteForm(), form, 400)


@bp.route("/visits/<int(max=2147483647):visit_id>/problems/new", methods=["GET", "POST"])
def new(visit_id: int):
    """Raise a problem on a visit (draft or submitted)."""
    from ..i18n import indicator_name
    visit = db.session.get(Visit, visit_id)
    if visit is None:
        raise NotFound(_l("Not found."))
    problems.check_can_write(current_user, visit.school)
    form = ProblemForm()
    form.category.choices = [(c, category_names()[c]) for c in PROBLEM_CATEGORIES]
    form.indicator.choices = [("", "—")] + [(k, indicator_name(k)) for k in sorted(problems.known_indicators())]
    status = 200
    if form.validate_on_submit():
        deadline = "immediate" if form.deadline_kind.data == "immediate" else form.deadline.data
        try:
            if deadline is None:
                raise InvalidInput(_l("Some fields are invalid."), {"deadline": _l("Choose a date.")})
            problem = problems.raise_problem(
                visit.school, category=form.category.data, description=form.description.data,
                deadline=deadline, requirement=form.requirement.data, indicator=form.indicator.data or None,
                visit=visit, actor=current_user)
            flash(_("The problem is recorded."), "success")
            return redirect(url_for("problems.detail", problem_id=problem.id))
        except ServiceError as exc:
            status = _fail(exc, form)
    elif request.method == "POST":
        status = 400
    return render_template("visits/problem_new.html", form=form, visit=visit), status


# --- monthly report, coverage, six at-leasts ------------------------------------------------

@bp.get("/reports/monthly")
def monthly_page():
    """The monthly report for a month, who has submitted it, and the form to submit."""
    month = monthly.parse_month(request.args.get("month"))
    zone = request.args.get("zone") or None
    report = monthly.monthly_report(current_user, month, zone)
    rows = monthly.submissions(current_user, month, zone)
    form = None
    if current_user.role == "supervisor":
        form = MonthlySubmitForm()
        submitted = {r["zone"] for r in rows if r["supervisor"] == current_user.username and r["submitted"]}
        form.zone.choices = [(z.code, z.name) for z in current_user.zones if z.code not in submitted]
    return render_template("visits/monthly_report.html", report=report, month=month, zone=zone,
                           submissions=rows, form=form, headers=monthly_headers(),
                           zones=visible_zones(current_user), previous=month.previous().code,
                           fields=monthly.ROW_FIELDS)


@bp.get("/reports/monthly.xlsx")
def monthly_xlsx():
    """The monthly report as a workbook."""
    month = monthly.parse_month(request.args.get("month"))
    report = monthly.monthly_report(current_user, month, request.args.get("zone") or None)
    return Response(monthly.monthly_xlsx(report, monthly_headers()),
                    mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": content_disposition(
                        _("Monthly report %(month)s", month=month.code) + ".xlsx")})


@bp.post("/reports/monthly")
def monthly_submit():
    """A supervisor submits the month's report for a zone."""
    month = monthly.parse_month(request.args.get("month"))
    if current_user.role != "supervisor":
        raise Forbidden(_l("Only the zone's supervisor submits its monthly report."))
    form = MonthlySubmitForm()
    form.zone.choices = [(z.code, z.name) for z in current_user.zones]
    if form.validate_on_submit():
        try:
            monthly.submit_monthly(current_user, month, form.zone.data, (form.note.data or "").strip() or None)
            flash(_("The monthly report is submitted."), "success")
        except ServiceError as exc:
            _fail(exc)
    else:
        flash(_("Some fields are invalid."), "error")
    return redirect(url_for("problems.monthly_page", month=month.code))


@bp.get("/coverage")
def coverage_page():
    """Every school visited every month? The gaps, and the six at-leasts per supervisor and school."""
    semester = request.args.get("semester") or None
    zone = request.args.get("zone") or None
    grid = monthly.coverage(current_user, semester, zone)
    six = monthly.six_at_leasts(current_user, grid["semester"], zone)
    code, first, _last = monthly.semester_range(grid["semester"])
    year, half = code.split("-")
    other = f"{int(year) - 1}-2" if half == "1" else f"{year}-1"
    later = f"{year}-2" if half == "1" else f"{int(year) + 1}-1"
    return render_template("visits/coverage.html", grid=grid, six=six, six_names=six_names(),
                           zones=visible_zones(current_user), zone=zone, earlier=other, later=later)
