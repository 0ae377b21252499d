"""URL rules of the staff API. Each view: authenticate, parse, call a service, serialise."""
from __future__ import annotations

from flask import Blueprint, g, jsonify, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import text

from ..errors import Forbidden, NotFound
from ..guards import read_json_object
from ..extensions import db
from ..launches.services import (close_launch, get_launch, launch_at_school, launch_batch, launch_links,
                                 parse_launch_request)
from ..organisation.auth import require_role, token_required
from ..organisation.services import (activate_user, assign_supervisor, can_see_school,
                                     create_school, create_zone, deactivate_user, list_users,
                                     reset_password, revoke_token, revoke_tokens, school_by_code,
                                     unassign_supervisor, zone_by_code)
from ..surveys.registry import active_surveys, definition_of, latest_version

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def health():
    """Liveness and database reachability."""
    db.session.execute(text("SELECT 1"))
    return jsonify({"status": "ok"})


def created(payload: dict):
    """A 201 JSON answer."""
    response = jsonify(payload)
    response.status_code = 201
    return response


@bp.get("/surveys")
@token_required
def list_surveys():
    """Every launchable survey, newest version."""
    return jsonify([{"key": s.key, "version": s.latest.version, "title": s.latest.title,
                     "audiences": list(definition_of(s.latest).audiences)} for s in active_surveys()])


@bp.get("/surveys/<key>")
@token_required
def show_survey(key: str):
    """One survey's newest definition (?lang=en for English labels)."""
    version = latest_version(key)
    if version is None:
        raise NotFound(_l("No survey has this key."))
    lang = "en" if request.args.get("lang") == "en" else "zh"
    return jsonify(definition_of(version).to_public(version=version.version, lang=lang))


@bp.post("/zones")
@token_required
def post_zone():
    """Create a zone (county office staff only)."""
    require_role(g.user, "admin")
    zone = create_zone(read_json_object())
    return created({"code": zone.code, "name": zone.name})


@bp.post("/zones/<code>/supervisors")
@token_required
def post_zone_supervisor(code: str):
    """Make a supervisor responsible for the zone."""
    require_role(g.user, "admin")
    body = read_json_object()
    zone = assign_supervisor(code, body.get("username"))
    return jsonify({"code": zone.code, "supervisors": [u.username for u in zone.supervisors]})


@bp.delete("/zones/<code>/supervisors/<username>")
@token_required
def delete_zone_supervisor(code: str, username: str):
    """Take the zone away from a supervisor."""
    require_role(g.user, "admin")
    zone = unassign_supervisor(code, username)
    return jsonify({"code": zone.code, "supervisors": [u.username for u in zone.supervisors]})


def user_json(user) -> dict:
    """A staff account as the API shows it."""
    return {"username": user.username, "display_name": user.display_name, "role": user.role,
            "active": user.active, "zones": [z.code for z in user.zones]}


@bp.get("/users")
@token_required
def get_users():
    """Every staff account (county office staff only)."""
    require_role(g.user, "admin")
    return jsonify([user_json(u) for u in list_users()])


@bp.post("/users/<username>/deactivate")
@token_required
def post_user_deactivate(username: str):
    """Deactivate an account: its sessions and tokens stop working at once."""
    require_role(g.user, "admin")
    return jsonify(user_json(deactivate_user(username, by=g.user)))


@bp.post("/users/<username>/activate")
@token_required
def post_user_activate(username: str):
    """Let a deactivated account sign in again."""
    require_role(g.user, "admin")
    return jsonify(user_json(activate_user(username)))


@bp.post("/users/<username>/password")
@token_required
def post_user_password(username: str):
    """Set a new password {"password"}; the user's sessions end."""
    require_role(g.user, "admin")
    return jsonify(user_json(reset_password(username, read_json_object().get("password"))))


@bp.post("/users/<username>/tokens/revoke")
@token_required
def post_user_tokens_revoke(username: str):
    """Revoke every API token of the user."""
    require_role(g.user, "admin")
    return jsonify({"username": username, "revoked": revoke_tokens(username)})


@bp.post("/tokens/revoke")
@token_required
def post_token_revoke():
    """Revoke the token this request is made with (any role)."""
    revoke_token(g.api_token)
    return jsonify({"revoked": 1})


@bp.post("/schools")
@token_required
def post_school():
    """Create a school in a zone."""
    require_role(g.user, "admin")
    school = create_school(read_json_object())
    return created({"code": school.code, "name": school.name, "stage": school.stage,
                    "zone": school.zone.code})


@bp.post("/launches")
@token_required
def post_launch():
    """Launch a survey at a school (or, with "zone" or "county": true, at many)."""
    require_role(g.user, "admin", "supervisor")
    body = read_json_object()
    launch_request = parse_launch_request(body)
    if body.get("county") is True or isinstance(body.get("zone"), str) and "school" not in body:
        batch = launch_batch(g.user, None if body.get("county") is True else body["zone"], launch_request)
        return created({"batch": batch.id, "launches": [launch_links(l) for l in batch.launches]})
    launch = launch_at_school(g.user, body.get("school"), launch_request)
    return created(launch_links(launch))


@bp.post("/launches/<int(max=2147483647):launch_id>/close")
@token_required
def close_launch_now(launch_id: int):
    """Close a launch: it takes no more answers (410 from then on). Publishes nothing new."""
    launch = visible_launch(launch_id)
    close_launch(g.user, launch)
    return jsonify({"id": launch.id, "state": "closed",
                    "closed_at": launch.closed_at.isoformat() if launch.closed_at else None})


@bp.get("/launches/<int(max=2147483647):launch_id>/summary")
@token_required
def launch_summary(launch_id: int):
    """Statistics of one launch, small groups suppressed."""
    from ..results.services import launch_summary as summarise_launch
    return jsonify(summarise_launch(visible_launch(launch_id)))


def visible_launch(launch_id: int):
    """The launch with that id if the caller may see its school: 404 unknown, 403 elsewhere."""
    launch = get_launch(launch_id)
    if not can_see_school(g.user, launch.school):
        raise Forbidden(_l("This school is not in your zones."))
    return launch


@bp.get("/schools/<code>/indicators")
@token_required
def school_indicators(code: str):
    """A school's indicators against the standards, zone, county, last year and over time."""
    from ..results.reports import parse_scope_args, school_report
    school = school_by_code(code)
    if school is None:
        raise NotFound(_l("No school has this code."))
    if not can_see_school(g.user, school):
        raise Forbidden(_l("This school is not in your zones."))
    year, audience = parse_scope_args(request.args)
    return jsonify(school_report(school, year, audience))


@bp.get("/zones/<code>/indicators")
@token_required
def zone_indicators(code: str):
    """A zone's indicators with its schools side by side."""
    from ..organisation.services import visible_zones
    from ..results.reports import parse_scope_args, zone_report
    zone = zone_by_code(code)
    if zone is None:
        raise NotFound(_l("No zone has this code."))
    if zone not in visible_zones(g.user):
        raise Forbidden(_l("This zone is not yours."))
    year, audience = parse_scope_args(request.args)
    return jsonify(zone_report(zone, year, audience))


@bp.get("/county/indicators")
@token_required
def county_indicators():
    """The county's indicators with every zone and school (county office and viewers)."""
    from ..results.reports import county_report, parse_scope_args
    require_role(g.user, "admin", "viewer")
    year, audience = parse_scope_args(request.args)
    return jsonify(county_report(year, audience))


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3.1 description of this API."""
    from pathlib import Path

    import yaml
    here = Path(__file__)
    spec = yaml.safe_load(here.with_name("openapi.yaml").read_text(encoding="utf-8"))
    # Each feature documents its own paths beside its code (app/<feature>/openapi*.yaml).
    for fragment_path in sorted(here.parent.parent.glob("*/openapi*.yaml")):
        if fragment_path == here.with_name("openapi.yaml"):
            continue
        fragment = yaml.safe_load(fragment_path.read_text(encoding="utf-8")) or {}
        spec.setdefault("paths", {}).update(fragment.get("paths") or {})
        for kind, entries in (fragment.get("components") or {}).items():
            spec.setdefault("components", {}).setdefault(kind, {}).update(entries or {})
    return jsonify(spec)
