"""Staff pages under /staff/analysis: ask for reports and exports, follow a job, download it.

(Not /staff/reports: the plaque feature serves the anonymous reports, 投诉, there.)
"""
from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, jsonify, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..errors import NotFound, ServiceError
from ..extensions import db
from ..launches.models import Launch
from ..organisation.services import can_see_school, visible_zones
from ..surveys.registry import active_surveys
from . import exports, services
from .api import send_job_file
from .forms import AnnualForm, ConfirmForm, ExportForm, MonthlyForm

bp = Blueprint("jobs", __name__, url_prefix="/staff/analysis")

#: Seconds between the status page's refreshes while a job is queued or running.
REFRESH_SECONDS = 3


@bp.before_request
@login_required
def require_login():
    """Every report page needs a signed-in user."""


def scope_choices(with_schools: bool = True) -> list[tuple[str, str]]:
    """The scopes this user may ask for: the county (admins, viewers), their zones and schools."""
    choices = [("county", _("Whole county"))] if current_user.sees_whole_county else []
    for zone in visible_zones(current_user):
        choices.append((f"zone:{zone.code}", zone.name))
        if with_schools:
            choices += [(f"school:{s.code}", f"　{s.name}") for s in zone.schools]
    return choices


def scope_value(choice: str):
    """A scope choice ("county", "zone:C", "school:C") in the API's form."""
    kind, _sep, code = (choice or "").partition(":")
    return "county" if kind == "county" else {kind: code}


def _forms() -> dict:
    """The three request forms with their choices filled in."""
    annual, export, monthly = (AnnualForm(prefix="annual"), ExportForm(prefix="export"),
                               MonthlyForm(prefix="monthly"))
    annual.scope.choices = export.scope.choices = scope_choices()
    monthly.scope.choices = scope_choices(with_schools=False)
    export.survey.choices = [(s.key, s.latest.title) for s in active_surveys() if s.versions]
    if not annual.year.data:
        annual.year.data = date.today().year
    if not monthly.month.data:
        monthly.month.data = f"{date.today():%Y-%m}"
    return {"annual": annual, "export": export, "monthly": monthly}


def _index(forms: dict, status: int = 200):
    """The reports page."""
    return render_template("jobs/index.html", **forms, jobs=services.recent_jobs(current_user),
                           scope_text=scope_text), status


def _refused(forms: dict, exc: ServiceError):
    """Show why a request was refused, on the page, with the request's status code."""
    flash(str(exc.message), "error")
    for message in exc.fields.values():
        flash(str(message), "error")
    return _index(forms, exc.status)


@bp.get("/")
def index():
    """Pick a report or an export; the user's recent jobs (admins: everyone's)."""
    return _index(_forms())


@bp.post("/annual")
def request_annual():
    """Queue an annual report, then show its status page."""
    forms = _forms()
    form = forms["annual"]
    if not form.validate():
        return _index(forms, 422)
    try:
        fields = services.parse_report_request({
            "kind": "annual", "year": form.year.data, "scope": scope_value(form.scope.data),
            "format": form.format.data, "audience": form.audience.data}, current_user)
    except ServiceError as exc:
        return _refused(forms, exc)
    return _queued(fields)


@bp.post("/exports")
def request_export():
    """Queue a response data export, then show its status page."""
    forms = _forms()
    form = forms["export"]
    if not form.validate():
        return _index(forms, 422)
    body = {"survey": form.survey.data, "scope": scope_value(form.scope.data), "format": form.format.data,
            "free_text": bool(form.free_text.data)}
    if form.year.data:
        body["year"] = form.year.data
    if form.audience.data:
        body["audience"] = form.audience.data
    try:
        fields = exports.parse_export_request(body, current_user)
    except ServiceError as exc:
        return _refused(forms, exc)
    return _queued(fields)


@bp.post("/monthly")
def request_monthly():
    """Queue the monthly report PDF of the county or a zone."""
    forms = _forms()
    form = forms["monthly"]
    if not form.validate():
        return _index(forms, 422)
    try:
        fields = services.parse_report_request({"kind": "monthly", "month": form.month.data,
                                                "scope": scope_value(form.scope.data)}, current_user)
    except ServiceError as exc:
        return _refused(forms, exc)
    return _queued(fields)


@bp.route("/launch/<int:launch_id>", methods=["GET", "POST"])
def request_feedback(launch_id: int):
    """Confirm, then queue, the results feedback PDF of one launch (调查结果反馈)."""
    launch = db.session.get(Launch, launch_id) if launch_id < 2**31 else None
    if launch is None or not can_see_school(current_user, launch.school):
        raise NotFound(_("Not found."))
    form = ConfirmForm()
    if form.validate_on_submit():
        fields = services.parse_report_request({"kind": "launch_feedback", "launch": launch.id}, current_user)
        return _queued(fields)
    return render_template("jobs/feedback.html", launch=launch, form=form)


def _queued(fields: dict):
    """Store and enqueue the job, then go to its status page."""
    job = services.request_job(current_user, kind=fields["kind"], scope=fields["scope"], fmt=fields["format"],
                               year=fields["year"], audience=fields["audience"], options=fields["options"])
    return redirect(url_for("jobs.status", job_id=job.id))


@bp.get("/<int:job_id>")
def status(job_id: int):
    """A job's status: refreshes itself while queued or running; the download once done."""
    job = services.get_job(job_id, current_user)
    return render_template("jobs/job.html", job=job, scope_text=scope_text,
                           refresh=None if job.finished else REFRESH_SECONDS,
                           waiting_long=services.waiting_long(job))


@bp.get("/<int:job_id>/status.json")
def status_json(job_id: int):
    """The job's status for the page's optional script (same shape as the API)."""
    from .api import job_json
    body = job_json(services.get_job(job_id, current_user))
    body.pop("download_url", None)
    return jsonify(body)


@bp.get("/<int:job_id>/download")
def download(job_id: int):
    """The file of a done job (staff session)."""
    return send_job_file(services.get_job(job_id, current_user))


def scope_text(job) -> str:
    """A job's scope in words for the pages."""
    scope = services.job_scope(job)
    return scope.label() if scope is not None else _("(removed)")


def kind_name(kind: str) -> str:
    """A job kind in words."""
    return {"annual": _("Annual report"), "monthly": _("Monthly report"),
            "launch_feedback": _("Results feedback"), "export": _("Response data")}.get(kind, kind)


def status_name(status: str) -> str:
    """A job status in words."""
    return {"queued": _("Waiting"), "running": _("Being made"), "done": _("Ready"),
            "failed": _("Failed")}.get(status, status)


@bp.app_template_global()
def job_kind_name(kind: str) -> str:
    """Templates: a job kind in words."""
    return kind_name(kind)


@bp.app_template_global()
def job_status_name(status: str) -> str:
    """Templates: a job status in words."""
    return status_name(status)
