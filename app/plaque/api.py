"""Staff JSON API of plaques and reports (ACCEPTANCE: "The school plaque and anonymous reports").
Thin: parse, call a service, answer."""
from __future__ import annotations

from flask import Blueprint, g, jsonify, request
from flask_babel import lazy_gettext as _l

from ..errors import Forbidden, InvalidInput
from ..guards import read_json
from ..organisation.auth import token_required
from . import services

bp = Blueprint("plaque_api", __name__, url_prefix="/api/v1")


@bp.get("/schools/<code>/plaque")
@token_required
def plaque(code: str):
    """The school's permanent plaque link, QR codes and poster."""
    school = services.school_for(g.user, code)
    return jsonify(services.plaque_links(services.live_plaque(school)))


@bp.post("/schools/<code>/plaque/regenerate")
@token_required
def regenerate(code: str):
    """Retire the plaque link and make a new one → 201 with the new links."""
    school = services.school_for(g.user, code)
    return jsonify(services.plaque_links(services.regenerate_plaque(g.user, school))), 201


@bp.get("/complaints")
@token_required
def complaints():
    """Reports in the user's zones (?status=&zone=&kind=&school=&overdue=1); viewers 403."""
    args = request.args
    rows = services.list_complaints(
        g.user, status=args.get("status") or None, zone_code=args.get("zone") or None,
        kind=args.get("kind") or None, school_code=args.get("school") or None,
        overdue_only=args.get("overdue") == "1")
    today = services.local_today()
    return jsonify([services.complaint_json(c, today) for c in rows])


@bp.get("/complaints/<int(max=2147483647):complaint_id>")
@token_required
def complaint(complaint_id: int):
    """One report with its history."""
    row = services.get_complaint(complaint_id, g.user)
    return jsonify({**services.complaint_json(row),
                    "history": [services.event_json(e) for e in row.events]})


@bp.post("/complaints/<int(max=2147483647):complaint_id>/transitions")
@token_required
def transition(complaint_id: int):
    """{"status", "note"?, "reply"?, "spam"?} → 200 with the report; 409 for a disallowed move."""
    row = services.get_complaint(complaint_id, g.user)
    services.transition(row, g.user, read_json())
    return jsonify({**services.complaint_json(row),
                    "history": [services.event_json(e) for e in row.events]})


@bp.post("/complaints/<int(max=2147483647):complaint_id>/problem")
@token_required
def raise_problem(complaint_id: int):
    """{"description", "deadline", "category"?, "requirement"?} → 201 {"problem_id", "complaint"}."""
    row = services.get_complaint(complaint_id, g.user)
    problem = services.raise_problem_from(row, g.user, read_json())
    return jsonify({"problem_id": problem.id, "complaint": services.complaint_json(row)}), 201


@bp.get("/complaints/counts")
@token_required
def counts():
    """Counts only (never texts): ?zone=CODE or ?school=CODE, ?start=&end= (YYYY-MM-DD)."""
    from ..visits.problems import parse_date
    zones = services.handled_zones(g.user)
    args = request.args
    zone_id = school_id = None
    if args.get("school"):
        school = services.school_for(g.user, args["school"])
        services.check_can_handle(g.user, school)
        school_id = school.id
    elif args.get("zone"):
        zone = next((z for z in zones if z.code == args["zone"]), None)
        if zone is None:
            raise Forbidden(_l("You do not have permission to do this."))
        zone_id = zone.id
    elif g.user.role != "admin":
        raise InvalidInput(_l("Some fields are invalid."), {"zone": _l("Name one of your zones.")})
    start = parse_date(args["start"], "start") if args.get("start") else None
    end = parse_date(args["end"], "end") if args.get("end") else None
    return jsonify(services.complaint_counts(zone_id=zone_id, school_id=school_id, start=start,
                                             end=end))
