"""Reading the HTML form: answers by question id, the timing ticket and the honeypot."""
from __future__ import annotations

import secrets
import time
from datetime import datetime, timedelta, timezone
from typing import NamedTuple

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer
from werkzeug.datastructures import MultiDict

from ..definitions import Survey

#: The signed list of launches this browser has answered. It lives only in the browser: the
#: server stores no row for a browser, so nothing written with a response can be lined up with
#: it (docs/privacy.md).
ANSWERED_COOKIE = "dd_a"
#: The per-browser cookie of earlier versions (its server rows are gone); deleted when seen.
OLD_DEVICE_COOKIE = "dd_b"
ANSWERED_COOKIE_DAYS = 400
#: Launches remembered in the cookie (the newest); keeps the cookie well under 4 KB.
ANSWERED_MAX = 100
#: A field people never see; bots fill every field they find.
HONEYPOT = "_hp_website"
#: How long a served form stays valid before it must be re-served (answers are kept).
TICKET_MAX_AGE = 3 * 24 * 3600


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="form-ticket")


def new_ticket(launch_id: int) -> str:
    """A signed note of which launch's form was served, when, and a random nonce: the nonce
    fixes the receipt of whatever is submitted with this form, so the same form sent twice
    (a double click, back and submit again) is stored once (see store_response)."""
    return _serializer().dumps([launch_id, secrets.token_urlsafe(16)])


class Ticket(NamedTuple):
    """What a submitted form's ticket says."""

    #: None if the ticket is good, else the problem in words.
    problem: str | None
    #: The served form's nonce (None for old tickets or a bad ticket).
    nonce: str | None
    #: The ticket is good except that the form came back sooner than FORM_MIN_SECONDS.
    too_quick: bool = False


def check_ticket(ticket: str | None, launch_id: int) -> Ticket:
    """Read the ticket of a submitted form: whether it was served for this launch, long enough
    ago, and its nonce. A too-quick ticket stays usable: the form is shown again with the SAME
    ticket, so the time keeps counting from when the form was first served."""
    if not ticket:
        return Ticket(_("Please submit the form from the survey page."), None)
    try:
        served, served_at = _serializer().loads(ticket, max_age=TICKET_MAX_AGE,
                                                return_timestamp=True)
    except SignatureExpired:
        return Ticket(_("This page was open for a long time. Please check your answers and "
                        "submit again."), None)
    except BadSignature:
        return Ticket(_("Please submit the form from the survey page."), None)
    # Forms served before tickets carried a nonce hold just the launch id.
    served_for, nonce = (served if isinstance(served, list) and len(served) == 2 else (served, None))
    if served_for != launch_id or not (nonce is None or isinstance(nonce, str)):
        return Ticket(_("Please submit the form from the survey page."), None)
    if time.time() - served_at.timestamp() < current_app.config["FORM_MIN_SECONDS"]:
        return Ticket(_("That was very quick. Please check your answers and submit again."),
                      nonce, too_quick=True)
    return Ticket(None, nonce)


def _answered_serializer() -> URLSafeSerializer:
    # No timestamp (a timed serializer would record the second of the submission).
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="answered-launches")


def answered_launches(cookie: str | None) -> list[int]:
    """The launches the browser's cookie says it has answered (none for a missing or forged one)."""
    if not cookie or len(cookie) > 2048:
        return []
    try:
        launches = _answered_serializer().loads(cookie)
    except BadSignature:
        return []
    if not isinstance(launches, list):
        return []
    return [n for n in launches if isinstance(n, int) and not isinstance(n, bool)]


def set_answered_cookie(response, answered: list[int], launch_id: int) -> None:
    """Add the launch to the browser's answered list. The expiry is rounded to the day, so the
    cookie does not record when the answer was given."""
    launches = [n for n in answered if n != launch_id][-(ANSWERED_MAX - 1):] + [launch_id]
    today = datetime.now(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
    response.set_cookie(ANSWERED_COOKIE, _answered_serializer().dumps(launches),
                        expires=today + timedelta(days=ANSWERED_COOKIE_DAYS), path="/s/",
                        httponly=True, samesite="Lax",
                        secure=current_app.config["SESSION_COOKIE_SECURE"])


def answers_from_form(survey: Survey, form: MultiDict) -> dict:
    """Answers keyed by question id as strings (lists for multiple choice); other fields ignored."""
    answers = {}
    for question in survey.questions:
        if question.type == "multiple":
            values = [v for v in form.getlist(question.id) if v]
            if values:
                answers[question.id] = values
        elif question.id in form:
            answers[question.id] = form.get(question.id, "")
    return answers


def question_numbers(survey: Survey, grades: tuple[str, ...]) -> dict[str, int]:
    """The number printed beside each question on the form (a grade question the school has no
    grades for is not shown, and not counted)."""
    numbers: dict[str, int] = {}
    for question in survey.questions:
        if question.type == "grade" and not question.options_for(grades):
            continue
        numbers[question.id] = len(numbers) + 1
    return numbers
