"""Staff pages for visit records (督导纪实): list (with my drafts), new, edit draft, detail
(evidence, flags, amendments), print. Views parse a form into the API's body shape, call
services.py (the one validation and write path) and render; everything works without JavaScript."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import DateField, RadioField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from ..errors import Forbidden, InvalidInput
from ..extensions import db
from ..organisation.models import School, User
from ..organisation.services import can_see_school, school_by_code, visible_zones
from . import services
from .checklists import THEMES, checklist_items
from .models import VISIT_KINDS, VISIT_METHODS, Visit

bp = Blueprint("visits", __name__, url_prefix="/staff/visits")


def kind_names() -> dict:
    """Visit kinds in words."""
    return {"routine": _("Routine (经常性)"), "special": _("Special (专项)"),
            "comprehensive": _("Comprehensive (综合)"), "follow_up": _("Follow-up (回访)")}


def method_names() -> dict:
    """Visit methods in words."""
    return {"campus_patrol": _("Campus patrol"), "class_observation": _("Class observation"),
            "document_review": _("Document review"), "questionnaire": _("Questionnaire"),
            "interview": _("Interview or forum"), "principal_report": _("Hearing the principal's report"),
            "homework_inspection": _("Homework inspection"),
            "after_school_observation": _("After-school service observation"),
            "lesson_preparation": _("Lesson-preparation session")}


def theme_names() -> dict:
    """Checklist themes in words."""
    return {"homework": _("Homework"), "sleep": _("Sleep"), "phones": _("Phones"),
            "reading": _("Reading materials"), "physical_activity": _("Physical activity"),
            "after_school": _("After-school service")}


class MultiCheckboxField(SelectMultipleField):
    """Several choices as a list of checkboxes (big touch targets on a phone)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class VisitForm(FlaskForm):
    """A visit record; the checklist radios are drawn from data and read from request.form."""

    school = SelectField(_l("School"), validators=[Optional()])
    date = DateField(_l("Date of the visit"), validators=[Optional()])
    kind = RadioField(_l("Kind of visit"), default="routine", validators=[Optional()])
    theme = StringField(_l("This month's theme"), validators=[Optional(), Length(max=200)])
    methods = MultiCheckboxField(_l("Methods used"), validators=[Optional()])
    supervisors = MultiCheckboxField(_l("Other supervisors on the visit"), validators=[Optional()])
    observations = TextAreaField(_l("What I observed"), validators=[Optional(), Length(max=10000)])
    highlights = TextAreaField(_l("Highlights (亮点)"), validators=[Optional(), Length(max=10000)])
    problems_found = TextAreaField(_l("Problems found on the visit"), validators=[Optional(), Length(max=10000)])


class ButtonForm(FlaskForm):
    """A bare CSRF-protected button."""


class AmendmentForm(FlaskForm):
    """A correction to a submitted record."""

    text = TextAreaField(_l("Correction"), validators=[Optional(), Length(max=10000)])


@bp.before_request
@login_required
def require_login():
    """Every page here needs a signed-in user."""


@bp.app_context_processor
def visit_names():
    """Names for codes, for the visit templates and the school pages."""
    return {"visit_kind_name": lambda c: kind_names().get(c, c),
            "visit_method_name": lambda c: method_names().get(c, c),
            "checklist_theme_name": lambda c: theme_names().get(c, c)}


def _get(visit_id: int) -> Visit:
    """The record if the signed-in user may see it (404 / 403 pages otherwise)."""
    return services.get_visit(current_user, visit_id)


def _visible_schools() -> list[School]:
    """Schools of the user's zones, by zone and code."""
    return [s for z in visible_zones(current_user) for s in sorted(z.schools, key=lambda s: s.code)]


def _co_supervisors(school: School) -> list[User]:
    """Supervisors of the school's zone other than the signed-in user."""
    return sorted((u for u in school.zone.supervisors if u.id != current_user.id and u.role == "supervisor"),
                  key=lambda u: u.username)


def _prepare(form: VisitForm, school: School | None) -> None:
    """Fill the form's choices (schools, kinds, methods, the zone's supervisors)."""
    form.school.choices = [(s.code, f"{s.name}（{s.code}）") for s in _visible_schools()]
    form.kind.choices = [(k, kind_names()[k]) for k in VISIT_KINDS]
    form.methods.choices = [(m, method_names()[m]) for m in VISIT_METHODS]
    form.supervisors.choices = [(u.username, u.display_name or u.username)
                                for u in (_co_supervisors(school) if school else [])]


def _body_from(form: VisitForm, school_code: str) -> dict:
    """The form as an API body (one validation path: services.parse_visit)."""
    checklist = {}
    for item in checklist_items():
        answer = request.form.get(f"check-{item.id}", "")
        if answer in ("yes", "no"):
            checklist[item.id] = answer == "yes"
    return {"school": school_code,
            "date": form.date.data.isoformat() if form.date.data else request.form.get("date") or None,
            "kind": form.kind.data, "theme": form.theme.data, "methods": form.methods.data or [],
            "supervisors": form.supervisors.data or [], "observations": form.observations.data,
            "highlights": form.highlights.data, "problems_found": form.problems_found.data,
            "checklist": checklist}


def _show_errors(form: VisitForm, exc: InvalidInput) -> None:
    """Put a service's field messages on the form (the checklist's under its own key)."""
    for name, message in exc.fields.items():
        if name in form:
            form[name].errors = list(form[name].errors) + [str(message)]
    flash(str(exc.message), "error")


def _render_form(form: VisitForm, school: School, visit: Visit | None, checklist: dict,
                 status: int = 200, errors: dict | None = None):
    """The visit form with the school's live evidence above it."""
    evidence = services.live_evidence(school)
    flags = services.cross_check(checklist, evidence)
    groups = {}
    for item in checklist_items():
        groups.setdefault(item.theme, []).append(item)
    return render_template("visits/visit_form.html", form=form, school=school, visit=visit,
                           evidence=evidence, flags=flags, checklist=checklist,
                           groups=[(t, groups[t]) for t in THEMES if t in groups],
                           errors=errors or {}), status


@bp.get("/")
def index():
    """Visit records I may see (filtered by month and school), my drafts first."""
    month, code = request.args.get("month") or None, request.args.get("school") or None
    error = None
    try:
        visits = services.list_visits(current_user, code, month, limit=300)
    except (InvalidInput, Forbidden) as exc:
        error, visits = exc, []
    drafts = services.list_visits(current_user, status="draft", mine=True) \
        if current_user.role != "viewer" else []
    return render_template("visits/visit_list.html", visits=visits, drafts=drafts,
                           schools=_visible_schools(), month=month or "", code=code or "",
                           error=error), (error.status if error else 200)


@bp.route("/new", methods=["GET", "POST"])
def new():
    """Start a record: pick a school, then fill in the form under the school's evidence."""
    if not current_user.can_write:
        raise Forbidden(_l("You do not have permission to do this."))
    code = request.values.get("school") or ""
    school = school_by_code(code) if code else None
    if school is None:
        return render_template("visits/visit_pick.html", schools=_visible_schools(),
                               unknown=bool(code)), (422 if code else 200)
    if not can_see_school(current_user, school):
        raise Forbidden(_l("This school is not in your zones."))
    form = VisitForm()
    _prepare(form, school)
    if request.method == "GET":
        form.school.data, form.date.data = school.code, services.local_today()
    else:
        body = _body_from(form, school.code)
        if form.validate():
            try:
                visit = services.create_visit(current_user, body)
                return _after_save(visit)
            except InvalidInput as exc:
                _show_errors(form, exc)
                return _render_form(form, school, None, body["checklist"], exc.status, exc.fields)
        return _render_form(form, school, None, body["checklist"], 400)
    return _render_form(form, school, None, {})


def _after_save(visit: Visit):
    """Submit when asked to, else back to the draft; tell the user what happened."""
    if request.form.get("action") == "submit":
        services.submit_visit(current_user, visit)
        flash(_("The record is submitted and its survey evidence is frozen."), "success")
        return redirect(url_for("visits.detail", visit_id=visit.id))
    flash(_("Draft saved. You can finish it later on any device."), "success")
    return redirect(url_for("visits.edit", visit_id=visit.id))


@bp.route("/<int(max=2147483647):visit_id>/edit", methods=["GET", "POST"])
def edit(visit_id: int):
    """Edit a draft (its supervisors and the county office); a submitted record goes to its page."""
    visit = _get(visit_id)
    if not services.can_edit(current_user, visit):
        raise Forbidden(_l("Only the record's supervisors and the county office can change it."))
    if visit.status != "draft":
        flash(_("This record has been submitted and is locked; add an amendment instead."), "error")
        return redirect(url_for("visits.detail", visit_id=visit.id))
    form = VisitForm(obj=None if request.method == "POST" else visit)
    _prepare(form, visit.school)
    if request.method == "GET":
        form.school.data = visit.school.code
        form.supervisors.data = [u.username for u in visit.supervisors if u.id != current_user.id]
        return _render_form(form, visit.school, visit, visit.checklist or {})
    body = _body_from(form, visit.school.code)
    if not form.validate():
        return _render_form(form, visit.school, visit, body["checklist"], 400)
    try:
        services.update_visit(current_user, visit, body)
    except InvalidInput as exc:
        db.session.rollback()
        _show_errors(form, exc)
        return _render_form(form, visit.school, visit, body["checklist"], exc.status, exc.fields)
    return _after_save(visit)


@bp.get("/<int(max=2147483647):visit_id>")
def detail(visit_id: int):
    """A record: its fields, the evidence (live or frozen), flags, problems and amendments."""
    visit = _get(visit_id)
    evidence, flags, as_of = services.evidence_of(visit)
    return render_template("visits/visit_detail.html", visit=visit, evidence=evidence, flags=flags,
                           as_of=as_of, items=checklist_items(),
                           problems=_problems_of(visit), can_edit=services.can_edit(current_user, visit),
                           button=ButtonForm(), amend=AmendmentForm())


def _problems_of(visit: Visit) -> list:
    """The problems raised on this visit (the records, for their category and status)."""
    from .models import Problem
    return list(db.session.scalars(select(Problem).where(Problem.visit_id == visit.id).order_by(Problem.id)))


@bp.post("/<int(max=2147483647):visit_id>/submit")
def submit(visit_id: int):
    """Submit a draft from its page."""
    visit = _get(visit_id)
    if not ButtonForm().validate_on_submit():
        flash(_("The form has expired. Please try again."), "error")
        return redirect(url_for("visits.detail", visit_id=visit.id))
    services.submit_visit(current_user, visit)
    flash(_("The record is submitted and its survey evidence is frozen."), "success")
    return redirect(url_for("visits.detail", visit_id=visit.id))


@bp.post("/<int(max=2147483647):visit_id>/amendments")
def amend(visit_id: int):
    """Add an amendment to a submitted record."""
    visit = _get(visit_id)
    form = AmendmentForm()
    if not form.validate_on_submit():
        flash(_("The form has expired. Please try again."), "error")
        return redirect(url_for("visits.detail", visit_id=visit.id))
    try:
        services.amend_visit(current_user, visit, {"text": form.text.data})
    except InvalidInput as exc:
        flash(str(exc.fields.get("text", exc.message)), "error")
        return redirect(url_for("visits.detail", visit_id=visit.id) + "#amend")
    flash(_("The amendment is added; the original record is unchanged."), "success")
    return redirect(url_for("visits.detail", visit_id=visit.id))


@bp.get("/<int(max=2147483647):visit_id>/print")
def print_view(visit_id: int):
    """The school's copy: one A4 page with the record, the frozen evidence and the flags."""
    visit = _get(visit_id)
    evidence, flags, as_of = services.evidence_of(visit)
    return render_template("visits/visit_print.html", visit=visit, evidence=evidence, flags=flags,
                           as_of=as_of, items=checklist_items(), problems=_problems_of(visit))
