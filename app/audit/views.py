"""The audit trail page: admins read every change, filtered and paginated. Read-only."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, Flask, abort, current_app, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import func, select

from ..extensions import db
from ..launches.services import local_time
from ..organisation.models import Zone
from .models import AuditEvent

bp = Blueprint("audit", __name__, url_prefix="/staff/audit")

#: Events per page.
PAGE_SIZE = 50

#: Names for the codes features write; a code not listed here is shown as it is.
ENTITY_LABELS = {"user": _l("Staff account"), "zone": _l("Zone"), "school": _l("School"),
                 "launch": _l("Survey launch"), "launch_batch": _l("Launch at many schools"),
                 "target": _l("County targets"), "visit": _l("Visit record"),
                 "problem": _l("Problem"), "complaint": _l("Report from a parent")}
ACTION_LABELS = {"create": _l("Created"), "update": _l("Changed"), "move": _l("Moved to another zone"),
                 "deactivate": _l("Deactivated"), "activate": _l("Activated"),
                 "assign": _l("Zone assigned"), "unassign": _l("Zone unassigned"),
                 "reset_password": _l("Password reset"), "issue_token": _l("API token issued"),
                 "revoke_tokens": _l("API tokens revoked"), "import": _l("Imported"),
                 "close": _l("Closed"), "reopen": _l("Reopened"), "extend": _l("Extended"),
                 "submit": _l("Submitted"), "transition": _l("Status changed")}
FIELD_LABELS = {"username": _l("Username"), "display_name": _l("Name"), "role": _l("Role"),
                "active": _l("Active"), "zones": _l("Zones"), "code": _l("Code"), "name": _l("Name"),
                "stage": _l("Stage"), "enrolment": _l("Pupils on roll"), "zone": _l("Zone"),
                "closes_at": _l("Closes"), "closed_at": _l("Closed at"), "opens_at": _l("Opens"),
                "audience": _l("Audience"), "password_changed_at": _l("Password changed"),
                "tokens_revoked": _l("API tokens revoked"), "created": _l("New"),
                "updated": _l("Updated"), "zones_created": _l("New zones")}


def label(table: dict, code: str) -> str:
    """The display name of a code, or the code itself."""
    return str(table[code]) if code in table else code


@bp.before_request
@login_required
def require_admin():
    """County office staff only."""
    if current_user.role != "admin":
        abort(403)


def local_day(text: str, end: bool) -> datetime | None:
    """The UTC moment a typed local date starts (or, with end, the next day starts); None if
    empty or unreadable."""
    try:
        day = date.fromisoformat((text or "").strip())
    except ValueError:
        return None
    if end:
        day += timedelta(days=1)
    moment = datetime.combine(day, time(0, 0), tzinfo=ZoneInfo(current_app.config["TIMEZONE"]))
    return moment.astimezone(ZoneInfo("UTC"))


def read_filters(args) -> dict[str, str]:
    """The filter fields of the query string, trimmed to the column lengths."""
    limits = {"entity": 40, "actor": 80, "action": 40, "entity_id": 64, "zone": 32,
              "since": 10, "until": 10}
    return {name: (args.get(name) or "").strip()[:n] for name, n in limits.items()}


def filtered_query(filters: dict[str, str]):
    """The events matching the filters, newest first."""
    query = select(AuditEvent)
    for name in ("entity", "actor", "action", "entity_id"):
        if filters[name]:
            query = query.where(getattr(AuditEvent, name) == filters[name])
    if filters["zone"]:
        zone = db.session.scalars(select(Zone).where(Zone.code == filters["zone"])).first()
        query = query.where(AuditEvent.zone_id == (zone.id if zone else -1))
    since, until = local_day(filters["since"], False), local_day(filters["until"], True)
    if since is not None:
        query = query.where(AuditEvent.at >= since)
    if until is not None:
        query = query.where(AuditEvent.at < until)
    return query


def distinct_values(column) -> list[str]:
    """The values a filter can take, as they occur in the trail."""
    return list(db.session.scalars(select(column).distinct().order_by(column)))


def diff_rows(event: AuditEvent) -> list[tuple[str, object, object]]:
    """(field, before, after) for every field the event names."""
    before, after = event.before or {}, event.after or {}
    return [(key, before.get(key), after.get(key)) for key in dict.fromkeys([*before, *after])]


@bp.get("/")
def trail():
    """The trail: filter by kind, actor, action, zone, record id and date range; 50 a page."""
    filters = read_filters(request.args)
    page = request.args.get("page", "1")
    page = int(page) if page.isdigit() and 0 < int(page) < 100_000 else 1
    query = filtered_query(filters)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    events = list(db.session.scalars(query.order_by(AuditEvent.id.desc())
                                     .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)))
    zones = list(db.session.scalars(select(Zone).order_by(Zone.code)))
    return render_template("audit/trail.html", events=events, filters=filters, page=page,
                           total=total, pages=max(1, -(-total // PAGE_SIZE)), diff_rows=diff_rows,
                           zones=zones, zone_names={z.id: z.name for z in zones},
                           set_filters={k: v for k, v in filters.items() if v}, local_time=local_time,
                           entity_label=lambda c: label(ENTITY_LABELS, c),
                           action_label=lambda c: label(ACTION_LABELS, c),
                           field_label=lambda c: label(FIELD_LABELS, c),
                           entities=distinct_values(AuditEvent.entity),
                           actions=distinct_values(AuditEvent.action),
                           actors=distinct_values(AuditEvent.actor))


def init_app(app: Flask) -> None:
    """Register the page and its navigation link."""
    from .. import nav
    app.register_blueprint(bp)
    nav.register(app, "audit.trail", _l("Audit trail"), nav.admins, order=90)
