"""JSON API for problems, follow-ups and the monthly report (ACCEPTANCE: "Visits, problems and
the monthly report"). Thin: parse, call a service, answer."""
from __future__ import annotations

from flask import Blueprint, Response, g, jsonify, request
from flask_babel import lazy_gettext as _l

from ..downloads import content_disposition
from ..errors import InvalidInput, NotFound
from ..extensions import db
from ..guards import read_json_object
from ..organisation.auth import require_role, token_required
from . import monthly, problems
from .models import Visit

bp = Blueprint("problems_api", __name__, url_prefix="/api/v1")


def _writer() -> None:
    """Viewers read only."""
    require_role(g.user, "admin", "supervisor")


@bp.post("/visits/<int(max=2147483647):visit_id>/problems")
@token_required
def raise_on_visit(visit_id: int):
    """Raise a problem found on a visit (draft or submitted)."""
    _writer()
    visit = db.session.get(Visit, visit_id)
    if visit is None:
        raise NotFound(_l("Not found."))
    problems.check_can_write(g.user, visit.school)
    body = read_json_object()
    problem = problems.raise_problem(
        visit.school, category=body.get("category"), description=body.get("description"),
        deadline=body.get("deadline"), requirement=body.get("requirement"),
        indicator=body.get("indicator"), audience=body.get("audience"), visit=visit,
        actor=g.user, note=body.get("note"))
    return jsonify(problems.problem_json(problem)), 201


@bp.get("/problems/<int(max=2147483647):problem_id>")
@token_required
def get_problem(problem_id: int):
    """One problem with its history, follow-ups and before/after comparison."""
    return jsonify(problems.problem_json(problems.get_problem(problem_id, g.user)))


@bp.patch("/problems/<int(max=2147483647):problem_id>")
@token_required
def update_problem(problem_id: int):
    """Move open ↔ rectifying, or mark as needing other departments (难点问题)."""
    _writer()
    problem = problems.get_problem(problem_id, g.user)
    problems.check_can_write(g.user, problem.school)
    return jsonify(problems.problem_json(problems.update_problem(problem, read_json_object(), g.user)))


@bp.post("/problems/<int(max=2147483647):problem_id>/follow-ups")
@token_required
def add_follow_up(problem_id: int):
    """Record a follow-up (回访): rectified or not."""
    _writer()
    problem = problems.get_problem(problem_id, g.user)
    problems.check_can_write(g.user, problem.school)
    day, rectified, note = problems.parse_follow_up(read_json_object())
    problems.add_follow_up(problem, day=day, rectified=rectified, note=note, actor=g.user)
    return jsonify(problems.problem_json(problem)), 201


@bp.post("/problems/<int(max=2147483647):problem_id>/close")
@token_required
def close_problem(problem_id: int):
    """Strike the problem off (销号)."""
    _writer()
    problem = problems.get_problem(problem_id, g.user)
    problems.check_can_write(g.user, problem.school)
    body = read_json_object(optional=True)
    errors: dict = {}
    note = problems._text(body.get("note"), "note", errors)
    if errors:
        raise InvalidInput(_l("Some fields are invalid."), errors)
    problems.close_problem(problem, note=note, actor=g.user)
    return jsonify(problems.problem_json(problem))


@bp.get("/problems")
@token_required
def list_problems():
    """Problems visible to the caller, filtered."""
    filters = problems.parse_filters(request.args, g.user)
    today = problems.local_today()
    return jsonify([problems.problem_json(p, today, with_comparison=False)
                    for p in problems.list_problems(g.user, filters, today)])


@bp.get("/reports/monthly")
@token_required
def monthly_report():
    """The monthly report: one row per supervisor per zone, and the schools not visited."""
    month = monthly.parse_month(request.args.get("month"))
    report = monthly.monthly_report(g.user, month, request.args.get("zone"))
    if request.args.get("format") == "xlsx":
        from .problems_views import monthly_headers
        data = monthly.monthly_xlsx(report, monthly_headers())
        return Response(data, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        headers={"Content-Disposition": content_disposition(f"monthly-{month.code}.xlsx")})
    return jsonify(report)


@bp.post("/reports/monthly")
@token_required
def submit_monthly():
    """A supervisor submits their monthly report for a zone; the figures are frozen."""
    _writer()
    body = read_json_object()
    month = monthly.parse_month(body.get("month") or None)
    entry = monthly.submit_monthly(g.user, month, body.get("zone"), body.get("note"))
    return jsonify(monthly.report_json(entry)), 201


@bp.get("/reports/monthly/submissions")
@token_required
def monthly_submissions():
    """Who has and has not submitted the monthly report for a month."""
    month = monthly.parse_month(request.args.get("month"))
    return jsonify({"month": month.code, "due": month.due().isoformat(),
                    "rows": monthly.submissions(g.user, month, request.args.get("zone"))})


@bp.get("/reports/six-at-leasts")
@token_required
def six_at_leasts():
    """Per supervisor per school: the six at-leasts (六个至少) of a semester, done and missing."""
    return jsonify(monthly.six_at_leasts(g.user, request.args.get("semester"), request.args.get("zone")))


@bp.get("/reports/coverage")
@token_required
def coverage():
    """School × month grid of visits over a semester, with the gaps."""
    return jsonify(monthly.coverage(g.user, request.args.get("semester"), request.args.get("zone")))
