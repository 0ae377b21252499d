"""Server logs that never hold a respondent's address: filters for the development server
(werkzeug) and gunicorn (see gunicorn.conf.py and docs/privacy.md)."""
from __future__ import annotations

import logging
import re

from flask import Flask

#: URL paths of the public side: the form and the JSON submission (the token names the launch).
PUBLIC_PATH = re.compile(r"/(?:s|api/v1/public)/[^\s\"?]+")
#: IPv4 and IPv6 addresses (also "::ffff:1.2.3.4" and scoped "fe80::1%eth0").
ADDRESS = re.compile(
    r"(?<![\w.:])(?:\d{1,3}(?:\.\d{1,3}){3}"  # IPv4
    r"|(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}"  # full IPv6
    r"|[0-9A-Fa-f:]*::[0-9A-Fa-f:.]*(?:%[\w.]+)?)(?![\w.])")  # IPv6 with "::"


def redact(message: str) -> str:
    """The message with every client address and public token replaced."""
    message = ADDRESS.sub("-", message)
    return PUBLIC_PATH.sub(lambda m: "/api/v1/public/…" if m.group(0).startswith("/api/") else "/s/…",
                           message)


def mentions_public_path(message: str) -> bool:
    """Whether a log line is about a request to the public side."""
    return PUBLIC_PATH.search(message) is not None


class DevelopmentRequestFilter(logging.Filter):
    """On the 'werkzeug' logger: public requests are not logged at all (their second could be
    lined up with the stored responses); other lines lose the client address."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if mentions_public_path(message):
            return False
        if "Running on" in message:   # the server's own bind address, not a client's
            return True
        record.msg, record.args = redact(message), ()
        return True


def init_app(app: Flask) -> None:
    """Install the filter on the development server's request logger (once per process)."""
    logger = logging.getLogger("werkzeug")
    if not any(isinstance(f, DevelopmentRequestFilter) for f in logger.filters):
        logger.addFilter(DevelopmentRequestFilter())


class RedactingFilter(logging.Filter):
    """For gunicorn's error log: addresses and public tokens are replaced, the line is kept
    (an operator still sees "Invalid request ..." and the error)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = redact(record.getMessage()), ()
        return True
