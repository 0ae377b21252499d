"""Writing the audit trail. Callers add an event in the same transaction as their change."""
from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from flask import g, has_request_context

from ..extensions import db
from .models import AuditEvent


def json_safe(value):
    """A value JSON can store: dates as ISO text, decimals as floats, sets as sorted lists."""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (set, frozenset)):
        return sorted(json_safe(v) for v in value)
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    return value


def snapshot(obj, fields) -> dict:
    """The named attributes of a model object, JSON-safe (call before and after a change)."""
    return {name: json_safe(getattr(obj, name)) for name in fields}


def changed_only(before: dict | None, after: dict | None) -> tuple[dict | None, dict | None]:
    """Keep only the fields whose value differs (both sides), when both sides are given."""
    if before is None or after is None:
        return before, after
    keys = [k for k in {**before, **after} if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}


def current_actor():
    """The signed-in staff member (page session or API token), or None outside a request."""
    if not has_request_context():
        return None
    user = getattr(g, "user", None)
    if user is not None:
        return user
    from flask_login import current_user
    return current_user if getattr(current_user, "is_authenticated", False) else None


def record(action: str, entity: str, entity_id, *, before: dict | None = None,
           after: dict | None = None, summary: str | None = None, zone_id: int | None = None,
           actor=None, actor_name: str | None = None) -> AuditEvent | None:
    """Add one event to the session (committed with the caller's change).

    An update whose before and after are identical records nothing and returns None.
    """
    before, after = changed_only(json_safe(before), json_safe(after))
    if before is not None and after is not None and not before and not after:
        return None
    actor = actor if actor is not None else current_actor()
    name = actor_name or (actor.username if actor is not None else "cli")
    event = AuditEvent(action=action, entity=entity, entity_id=str(entity_id),
                       actor_id=actor.id if actor is not None else None, actor=name[:80],
                       summary=(summary or None) and str(summary)[:500], zone_id=zone_id,
                       before=before, after=after)
    db.session.add(event)
    return event
