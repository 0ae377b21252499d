"""Reading the HTML form: answers by question id, the timing ticket and the honeypot."""
from __future__ import annotations

import time

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from werkzeug.datastructures import MultiDict

from ..definitions import Survey

#: The browser's random, per-browser cookie; only a keyed hash of it is stored, apart from answers.
DEVICE_COOKIE = "dd_b"
DEVICE_COOKIE_AGE = 365 * 24 * 3600
#: A field people never see; bots fill every field they find.
HONEYPOT = "_hp_website"
#: How long a served form stays valid before it must be re-served (answers are kept).
TICKET_MAX_AGE = 3 * 24 * 3600


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="form-ticket")


def new_ticket(launch_id: int) -> str:
    """A signed note of which launch's form was served, and when."""
    return _serializer().dumps(launch_id)


def check_ticket(ticket: str | None, launch_id: int) -> str | None:
    """None if the form was served for this launch long enough ago; else the problem in words."""
    if not ticket:
        return _("Please submit the form from the survey page.")
    try:
        served_for, served_at = _serializer().loads(ticket, max_age=TICKET_MAX_AGE,
                                                    return_timestamp=True)
    except SignatureExpired:
        return _("This page was open for a long time. Please check your answers and submit again.")
    except BadSignature:
        return _("Please submit the form from the survey page.")
    if served_for != launch_id:
        return _("Please submit the form from the survey page.")
    if time.time() - served_at.timestamp() < current_app.config["FORM_MIN_SECONDS"]:
        return _("That was very quick. Please check your answers and submit again.")
    return None


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
