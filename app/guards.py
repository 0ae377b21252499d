"""Input that no view should ever see: NUL characters and unpaired surrogates.

Neither can be stored (PostgreSQL refuses NUL in text; no driver can encode a lone surrogate),
and neither belongs in a name, code, token or answer. Refusing them here, once, turns what would
be a database error into a clear 400 everywhere.
"""
from __future__ import annotations

from flask import Flask, request
from flask_babel import lazy_gettext as _l

from .errors import ServiceError

#: Deepest JSON nesting accepted; real bodies are two or three levels deep.
MAX_JSON_DEPTH = 32


def is_clean(text: str) -> bool:
    """False for text with NUL or an unpaired surrogate."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def read_json():
    """The request body as JSON (any type), or a 400 that says what is wrong."""
    try:
        body = request.get_json(silent=True, force=True)
    except RecursionError:
        body = None
    if body is None:
        raise ServiceError(_l("The body must be valid JSON."))
    _check_json(body, 0)
    return body


def read_json_object(optional: bool = False) -> dict:
    """The request body as a JSON object, or a 400 that says so (`optional`: no body is {})."""
    if optional and not request.get_data():
        return {}
    body = read_json()
    if not isinstance(body, dict):
        raise ServiceError(_l("The body must be a JSON object."))
    return body


def _check_json(value, depth: int) -> None:
    if depth > MAX_JSON_DEPTH:
        raise ServiceError(_l("The JSON body is nested too deeply."))
    if isinstance(value, str):
        if not is_clean(value):
            raise ServiceError(_l("The request contains characters that are not allowed."))
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_json(key, depth + 1)
            _check_json(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _check_json(item, depth + 1)


def reject_unclean_input():
    """Before every request: 400 for NUL or unpaired surrogates in the path, query or form."""
    values = [request.path, *request.args.keys(), *request.args.values()]
    if request.method in ("POST", "PUT", "PATCH") and request.mimetype in (
            "application/x-www-form-urlencoded", "multipart/form-data"):
        values += [*request.form.keys(), *(v for _, v in request.form.items(multi=True))]
    if not all(is_clean(v) for v in values):
        raise ServiceError(_l("The request contains characters that are not allowed."))


def init_app(app: Flask) -> None:
    """Install the input guard."""
    app.before_request(reject_unclean_input)
