"""Service errors and how they reach people: JSON under /api, a Chinese page elsewhere."""
from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException


class ServiceError(Exception):
    """A request that cannot be done; `fields` maps input names to messages."""

    status = 400

    def __init__(self, message, fields: dict | None = None):
        super().__init__(str(message))
        self.message = message
        self.fields = fields or {}


class InvalidInput(ServiceError):
    """Input that fails validation."""

    status = 422


class NotFound(ServiceError):
    """Something named in the request does not exist."""

    status = 404


class Forbidden(ServiceError):
    """The user may not do this."""

    status = 403


class Conflict(ServiceError):
    """The request clashes with what is stored (duplicate code, already submitted)."""

    status = 409


class Gone(ServiceError):
    """The thing existed but is no longer available (a closed launch)."""

    status = 410


#: Messages for plain HTTP errors, in the translation layer.
HTTP_MESSAGES = {
    400: _l("The request could not be understood."),
    401: _l("Please sign in."),
    403: _l("You do not have permission to do this."),
    404: _l("Not found."),
    405: _l("This method is not allowed here."),
    409: _l("This conflicts with what is already stored."),
    410: _l("This is no longer available."),
    413: _l("The upload is too large."),
    422: _l("Some fields are invalid."),
    429: _l("Too many requests. Please wait a moment and try again."),
    500: _l("Something went wrong on our side. Please try again later."),
}


def wants_json() -> bool:
    """API paths answer in JSON."""
    return request.path.startswith("/api/") or request.path == "/healthz"


def error_response(status: int, message, fields: dict | None = None):
    """A JSON or HTML error response with the given status."""
    if wants_json():
        body = {"error": str(message), "fields": {k: str(v) for k, v in (fields or {}).items()}}
        return jsonify(body), status
    return render_template("error.html", status=status, message=message, fields=fields or {}), status


def init_app(app: Flask) -> None:
    """Register handlers so no error escapes as an unexplained page."""

    @app.errorhandler(ServiceError)
    def service_error(exc: ServiceError):
        return error_response(exc.status, exc.message, exc.fields)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        message = HTTP_MESSAGES.get(exc.code, exc.description)
        response = error_response(exc.code or 500, message)
        if exc.code == 429 and getattr(exc, "retry_after", None):
            response[0].headers["Retry-After"] = str(exc.retry_after)
        return response

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        app.logger.exception("unhandled error")
        return error_response(500, HTTP_MESSAGES[500])
