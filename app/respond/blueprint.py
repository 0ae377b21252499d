"""URL rules of the public side: thin views over app.definitions and app.responses."""
from __future__ import annotations

import json
import re

from flask import (Blueprint, current_app, jsonify, render_template, request,
                   send_from_directory, url_for)
from flask_babel import gettext as _, lazy_gettext as _l

from ..definitions import STAGE_GRADES, Survey, validate_answers
from ..errors import Forbidden, Gone, InvalidInput, NotFound, ServiceError
from ..extensions import limiter
from ..guards import read_json
from ..launches.services import PublicLaunch, public_launch
from ..organisation.models import utcnow
from ..responses.services import MAX_IDEMPOTENCY_KEY, store_response
from ..surveys.registry import definition_for
from .form import (ANSWERED_COOKIE, HONEYPOT, OLD_DEVICE_COOKIE, answered_launches,
                   answers_from_form, check_ticket, new_ticket, question_numbers,
                   set_answered_cookie)
from .messages import answer_messages

bp = Blueprint("respond", __name__)


def submit_limit() -> str:
    """Requests a minute one address may send to the public side (memory only, per worker)."""
    return current_app.config["PUBLIC_SUBMIT_LIMIT"]


def open_launch(token: str) -> PublicLaunch:
    """The launch behind the token if it is taking responses; otherwise 404, 403 or 410.

    The state is judged on every request against the current time; the launch row itself may be
    up to PUBLIC_LAUNCH_CACHE_SECONDS old in a worker that did not close it (see public_launch)."""
    launch = public_launch(token)
    if launch is None:
        raise NotFound(_l("This survey link does not exist. Please check the QR code or link."))
    state = launch.state(utcnow())
    if state == "closed":
        raise Gone(_l("This survey has closed. Thank you for your interest."))
    if state == "scheduled":
        raise Forbidden(_l("This survey is not open yet."))
    return launch


def _page_for_unavailable(token: str):
    """Render the friendly page for an unknown, closed or not-yet-open launch."""
    try:
        return open_launch(token), None
    except ServiceError as exc:
        page = render_template("respond/unavailable.html", message=exc.message, status=exc.status)
        return None, (page, exc.status)


@bp.get("/s/<token>", endpoint="form")
def form(token: str):
    """The anonymous form."""
    launch, unavailable = _page_for_unavailable(token)
    if unavailable:
        return unavailable
    if launch.id in answered_launches(request.cookies.get(ANSWERED_COOKIE)):
        return render_template("respond/already.html", launch=launch), 200
    return _render_form(launch, answers={}, errors={}, status=200)


@bp.post("/s/<token>", endpoint="submit_form")
@limiter.limit(submit_limit)
def submit_form(token: str):
    """The form's own submission: validate, store once per browser, thank."""
    launch, unavailable = _page_for_unavailable(token)
    if unavailable:
        return unavailable
    definition = _definition(launch)
    answers = answers_from_form(definition, request.form)
    if request.form.get(HONEYPOT):
        # Only bots fill the hidden field; they get the normal thanks and nothing is stored.
        return render_template("respond/thanks.html", launch=launch, receipt=None)
    # One response per browser: the browser's own signed list of answered launches. No server
    # row stands for a browser (it could be lined up with the response, docs/privacy.md).
    answered = answered_launches(request.cookies.get(ANSWERED_COOKIE))
    if launch.id in answered:
        return render_template("respond/already.html", launch=launch), 409
    served = request.form.get("_ticket")
    ticket = check_ticket(served, launch.id)
    if ticket.problem and not ticket.too_quick:
        return _render_form(launch, answers, {}, status=400, notice=ticket.problem)
    # Real mistakes come first: a quick submission with empty answers hears "please answer",
    # not "too fast". Re-shown forms keep their ticket, so the clock is never restarted.
    clean, errors = validate_answers(definition, answers, grades=_grades(launch), from_form=True)
    if errors:
        return _render_form(launch, answers, answer_messages(errors, definition), status=422,
                            ticket=served)
    if ticket.too_quick:
        return _render_form(launch, answers, {}, status=400, notice=ticket.problem, ticket=served)
    # The same served form sent twice (double click) gets the first receipt and stores nothing.
    receipt, _replayed = store_response(
        launch_id=launch.id, school_id=launch.school_id,
        survey_version_id=launch.survey_version_id, answers=clean, form_nonce=ticket.nonce)
    response = current_app.make_response(
        render_template("respond/thanks.html", launch=launch, receipt=receipt))
    set_answered_cookie(response, answered, launch.id)
    if OLD_DEVICE_COOKIE in request.cookies:
        response.delete_cookie(OLD_DEVICE_COOKIE, path="/s/")
    return response


@bp.post("/api/v1/public/<token>/responses", endpoint="submit_json")
@limiter.limit(submit_limit)
def submit_json(token: str):
    """JSON submission for apps and kiosks: {"answers": {...}} -> 201 {"receipt"}."""
    launch = open_launch(token)
    body = read_json()  # 400 for malformed, too deep, NUL or unpaired surrogates
    if not isinstance(body, dict) or not isinstance(body.get("answers"), dict):
        raise InvalidInput(_l("Some answers are invalid."),
                           {"answers": _l("Give the answers as an object keyed by question id.")})
    key = request.headers.get("Idempotency-Key")
    if key is not None and not (1 <= len(key) <= MAX_IDEMPOTENCY_KEY):
        raise ServiceError(_l("The Idempotency-Key header is too long."),
                           {"Idempotency-Key": _l("At most %(n)d characters.", n=MAX_IDEMPOTENCY_KEY)})
    definition = _definition(launch)
    clean, errors = validate_answers(definition, body["answers"], grades=_grades(launch))
    if errors:
        raise InvalidInput(_l("Some answers are invalid."), answer_messages(errors, definition))
    receipt, replayed = store_response(
        launch_id=launch.id, school_id=launch.school_id, survey_version_id=launch.survey_version_id,
        answers=clean, idempotency_key=key)
    # The same bytes jsonify would send, without its provider machinery on the hot path.
    response = current_app.response_class(
        json.dumps({"receipt": receipt}, separators=(",", ":")) + "\n", status=201,
        mimetype="application/json")
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response


@bp.get("/api/v1/public/<token>", endpoint="definition_json")
def definition_json(token: str):
    """The launch's own definition for apps and kiosks: only its school's grades are offered,
    so answers built from this JSON alone are always accepted by submit_json."""
    launch = open_launch(token)
    lang = "en" if request.args.get("lang") == "en" else "zh"
    data = _definition(launch).to_public(lang=lang, grades=_grades(launch))
    data["school"] = launch.school.name
    data["audience"] = launch.audience
    data["submit_url"] = url_for("respond.submit_json", token=token)
    return jsonify(data)


@bp.get("/privacy", endpoint="privacy")
def privacy():
    """The short privacy promise the form links to, with a way back to that form."""
    back = request.args.get("back", "")
    back_url = url_for("respond.form", token=back, lang=request.args.get("lang") or None) \
        if _TOKEN_SHAPE.fullmatch(back) else None
    return render_template("respond/privacy.html", back_url=back_url)


@bp.get("/favicon.ico", endpoint="favicon")
def favicon():
    """The site icon browsers ask for (a day in caches)."""
    return send_from_directory(current_app.static_folder, "favicon.ico",
                               mimetype="image/vnd.microsoft.icon", max_age=86400)


#: What a launch token looks like (URL-safe base64); anything else is not linked back to.
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{8,64}")


def _grades(launch: PublicLaunch) -> tuple[str, ...]:
    return STAGE_GRADES[launch.school.stage]


def _definition(launch: PublicLaunch) -> Survey:
    return definition_for(launch.survey_version_id, launch.content_hash)


def _render_form(launch: PublicLaunch, answers: dict, errors: dict, status: int,
                 notice: str | None = None, ticket: str | None = None):
    """The form page; `ticket` re-uses the ticket a re-shown form was first served with."""
    definition = _definition(launch)
    grades = _grades(launch)
    numbers = question_numbers(definition, grades)
    # The summary lists errors in page order, by the numbers printed beside the questions.
    errors = dict(sorted(errors.items(), key=lambda item: numbers.get(item[0], 0)))
    page = render_template("respond/form.html", launch=launch, survey=definition,
                           grades=grades, answers=answers, errors=errors, notice=notice,
                           numbers=numbers, ticket=ticket or new_ticket(launch.id),
                           honeypot=HONEYPOT)
    response = current_app.make_response((page, status))
    # Forms hold a one-off ticket: never serve them from a shared cache.
    response.headers["Cache-Control"] = "no-store"
    return response
