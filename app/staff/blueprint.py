"""URL rules of the staff pages. Views parse, call a service and render."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..definitions import STAGE_GRADES
from ..errors import ServiceError
from ..extensions import db
from ..launches.blueprint import pdf_download
from ..launches.models import Launch, LaunchBatch, as_utc
from ..launches.services import (close_launch, extend_launch, get_launch, launch_at_school,
                                 launch_batch, launch_links, parse_launch_request,
                                 parse_new_closing, reopen_launch, response_counts,
                                 running_duplicates)
from ..organisation.importer import import_schools, read_rows
from ..organisation.models import School, Zone, utcnow
from ..organisation.services import (activate_user, can_launch_at, can_see_school,
                                     deactivate_user, reset_password, revoke_tokens,
                                     unassign_supervisor, visible_zones)
from ..surveys.registry import active_surveys, definition_of
from ..results.reports import parse_scope_args, school_report
from ..results.services import launch_comments, launch_summary
from .forms import (CloseConfirmForm, CloseForm, ClosingDateForm, ImportForm, LaunchForm,
                    PasswordResetForm)

bp = Blueprint("staff", __name__, url_prefix="/staff")


def index():
    """The start page: staff go to their dashboard, everyone else to sign in."""
    return redirect(url_for("staff.home") if current_user.is_authenticated else url_for("auth.login"))


@bp.before_request
@login_required
def require_login():
    """Every staff page needs a signed-in user."""


def visible_school_ids() -> list[int]:
    """Ids of the schools the current user may see."""
    return [s.id for z in visible_zones(current_user) for s in z.schools]


def launches_for(school_ids: list[int], limit: int = 200) -> list[Launch]:
    """Recent launches at these schools, newest first."""
    if not school_ids:
        return []
    return list(db.session.scalars(
        select(Launch).where(Launch.school_id.in_(school_ids))
        .options(joinedload(Launch.school), joinedload(Launch.survey_version))
        .order_by(Launch.created_at.desc(), Launch.id.desc()).limit(limit)))


@bp.get("/")
def home():
    """Dashboard: my zones, the launches open now and those closed most recently (two lists
    that never share a launch: one is where answers still come in, the other has final figures)."""
    zones = visible_zones(current_user)
    launches = launches_for([s.id for z in zones for s in z.schools])
    now = utcnow()
    open_launches = [l for l in launches if l.state(now) == "open"]
    closed = sorted((l for l in launches if l.state(now) == "closed"),
                    key=lambda l: as_utc(l.closed_at or l.closes_at), reverse=True)
    counts = response_counts([l.id for l in launches])
    return render_template("staff/home.html", zones=zones, open_launches=open_launches,
                           recent=closed[:10], counts=counts, now=now,
                           chart_sets=dashboard_charts(zones))


def dashboard_charts(zones) -> list[dict]:
    """What the dashboard charts: for the whole county (office, viewers) the county's zones,
    for a supervisor each of their zones; one chart per indicator with parent data this year."""
    from ..results.reports import county_report, zone_report
    if current_user.sees_whole_county:
        report = county_report(None, "parent")
        scopes = [({"scope": "county"}, _("County"), report)]
    else:
        scopes = [({"scope": "zone", "code": z.code}, z.name, zone_report(z, None, "parent"))
                  for z in zones]
    return [{"args": {**args, "year": report["year"], "audience": "parent"}, "name": name,
             # α describes the questionnaire, not the schools: it is in the method note.
             "indicators": [i["key"] for i in report["indicators"]
                            if "." not in i["key"] and i["key"] != "satisfaction_alpha"]}
            for args, name, report in scopes if report.get("year") is not None]


@bp.get("/zones/<code>")
def zone(code: str):
    """A zone's schools."""
    zone = db.session.scalars(select(Zone).where(Zone.code == code)).first()
    if zone is None or zone not in visible_zones(current_user):
        abort(404)
    return render_template("staff/zone.html", zone=zone)


@bp.get("/schools/<code>")
def school(code: str):
    """A school: its launches with response counts."""
    school = db.session.scalars(select(School).where(School.code == code)).first()
    if school is None or not can_see_school(current_user, school):
        abort(404)
    launches = launches_for([school.id])
    year, audience = parse_scope_args(request.args)
    return render_template("staff/school.html", school=school, launches=launches,
                           counts=response_counts([l.id for l in launches]), now=utcnow(),
                           report=school_report(school, year, audience))


@bp.route("/launches/new", methods=["GET", "POST"])
def new_launch():
    """Launch a survey in a minute: pick survey, place and closing date."""
    if not current_user.can_write:
        abort(403)
    form = LaunchForm()
    surveys = active_surveys()
    form.survey.choices = [(s.key, s.latest.title) for s in surveys]
    zones = visible_zones(current_user)
    schools = [s for z in zones for s in z.schools if s.active and can_launch_at(current_user, s)]
    form.school.choices = [("", "—")] + [(s.code, f"{s.name}（{s.zone.name}）") for s in schools]
    form.zone.choices = [("", "—")] + [(z.code, z.name) for z in zones]
    if request.method == "GET":
        form.school.data = request.args.get("school", "")
        form.survey.data = request.args.get("survey")
    status, duplicates = 200, []
    if form.validate_on_submit():
        data = {"survey": form.survey.data, "audience": form.audience.data,
                "closes_at": form.closes_at.data}
        try:
            launch_request = parse_launch_request(data)
            duplicates = [] if form.confirm_duplicate.data else running_duplicates(
                launch_targets(form, schools), launch_request.version, launch_request.audience)
            if duplicates:
                # A warning, not a refusal: the page shows them and a box to launch anyway.
                return render_new_launch(form, surveys, duplicates), 200
            if form.scope.data == "school":
                launch = launch_at_school(current_user, form.school.data or None, launch_request)
                flash(_("The survey is open. Print the poster or share the link."), "success")
                return redirect(url_for("staff.launch", launch_id=launch.id))
            zone_code = form.zone.data if form.scope.data == "zone" else None
            if form.scope.data == "zone" and not zone_code:
                raise ServiceError(_("Choose a zone."), {"zone": _("Choose a zone.")})
            batch = launch_batch(current_user, zone_code, launch_request)
            flash(_("The survey is open at %(n)s schools.", n=len(batch.launches)), "success")
            return redirect(url_for("staff.batch", batch_id=batch.id))
        except ServiceError as exc:
            for name, message in exc.fields.items():
                if name in form:
                    form[name].errors = list(form[name].errors) + [str(message)]
            flash(str(exc.message), "error")
            status = exc.status
    elif request.method == "POST":
        status = 400
    return render_new_launch(form, surveys, duplicates), status


def launch_targets(form: LaunchForm, schools: list[School]) -> list[str]:
    """Codes of the schools the launch form would open the survey at."""
    if form.scope.data == "school":
        return [form.school.data] if form.school.data else []
    if form.scope.data == "zone":
        return [s.code for s in schools if s.zone.code == form.zone.data]
    return [s.code for s in schools]


def render_new_launch(form: LaunchForm, surveys, duplicates):
    """The new-launch page, with the running launches it would duplicate (if any)."""
    audiences = {s.key: list(definition_of(s.latest).audiences) for s in surveys}
    return render_template("staff/launch_new.html", form=form, audiences=audiences,
                           duplicates=duplicates)


@bp.get("/launches/<int(max=2147483647):launch_id>")
def launch(launch_id: int):
    """One launch: link, QR code, poster, response count, close button."""
    launch = get_launch(launch_id)
    if not can_see_school(current_user, launch.school):
        abort(404)
    count = response_counts([launch.id]).get(launch.id, 0)
    sees_comments = current_user.role == "admin" or launch.school.zone in current_user.zones
    return render_template("staff/launch.html", launch=launch, links=launch_links(launch),
                           summary=launch_summary(launch), grades=STAGE_GRADES[launch.school.stage],
                           comments=launch_comments(launch) if sees_comments else None,
                           count=count, state=launch.state(utcnow()), close_form=CloseForm(),
                           survey=definition_of(launch.survey_version),
                           can_close=can_launch_at(current_user, launch.school),
                           date_form=ClosingDateForm())


def changeable_launch(launch_id: int) -> Launch:
    """A launch the current user may close, reopen or extend: 404 if they cannot see it, 403
    if they may only read it."""
    launch = get_launch(launch_id)
    if not can_see_school(current_user, launch.school):
        abort(404)
    if not can_launch_at(current_user, launch.school):
        abort(403)
    return launch


@bp.route("/launches/<int(max=2147483647):launch_id>/close", methods=["GET", "POST"])
def close(launch_id: int):
    """Close a launch early, after a confirmation step (a ticked box; no JavaScript needed)."""
    launch = changeable_launch(launch_id)
    form = CloseConfirmForm()
    status = 200
    if request.method == "POST":
        if form.validate():
            close_launch(current_user, launch)
            flash(_("The survey is closed. No more answers will be accepted."), "success")
            return redirect(url_for("staff.launch", launch_id=launch_id))
        if "csrf_token" in form.errors:
            abort(400)
        status = 422
    return render_template("staff/launch_close.html", launch=launch, form=form,
                           count=response_counts([launch.id]).get(launch.id, 0),
                           state=launch.state(utcnow())), status


@bp.post("/launches/<int(max=2147483647):launch_id>/closing-date")
def change_closing(launch_id: int):
    """Reopen a closed launch, or extend a running one, until the date given."""
    form = ClosingDateForm()
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(400)
        flash(_("Use a date like 2026-12-20."), "error")
        return redirect(url_for("staff.launch", launch_id=launch_id))
    launch = changeable_launch(launch_id)
    try:
        closes_at = parse_new_closing(form.closes_at.data)
        if launch.state(utcnow()) == "closed":
            reopen_launch(current_user, launch, closes_at)
            flash(_("The survey is open again."), "success")
        else:
            extend_launch(current_user, launch, closes_at)
            flash(_("The closing date is changed."), "success")
    except ServiceError as exc:
        messages = [str(exc.message), *(str(m) for m in exc.fields.values())]
        flash(" ".join(messages), "error")
    return redirect(url_for("staff.launch", launch_id=launch_id))


@bp.get("/batches/<int(max=2147483647):batch_id>")
def batch(batch_id: int):
    """The launches created together, with one ZIP of all posters."""
    batch = db.get_or_404(LaunchBatch, batch_id)
    launches = [l for l in batch.launches if can_see_school(current_user, l.school)]
    if not launches:
        abort(404)
    return render_template("staff/batch.html", batch=batch, launches=launches,
                           counts=response_counts([l.id for l in launches]))


@bp.get("/batches/<int(max=2147483647):batch_id>/posters.zip")
def batch_posters(batch_id: int):
    """Every poster of a batch in one ZIP."""
    from ..launches.documents import batch_posters_zip
    batch = db.get_or_404(LaunchBatch, batch_id)
    if not all(can_see_school(current_user, l.school) for l in batch.launches):
        abort(404)
    return pdf_download(batch_posters_zip(batch), _("posters-%(id)s.zip", id=batch.id),
                        mimetype="application/zip")


@bp.route("/schools/import", methods=["GET", "POST"])
def import_view():
    """Upload a school list (county office staff)."""
    if current_user.role != "admin":
        abort(403)
    form = ImportForm()
    row_errors, status = {}, 200
    if form.validate_on_submit():
        upload = form.file.data
        try:
            encoding = None if form.encoding.data == "auto" else form.encoding.data
            report = import_schools(read_rows(upload.read(), upload.filename, encoding))
            flash(_("Imported: %(created)s new, %(updated)s updated schools.",
                    created=report.created, updated=report.updated), "success")
            return redirect(url_for("staff.home"))
        except ServiceError as exc:
            flash(str(exc.message), "error")
            row_errors, status = exc.fields, exc.status
    elif request.method == "POST":
        status = 400
    return render_template("staff/import.html", form=form, row_errors=row_errors), status


@bp.get("/schools/import/template.<any(csv, xlsx):kind>")
def import_template(kind: str):
    """The school-list template (CSV or XLSX) offered on the import page."""
    from flask import Response
    from ..downloads import content_disposition
    from ..organisation.importer import template_csv, template_xlsx
    if current_user.role != "admin":
        abort(403)
    content, mimetype = ((template_csv(), "text/csv") if kind == "csv" else
                         (template_xlsx(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))
    return Response(content, mimetype=mimetype, headers={"Content-Disposition": content_disposition(
        _("school-list-template") + f".{kind}", ascii_name=f"school-list-template.{kind}")})


def require_admin() -> None:
    """County office staff only."""
    if current_user.role != "admin":
        abort(403)


@bp.get("/users")
def users():
    """The old address of the staff accounts page: the office's user admin page, served here too."""
    require_admin()
    from ..organisation.admin import users_page
    return users_page()


def user_action(action, message):
    """Run one CSRF-checked action on a user, flash the outcome, back to the users page."""
    require_admin()
    if not CloseForm().validate_on_submit():
        abort(400)
    try:
        action()
        flash(message, "success")
    except ServiceError as exc:
        flash(str(exc.message), "error")
    return redirect(url_for("staff.users"))


@bp.post("/users/<username>/deactivate")
def deactivate(username: str):
    """Deactivate an account."""
    return user_action(lambda: deactivate_user(username, by=current_user),
                       _("%(name)s is deactivated; their sessions and tokens no longer work.",
                         name=username))


@bp.post("/users/<username>/activate")
def activate(username: str):
    """Let an account sign in again."""
    return user_action(lambda: activate_user(username), _("%(name)s can sign in again.", name=username))


@bp.post("/users/<username>/revoke-tokens")
def revoke_user_tokens(username: str):
    """Revoke every API token of an account."""
    return user_action(lambda: revoke_tokens(username),
                       _("Every API token of %(name)s is revoked.", name=username))


@bp.post("/users/<username>/zones/<code>/unassign")
def unassign(username: str, code: str):
    """Take a zone away from a supervisor."""
    return user_action(lambda: unassign_supervisor(code, username),
                       _("%(name)s no longer covers zone %(zone)s.", name=username, zone=code))


@bp.post("/users/<username>/password")
def set_password(username: str):
    """Set a new password for an account; its sessions end."""
    require_admin()
    form = PasswordResetForm()
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(400)
        flash(_("The password must have 8 to 256 characters."), "error")
        return redirect(url_for("staff.users"))
    try:
        reset_password(username, form.password.data)
        flash(_("The password of %(name)s is changed; their sessions have ended.", name=username),
              "success")
    except ServiceError as exc:
        flash(str(exc.message), "error")
    return redirect(url_for("staff.users"))
