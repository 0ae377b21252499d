"""Staff pages: the supervisor's inbox of reports, a report's handling, the office overview and
the plaque downloads. Thin: parse, call a service, render."""
from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ..downloads import content_disposition
from ..errors import ServiceError
from ..extensions import db
from ..organisation.models import School, Zone
from ..organisation.services import visible_zones
from ..visits.models import PROBLEM_CATEGORIES
from . import services
from .forms import ProblemForm, RegenerateForm, ReplyForm, TransitionForm
from .models import KINDS, STATUSES

bp = Blueprint("plaque_staff", __name__, url_prefix="/staff")


@bp.before_request
@login_required
def require_login():
    """Every page here needs a signed-in user."""


def _labels() -> dict:
    """The code → words tables every page uses."""
    return {"kind_labels": services.KIND_LABELS, "category_labels": services.CATEGORY_LABELS,
            "status_labels": services.STATUS_LABELS, "outcome_labels": services.OUTCOME_LABELS,
            "overdue_labels": services.OVERDUE_LABELS}


def _flash_error(exc: ServiceError) -> None:
    """Show a refused change and its field messages at the top of the page."""
    flash(" ".join([str(exc.message), *(str(m) for m in exc.fields.values())]), "error")


@bp.get("/reports")
def inbox():
    """Reports in the user's zones, filtered by status, kind, zone and overdue."""
    args = request.args
    complaints = services.list_complaints(
        current_user, status=args.get("status") or None, kind=args.get("kind") or None,
        zone_code=args.get("zone") or None, school_code=args.get("school") or None,
        overdue_only=args.get("overdue") == "1")
    today = services.local_today()
    return render_template("plaque/inbox.html", complaints=complaints, today=today,
                           overdue={c.id: services.overdue(c, today) for c in complaints},
                           zones=services.handled_zones(current_user), statuses=STATUSES,
                           kinds=KINDS, args=args, **_labels())


@bp.get("/reports/<int(max=2147483647):complaint_id>")
def detail(complaint_id: int):
    """One report: text, contact, history, the next steps."""
    complaint = services.get_complaint(complaint_id, current_user)
    return _detail(complaint)


def _detail(complaint, status: int = 200, transition_form=None, problem_form=None):
    """Render the report page with the next steps the rules allow."""
    transition_form = transition_form or TransitionForm()
    transition_form.status.choices = [(s, services.status_label(s))
                                      for s in services.TRANSITIONS[complaint.status]]
    from ..visits.problems_views import category_names
    names = category_names()
    problem_form = problem_form or ProblemForm()
    problem_form.category.choices = [(c, names.get(c, c)) for c in PROBLEM_CATEGORIES]
    if not problem_form.category.data:
        problem_form.category.data = services.PROBLEM_CATEGORY[complaint.category]
    ack_by, conclude_by = services.due_dates(complaint)
    return render_template(
        "plaque/detail.html", complaint=complaint, transition_form=transition_form,
        reply_form=ReplyForm(), problem_form=problem_form, ack_by=ack_by, conclude_by=conclude_by,
        overdue_flags=services.overdue(complaint), **_labels()), status


@bp.post("/reports/<int(max=2147483647):complaint_id>/transition")
def transition(complaint_id: int):
    """Apply the transition form."""
    complaint = services.get_complaint(complaint_id, current_user)
    form = TransitionForm()
    form.status.choices = [(s, s) for s in STATUSES]
    if not form.validate_on_submit():
        flash(_("Please check the form."), "error")
        return _detail(complaint, 400, transition_form=form)
    try:
        services.transition(complaint, current_user, {
            "status": form.status.data, "note": form.note.data, "reply": form.reply.data or None,
            "spam": bool(form.spam.data)})
        flash(_("The report is now: %(status)s.", status=services.status_label(complaint.status)),
              "success")
    except ServiceError as exc:
        db.session.rollback()
        _flash_error(exc)
    return redirect(url_for("plaque_staff.detail", complaint_id=complaint_id))


@bp.post("/reports/<int(max=2147483647):complaint_id>/reply")
def reply(complaint_id: int):
    """Save the reply alone."""
    complaint = services.get_complaint(complaint_id, current_user)
    form = ReplyForm()
    if form.validate_on_submit():
        try:
            services.save_reply(complaint, current_user, form.reply.data)
            flash(_("The reply is saved; the reporter sees it with the follow-up code."), "success")
        except ServiceError as exc:
            _flash_error(exc)
    else:
        flash(_("Please write a reply."), "error")
    return redirect(url_for("plaque_staff.detail", complaint_id=complaint_id))


@bp.post("/reports/<int(max=2147483647):complaint_id>/problem")
def raise_problem(complaint_id: int):
    """Raise a rectification problem from a substantiated report, in one step."""
    complaint = services.get_complaint(complaint_id, current_user)
    form = ProblemForm()
    form.category.choices = [(c, c) for c in PROBLEM_CATEGORIES]
    if not form.validate_on_submit():
        flash(_("Please check the form."), "error")
        return _detail(complaint, 400, problem_form=form)
    deadline = "immediate" if form.immediate.data else form.deadline.data
    try:
        problem = services.raise_problem_from(complaint, current_user, {
            "category": form.category.data, "description": form.description.data,
            "requirement": form.requirement.data or None, "deadline": deadline})
        flash(_("Rectification problem %(id)s raised at the school.", id=problem.id), "success")
    except ServiceError as exc:
        db.session.rollback()
        _flash_error(exc)
    return redirect(url_for("plaque_staff.detail", complaint_id=complaint_id))


@bp.get("/reports/overview")
def overview():
    """Counts by kind, category and outcome per zone and school, with what is overdue."""
    return render_template("plaque/overview.html", data=services.overview(current_user),
                           kinds=KINDS, categories=list(services.CATEGORY_LABELS),
                           **_labels())


# --- plaques -------------------------------------------------------------------------------

@bp.get("/schools/<code>/plaque")
def plaque(code: str):
    """The school's plaque: link, QR code, posters, and regenerating it."""
    school = services.school_for(current_user, code)
    link = services.live_plaque(school)
    return render_template("plaque/plaque.html", school=school, link=link,
                           links=services.plaque_links(link), form=RegenerateForm(),
                           can_manage=services.can_manage_plaque(current_user, school),
                           supervisors=services.supervisor_names(school))


@bp.post("/schools/<code>/plaque/regenerate")
def regenerate(code: str):
    """Retire the plaque link and make a new one (the old QR code stops working)."""
    school = services.school_for(current_user, code)
    if not RegenerateForm().validate_on_submit():
        abort(400)
    services.regenerate_plaque(current_user, school)
    flash(_("A new plaque link is made; print the new poster. The old QR code now shows a notice."),
          "success")
    return redirect(url_for("plaque_staff.plaque", code=code))


def _zip_response(links, name: str) -> Response:
    """A ZIP of plaque posters (?size=a3 for A3) as a download."""
    from .poster import posters_zip_for
    size = "a3" if request.args.get("size") == "a3" else "a4"
    return Response(posters_zip_for(links, size), mimetype="application/zip", headers={
        "Content-Disposition": content_disposition(f"{name}-{size.upper()}.zip"),
        "Cache-Control": "private, no-store"})


@bp.get("/zones/<code>/plaques.zip")
def zone_zip(code: str):
    """Every plaque poster of a zone's active schools in one ZIP."""
    zone = db.session.scalars(select(Zone).where(Zone.code == code)).first()
    if zone is None or zone not in visible_zones(current_user):
        abort(404)
    links = [services.live_plaque(s) for s in zone.schools if s.active]
    return _zip_response(links, f"{zone.code}-{zone.name}-{_('plaques')}")


@bp.get("/plaques.zip")
def county_zip():
    """Every plaque poster of the county in one ZIP (admins and viewers)."""
    if not current_user.sees_whole_county:
        abort(403)
    schools = db.session.scalars(select(School).where(School.active.is_(True))
                                 .order_by(School.code)).all()
    return _zip_response([services.live_plaque(s) for s in schools], _("county-plaques"))
