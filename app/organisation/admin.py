"""The county office's own pages for staff accounts, zones and schools (admins only).

Views parse a form, call one service in app.organisation.services (which writes the audit
event and commits) and redirect; a refused change shows the form again with its messages."""
from __future__ import annotations

from flask import Blueprint, Flask, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user, login_required

from ..errors import ServiceError
from ..staff.forms import CloseForm, PasswordResetForm
from .forms import (ROLE_LABELS, AssignZoneForm, RoleForm, SchoolForm, UserCreateForm, ZoneForm,
                    ZoneRenameForm)
from .services import (activate_user, assign_supervisor, change_role, create_school, create_user,
                       create_zone, deactivate_user, existing_user, find_schools, list_users,
                       list_zones, live_token_counts, rename_zone, reset_password, revoke_tokens,
                       school_by_code, set_school_active, unassign_supervisor, update_school,
                       zone_by_code)

bp = Blueprint("admin", __name__, url_prefix="/staff/admin")


@bp.before_request
@login_required
def require_admin():
    """County office staff only; everyone else gets 403."""
    if current_user.role != "admin":
        abort(403)


def show_errors(form, exc: ServiceError) -> int:
    """Put a service's field messages on the form's fields and flash its message; the status."""
    for name, message in exc.fields.items():
        if name in form:
            form[name].errors = list(form[name].errors) + [str(message)]
    flash(str(exc.message), "error")
    return exc.status


def form_status() -> int:
    """400 for a POST that did not validate (GET renders 200)."""
    return 400 if request.method == "POST" else 200


def zone_choices():
    """(code, name) pairs of every zone."""
    return [(z.code, f"{z.name}（{z.code}）") for z in list_zones()]


# --- staff accounts --------------------------------------------------------------------------

def users_page():
    """The list of accounts with their quick actions (also served at the old /staff/users)."""
    return render_template("admin/users.html", users=list_users(), tokens=live_token_counts(),
                           action_form=CloseForm(), roles=ROLE_LABELS)


@bp.get("/users")
def users():
    """Every staff account."""
    return users_page()


@bp.route("/users/new", methods=["GET", "POST"])
def new_user():
    """Create an account with an initial password."""
    form = UserCreateForm()
    status = form_status()
    if form.validate_on_submit():
        try:
            user = create_user(form.username.data.strip(), form.role.data, form.password.data,
                               (form.display_name.data or "").strip() or None)
            flash(_("%(name)s can now sign in.", name=user.username), "success")
            return redirect(url_for("admin.user", username=user.username))
        except ServiceError as exc:
            status = show_errors(form, exc)
    return render_template("admin/user_new.html", form=form), status


@bp.get("/users/<username>")
def user(username: str):
    """One account: role, password, zones, tokens, status."""
    account = existing_user(username)
    assign_form = AssignZoneForm()
    assign_form.zone.choices = [c for c in zone_choices()
                                if c[0] not in {z.code for z in account.zones}]
    role_form = RoleForm(role=account.role)
    return render_template("admin/user.html", account=account, roles=ROLE_LABELS,
                           tokens=live_token_counts().get(account.id, 0), role_form=role_form,
                           password_form=PasswordResetForm(), assign_form=assign_form,
                           action_form=CloseForm())


def back_to_user(username: str):
    """Redirect to the account's page."""
    return redirect(url_for("admin.user", username=username))


def run_action(username: str, action, message: str):
    """Run one CSRF-checked button's service call, flash the outcome, back to the account."""
    if not CloseForm().validate_on_submit():
        abort(400)
    try:
        action()
        flash(message, "success")
    except ServiceError as exc:
        flash(str(exc.message), "error")
    return back_to_user(username)


@bp.post("/users/<username>/role")
def set_role(username: str):
    """Give the account another role."""
    form = RoleForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        change_role(username, form.role.data, by=current_user)
        flash(_("The role of %(name)s is changed.", name=username), "success")
    except ServiceError as exc:
        flash(str(exc.message), "error")
    return back_to_user(username)


@bp.post("/users/<username>/password")
def set_password(username: str):
    """Set a new password; the account's sign-ins end."""
    form = PasswordResetForm()
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(400)
        flash(_("The password must have 8 to 256 characters."), "error")
        return back_to_user(username)
    try:
        reset_password(username, form.password.data)
        flash(_("The password of %(name)s is changed; their sessions have ended.", name=username),
              "success")
    except ServiceError as exc:
        flash(str(exc.message), "error")
    return back_to_user(username)


@bp.post("/users/<username>/zones")
def assign(username: str):
    """Make the supervisor responsible for one more zone."""
    form = AssignZoneForm()
    form.zone.choices = zone_choices()
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(400)
        flash(_("Choose a zone."), "error")
        return back_to_user(username)
    try:
        assign_supervisor(form.zone.data, username)
        flash(_("%(name)s now covers zone %(zone)s.", name=username, zone=form.zone.data), "success")
    except ServiceError as exc:
        flash(str(exc.message), "error")
    return back_to_user(username)


@bp.post("/users/<username>/zones/<code>/unassign")
def unassign(username: str, code: str):
    """Take a zone away from the supervisor."""
    return run_action(username, lambda: unassign_supervisor(code, username),
                      _("%(name)s no longer covers zone %(zone)s.", name=username, zone=code))


@bp.post("/users/<username>/deactivate")
def deactivate(username: str):
    """Deactivate the account: its sessions and tokens stop at once."""
    return run_action(username, lambda: deactivate_user(username, by=current_user),
                      _("%(name)s is deactivated; their sessions and tokens no longer work.",
                        name=username))


@bp.post("/users/<username>/activate")
def activate(username: str):
    """Let the account sign in again."""
    return run_action(username, lambda: activate_user(username),
                      _("%(name)s can sign in again.", name=username))


@bp.post("/users/<username>/revoke-tokens")
def revoke(username: str):
    """Revoke every API token of the account."""
    return run_action(username, lambda: revoke_tokens(username),
                      _("Every API token of %(name)s is revoked.", name=username))


# --- zones -----------------------------------------------------------------------------------

@bp.route("/zones", methods=["GET", "POST"])
def zones():
    """Every zone with its schools and supervisors; a form to add one."""
    form = ZoneForm()
    status = form_status()
    if form.validate_on_submit():
        try:
            zone = create_zone({"code": form.code.data.strip(), "name": form.name.data})
            flash(_("Zone %(name)s is created.", name=zone.name), "success")
            return redirect(url_for("admin.zones"))
        except ServiceError as exc:
            status = show_errors(form, exc)
    return render_template("admin/zones.html", zones=list_zones(), form=form), status


@bp.route("/zones/<code>", methods=["GET", "POST"])
def zone(code: str):
    """Rename a zone (its code stays, because imports and links use it)."""
    zone = zone_by_code(code)
    if zone is None:
        abort(404)
    form = ZoneRenameForm(obj=zone)
    status = form_status()
    if form.validate_on_submit():
        try:
            rename_zone(zone, form.name.data)
            flash(_("The zone is renamed."), "success")
            return redirect(url_for("admin.zones"))
        except ServiceError as exc:
            status = show_errors(form, exc)
    return render_template("admin/zone.html", zone=zone, form=form), status


# --- schools ---------------------------------------------------------------------------------

@bp.get("/schools")
def schools():
    """Schools, searchable by name or code and filtered by zone; deactivated ones on request."""
    text, zone_code = request.args.get("q", "")[:100], request.args.get("zone", "")[:32]
    show = request.args.get("show", "active")
    found = find_schools(text, zone_code, include_inactive=show == "all")
    return render_template("admin/schools.html", schools=found, zones=list_zones(), q=text,
                           zone_code=zone_code, show=show)


def school_form_data(form: SchoolForm) -> dict:
    """The service's input from the school form."""
    return {"code": (form.code.data or "").strip(), "name": form.name.data, "stage": form.stage.data,
            "zone": form.zone.data, "enrolment": form.enrolment.data}


@bp.route("/schools/new", methods=["GET", "POST"])
def new_school():
    """Add a school."""
    form = SchoolForm(zone=request.args.get("zone"))
    form.zone.choices = zone_choices()
    status = form_status()
    if form.validate_on_submit():
        if not (form.code.data or "").strip():
            form.code.errors = list(form.code.errors) + [_("Required.")]
            status = 422
        else:
            try:
                school = create_school(school_form_data(form))
                flash(_("%(name)s is added.", name=school.name), "success")
                return redirect(url_for("admin.schools", q=school.code))
            except ServiceError as exc:
                status = show_errors(form, exc)
    return render_template("admin/school.html", form=form, school=None), status


@bp.route("/schools/<code>", methods=["GET", "POST"])
def school(code: str):
    """Edit a school's name, stage, enrolment or zone; deactivate or reactivate it."""
    school = school_by_code(code)
    if school is None:
        abort(404)
    # Given as data, not obj=school: the model's `zone` is a Zone, the form's is a code.
    form = SchoolForm(data={"name": school.name, "stage": school.stage, "zone": school.zone.code,
                            "enrolment": school.enrolment})
    form.zone.choices = zone_choices()
    status = form_status()
    if form.validate_on_submit():
        try:
            update_school(school, school_form_data(form))
            flash(_("%(name)s is saved.", name=school.name), "success")
            return redirect(url_for("admin.school", code=school.code))
        except ServiceError as exc:
            status = show_errors(form, exc)
    return render_template("admin/school.html", form=form, school=school,
                           action_form=CloseForm()), status


@bp.post("/schools/<code>/active")
def school_active(code: str):
    """Deactivate (active=0) or reactivate (active=1) a school."""
    school = school_by_code(code)
    if school is None:
        abort(404)
    if not CloseForm().validate_on_submit():
        abort(400)
    active = request.form.get("active") == "1"
    set_school_active(school, active)
    flash(_("%(name)s is active again.", name=school.name) if active else
          _("%(name)s is deactivated: no new surveys; its results are kept.", name=school.name),
          "success")
    return redirect(url_for("admin.school", code=school.code))


def init_app(app: Flask) -> None:
    """Register the admin pages and their navigation link."""
    from .. import nav
    app.register_blueprint(bp)
    nav.register(app, "admin.schools", _l("Schools & zones"), nav.admins, order=82)
