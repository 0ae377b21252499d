"""The public side of the plaque: the school's page, the report form, the follow-up page, and
their JSON twins. No sign-in, no session (paths under /s/ and /api/v1/public/ never get one)."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template, request, url_for
from flask_babel import lazy_gettext as _l

from ..errors import Gone, InvalidInput, NotFound, ServiceError
from ..extensions import limiter
from ..guards import read_json
from ..launches.blueprint import pdf_download, qr_response
from ..respond.form import HONEYPOT, check_ticket, new_ticket
from .models import CATEGORIES, KINDS
from .services import (CATEGORY_LABELS, KIND_LABELS, MAX_CONTACT, MAX_TEXT, STATUS_LABELS,
                       add_information, file_report, live_plaque, open_launches, parse_report,
                       plaque_by_token, plaque_links, report_by_code, reporter_view,
                       supervisor_names)

bp = Blueprint("plaque_public", __name__)


def report_limit() -> str:
    """Reports one address may file a minute (memory only, per worker; the address is never stored)."""
    return current_app.config["PLAQUE_REPORT_LIMIT"]


#: The form and the JSON endpoint share one budget per address, so using both gains nothing.
limit_reports = limiter.shared_limit(report_limit, scope="plaque-reports")
#: Follow-up look-ups have their own budget: a code cannot be guessed by trying many quickly.
limit_lookups = limiter.shared_limit(report_limit, scope="plaque-lookups")


def _live_link(token: str):
    """The live plaque behind a token; 404 if unknown, 410 (naming the new one) if retired."""
    link = plaque_by_token(token)
    if link is None:
        raise NotFound(_l("This plaque link does not exist. Please check the QR code or link."))
    if link.retired_at is not None:
        exc = Gone(_l("This plaque has been replaced. Please use the new plaque at the school."))
        exc.link = link
        raise exc
    return link


def _ticket_key(link) -> str:
    """What the form ticket is bound to: this plaque (a ticket from another school's page fails)."""
    return f"plaque:{link.id}"


def _page(link, *, form=None, errors=None, notice=None, status=200, ticket=None):
    """The plaque page with the report form."""
    school = link.school
    page = render_template(
        "plaque/page.html", link=link, school=school, supervisors=supervisor_names(school),
        launches=open_launches(school), form=form or {}, errors=errors or {}, notice=notice,
        ticket=ticket or new_ticket(_ticket_key(link)), honeypot=HONEYPOT, kinds=KINDS,
        categories=CATEGORIES, kind_labels=KIND_LABELS, category_labels=CATEGORY_LABELS,
        max_text=MAX_TEXT, max_contact=MAX_CONTACT)
    response = current_app.make_response((page, status))
    response.headers["Cache-Control"] = "no-store"  # the form holds a one-off ticket
    return response


def _retired_page(exc: Gone):
    """The clear page for a retired plaque, pointing to the school's new one."""
    new = live_plaque(exc.link.school)
    return render_template("plaque/retired.html", school=exc.link.school,
                           new_url=url_for("plaque_public.page", token=new.token)), 410


@bp.get("/s/p/<token>", endpoint="page")
def page(token: str):
    """The school's plaque page: its supervisors, open surveys by audience, the report form."""
    try:
        link = _live_link(token)
    except Gone as exc:
        return _retired_page(exc)
    return _page(link)


@bp.post("/s/p/<token>", endpoint="submit")
@limit_reports
def submit(token: str):
    """The report form's own submission: honeypot, fill time, checks, then the receipt once."""
    try:
        link = _live_link(token)
    except Gone as exc:
        return _retired_page(exc)
    form = {key: request.form.get(key, "") for key in ("kind", "category", "text", "contact")}
    if request.form.get(HONEYPOT):
        # Only bots fill the hidden field: they see a thank-you and nothing is stored.
        return render_template("plaque/filed.html", school=link.school, receipt=None, code=None)
    served = request.form.get("_ticket")
    ticket = check_ticket(served, _ticket_key(link))
    if ticket.problem and not ticket.too_quick:
        return _page(link, form=form, notice=ticket.problem, status=400)
    try:
        clean = parse_report(form)
    except InvalidInput as exc:
        return _page(link, form=form, errors=exc.fields, status=422, ticket=served)
    if ticket.too_quick:
        return _page(link, form=form, notice=ticket.problem, status=400, ticket=served)
    receipt, code = file_report(link, clean)
    response = current_app.make_response(render_template(
        "plaque/filed.html", school=link.school, receipt=receipt, code=code))
    response.headers["Cache-Control"] = "no-store"  # the code is shown once, never cached
    return response


@bp.get("/s/p/<token>/qr.png", endpoint="qr_png")
def qr_png_view(token: str):
    """The plaque's QR code as PNG."""
    return qr_response(plaque_links(_live_link(token))["url"], "png")


@bp.get("/s/p/<token>/qr.svg", endpoint="qr_svg")
def qr_svg_view(token: str):
    """The plaque's QR code as SVG."""
    return qr_response(plaque_links(_live_link(token))["url"], "svg")


@bp.get("/s/p/<token>/poster.pdf", endpoint="poster")
def poster(token: str):
    """The printable plaque poster (?size=a3 for A3; A4 otherwise)."""
    from .poster import plaque_poster, poster_filename
    link = _live_link(token)
    size = "a3" if request.args.get("size") == "a3" else "a4"
    return pdf_download(plaque_poster(link, size), poster_filename(link, size))


@bp.route("/s/followup", methods=["GET", "POST"], endpoint="followup")
@limit_lookups
def followup():
    """The reporter's follow-up page: enter the code (sent by POST, so it stays out of URLs and
    logs), see the status and reply, add information."""
    if request.method == "GET":
        return _followup_page(None, code="", status=200)
    code = request.form.get("code", "").strip()
    complaint = report_by_code(code)
    if complaint is None:
        return _followup_page(None, code=code, status=404,
                              notice=_l("No report has this code. Please check it and try again."))
    errors = {}
    added = False
    if request.form.get("action") == "add":
        try:
            add_information(complaint, request.form.get("text"))
            added = True
        except ServiceError as exc:
            errors = exc.fields or {"text": exc.message}
    return _followup_page(complaint, code=code, status=422 if errors else 200, errors=errors,
                          added=added)


def _followup_page(complaint, *, code: str, status: int, notice=None, errors=None, added=False):
    """The follow-up page: the code form, or the report's status, reply and additions."""
    page = render_template("plaque/followup.html", complaint=complaint, code=code, notice=notice,
                           view=reporter_view(complaint) if complaint else None,
                           errors=errors or {}, added=added, status_labels=STATUS_LABELS,
                           max_text=MAX_TEXT)
    response = current_app.make_response((page, status))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/api/v1/public/plaque/<token>/reports", endpoint="report_json")
@limit_reports
def report_json(token: str):
    """File a report: {"kind", "category"?, "text", "contact"?} → 201 {"receipt", "follow_up_code"}."""
    link = _live_link(token)
    clean = parse_report(read_json())
    receipt, code = file_report(link, clean)
    return jsonify({"receipt": receipt, "follow_up_code": code}), 201


@bp.get("/api/v1/public/reports/<code>", endpoint="followup_json")
@limit_lookups
def followup_json(code: str):
    """The reporter's view of a report: {"status", "reply"?, "additions"}."""
    complaint = report_by_code(code)
    if complaint is None:
        raise NotFound(_l("No report has this code. Please check it and try again."))
    return jsonify(reporter_view(complaint))


@bp.post("/api/v1/public/reports/<code>/additions", endpoint="add_json")
@limit_reports
def add_json(code: str):
    """Add information to a report: {"text"} → 201 with the reporter's view."""
    complaint = report_by_code(code)
    if complaint is None:
        raise NotFound(_l("No report has this code. Please check it and try again."))
    body = read_json()
    add_information(complaint, body.get("text") if isinstance(body, dict) else None)
    return jsonify(reporter_view(complaint)), 201
