"""Staff API for visit records (督导纪实). Each view: authenticate, parse, call a service, serialise."""
from __future__ import annotations

from flask import Blueprint, g, jsonify, request

from ..api.blueprint import created
from ..guards import read_json_object
from ..organisation.auth import token_required
from . import services
from .checklists import checklist_items

bp = Blueprint("visits_api", __name__, url_prefix="/api/v1")


@bp.get("/checklists")
@token_required
def checklists():
    """The objective checklist items, each with the indicator it is checked against."""
    return jsonify([item.to_public() for item in checklist_items()])


@bp.post("/visits")
@token_required
def post_visit():
    """Create a draft visit record."""
    return created(services.serialise(services.create_visit(g.user, read_json_object())))


@bp.get("/visits")
@token_required
def list_visits():
    """Records visible to the caller (?school=CODE&month=YYYY-MM&status=draft|submitted&mine=1)."""
    visits = services.list_visits(g.user, request.args.get("school"), request.args.get("month"),
                                  request.args.get("status"), mine=request.args.get("mine") == "1")
    return jsonify([services.serialise(v) for v in visits])


@bp.get("/visits/<int(max=2147483647):visit_id>")
@token_required
def get_visit(visit_id: int):
    """One record: live evidence while a draft, frozen once submitted."""
    return jsonify(services.serialise(services.get_visit(g.user, visit_id)))


@bp.patch("/visits/<int(max=2147483647):visit_id>")
@token_required
def patch_visit(visit_id: int):
    """Change fields of a draft (409 once submitted)."""
    visit = services.get_visit(g.user, visit_id)
    return jsonify(services.serialise(services.update_visit(g.user, visit, read_json_object())))


@bp.post("/visits/<int(max=2147483647):visit_id>/submit")
@token_required
def submit_visit(visit_id: int):
    """Submit: lock the record and freeze its evidence."""
    visit = services.get_visit(g.user, visit_id)
    return jsonify(services.serialise(services.submit_visit(g.user, visit)))


@bp.post("/visits/<int(max=2147483647):visit_id>/amendments")
@token_required
def post_amendment(visit_id: int):
    """Add an amendment to a submitted record."""
    visit = services.get_visit(g.user, visit_id)
    amendment = services.amend_visit(g.user, visit, read_json_object())
    return created({"id": amendment.id, "visit": visit.id, "text": amendment.text,
                     "at": services.iso_time(amendment.created_at),
                     "by": amendment.created_by.username if amendment.created_by else None})
