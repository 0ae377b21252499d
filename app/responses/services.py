"""Store responses exactly once. Nothing identifying is written (see docs/privacy.md)."""
from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError

from ..database import insert_rows, read_connection
from ..errors import Conflict
from ..organisation.models import utcnow
from .models import Response, SubmissionKey

#: Longest Idempotency-Key header accepted.
MAX_IDEMPOTENCY_KEY = 255


class AlreadySubmitted(Conflict):
    """This browser has already answered this launch."""


def keyed_hash(kind: str, launch_id: int, value: str) -> str:
    """HMAC-SHA256 with the app secret: the stored value cannot be matched without the secret."""
    message = f"{kind}:{launch_id}:{value}".encode("utf-8")
    return hmac.new(current_app.config["SECRET_KEY"].encode("utf-8"), message, hashlib.sha256).hexdigest()


def coarse_hour(moment: datetime) -> datetime:
    """Truncate a time to the hour, so the stored time cannot single out one respondent."""
    return moment.replace(minute=0, second=0, microsecond=0)


def store_response(*, launch_id: int, school_id: int, survey_version_id: int, answers: dict,
                   idempotency_key: str | None = None, device_token: str | None = None,
                   now: datetime | None = None) -> tuple[str, bool]:
    """Store one validated response; returns (receipt, replayed).

    A repeated idempotency key returns the first receipt and stores nothing (replayed=True).
    A device token that already answered this launch raises AlreadySubmitted. The response and
    its guard rows are written in one transaction, so either all are stored or none.

    The guard rows go in first: their primary key (launch, kind, hash) is what makes a repeat
    fail, before the response is written, and the transaction then rolls back as a whole. Only
    then is the first receipt looked up, so the common case is two INSERTs and a COMMIT.
    """
    idem_hash = keyed_hash("idem", launch_id, idempotency_key) if idempotency_key else None
    device_hash = keyed_hash("device", launch_id, device_token) if device_token else None
    hour = coarse_hour(now or utcnow())
    for _attempt in range(3):
        receipt = secrets.token_urlsafe(12)
        guards = []
        if idem_hash:
            guards.append({"launch_id": launch_id, "kind": "idem", "key_hash": idem_hash,
                           "receipt": receipt})
        if device_hash:
            guards.append({"launch_id": launch_id, "kind": "device", "key_hash": device_hash,
                           "receipt": None})
        row = {"launch_id": launch_id, "school_id": school_id, "survey_version_id": survey_version_id,
               "submitted_hour": hour, "receipt": receipt, "answers": answers}
        try:
            insert_rows((_keys, guards), (_responses, [row]))
            return receipt, False
        except IntegrityError:
            # This key or device is already stored (perhaps by a concurrent request that won the
            # race), or, once in 2^96, the receipt collided: everything above was rolled back, so
            # nothing is stored twice. Committed rows are visible to a new transaction.
            with read_connection() as conn:
                if idem_hash:
                    first = _receipt_for(conn, launch_id, idem_hash)
                    if first:
                        return first, True
                if device_hash and _device_seen(conn, launch_id, device_hash):
                    raise AlreadySubmitted(_l("You have already answered this survey on this device."))
    raise RuntimeError("could not store the response after 3 attempts")


def device_has_answered(launch_id: int, device_token: str | None) -> bool:
    """Whether this browser already answered the launch."""
    if not device_token:
        return False
    with read_connection() as conn:
        return _device_seen(conn, launch_id, keyed_hash("device", launch_id, device_token))


# Core statements, built once per process (their compiled form is cached by SQLAlchemy).
_responses = Response.__table__
_keys = SubmissionKey.__table__
_RECEIPT_FOR = select(_keys.c.receipt).where(
    _keys.c.launch_id == bindparam("launch_id"), _keys.c.kind == "idem",
    _keys.c.key_hash == bindparam("key_hash"))
_DEVICE_SEEN = select(_keys.c.key_hash).where(
    _keys.c.launch_id == bindparam("launch_id"), _keys.c.kind == "device",
    _keys.c.key_hash == bindparam("key_hash"))


def _receipt_for(conn, launch_id: int, key_hash: str) -> str | None:
    return conn.execute(_RECEIPT_FOR, {"launch_id": launch_id, "key_hash": key_hash}).scalar()


def _device_seen(conn, launch_id: int, key_hash: str) -> bool:
    return conn.execute(_DEVICE_SEEN, {"launch_id": launch_id, "key_hash": key_hash}).scalar() is not None
