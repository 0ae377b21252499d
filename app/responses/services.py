"""Store responses exactly once. Nothing identifying is written (see docs/privacy.md)."""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import datetime

from flask import current_app
from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError

from ..database import insert_rows, read_connection
from ..organisation.models import utcnow
from .models import Response, SubmissionKey

#: Longest Idempotency-Key header accepted.
MAX_IDEMPOTENCY_KEY = 255


def keyed_hash(kind: str, launch_id: int, value: str) -> str:
    """HMAC-SHA256 with the app secret: the stored value cannot be matched without the secret."""
    return _keyed_digest(kind, launch_id, value).hex()


def form_receipt(launch_id: int, nonce: str) -> str:
    """The receipt of whatever is submitted with one served form: 16 URL-safe characters
    (96 bits) of a keyed hash of the form's random nonce, as random as token_urlsafe(12)."""
    return base64.urlsafe_b64encode(_keyed_digest("receipt", launch_id, nonce))[:16].decode("ascii")


def _keyed_digest(kind: str, launch_id: int, value: str) -> bytes:
    message = f"{kind}:{launch_id}:{value}".encode("utf-8")
    return hmac.new(current_app.config["SECRET_KEY"].encode("utf-8"), message, hashlib.sha256).digest()


def coarse_hour(moment: datetime) -> datetime:
    """Truncate a time to the hour, so the stored time cannot single out one respondent."""
    return moment.replace(minute=0, second=0, microsecond=0)


def store_response(*, launch_id: int, school_id: int, survey_version_id: int, answers: dict,
                   idempotency_key: str | None = None, form_nonce: str | None = None,
                   now: datetime | None = None) -> tuple[str, bool]:
    """Store one validated response; returns (receipt, replayed).

    A repeated idempotency key returns the first receipt and stores nothing (replayed=True); its
    guard row holds the receipt, which the client knows anyway. A served form's nonce fixes the
    receipt (form_receipt), so the response's own unique receipt is the guard: the same form
    sent again stores nothing and gets the first receipt. No other row is written with a form
    response (docs/privacy.md: a row written in the same transaction can be lined up with it).

    The guard row goes in first: its primary key (launch, kind, hash) is what makes a repeat
    fail, before the response is written, and the transaction then rolls back as a whole. Only
    then is the first receipt looked up, so the common case is one or two INSERTs and a COMMIT.
    """
    idem_hash = keyed_hash("idem", launch_id, idempotency_key) if idempotency_key else None
    hour = coarse_hour(now or utcnow())
    for _attempt in range(3):
        receipt = form_receipt(launch_id, form_nonce) if form_nonce else secrets.token_urlsafe(12)
        guards = []
        if idem_hash:
            guards.append({"launch_id": launch_id, "kind": "idem", "key_hash": idem_hash,
                           "receipt": receipt})
        row = {"launch_id": launch_id, "school_id": school_id, "survey_version_id": survey_version_id,
               "submitted_hour": hour, "receipt": receipt, "answers": answers}
        try:
            insert_rows((_keys, guards), (_responses, [row]))
            return receipt, False
        except IntegrityError:
            # This key or form is already stored (perhaps by a concurrent request that won the
            # race), or, once in 2^96, the receipt collided: everything above was rolled back, so
            # nothing is stored twice. Committed rows are visible to a new transaction.
            with read_connection() as conn:
                if idem_hash:
                    first = _receipt_for(conn, launch_id, idem_hash)
                    if first:
                        return first, True
                if form_nonce and _receipt_stored(conn, launch_id, receipt):
                    return receipt, True
            if form_nonce:
                form_nonce = None  # a collision with another launch's receipt: draw a random one
    raise RuntimeError("could not store the response after 3 attempts")


# Core statements, built once per process (their compiled form is cached by SQLAlchemy).
_responses = Response.__table__
_keys = SubmissionKey.__table__
_RECEIPT_FOR = select(_keys.c.receipt).where(
    _keys.c.launch_id == bindparam("launch_id"), _keys.c.kind == "idem",
    _keys.c.key_hash == bindparam("key_hash"))
_RECEIPT_STORED = select(_responses.c.id).where(
    _responses.c.launch_id == bindparam("launch_id"), _responses.c.receipt == bindparam("receipt"))


def _receipt_for(conn, launch_id: int, key_hash: str) -> str | None:
    return conn.execute(_RECEIPT_FOR, {"launch_id": launch_id, "key_hash": key_hash}).scalar()


def _receipt_stored(conn, launch_id: int, receipt: str) -> bool:
    return conn.execute(_RECEIPT_STORED, {"launch_id": launch_id, "receipt": receipt}).scalar() is not None
