"""The county's own targets for school verdicts, set by office staff on the targets page."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from ..errors import Forbidden, InvalidInput
from ..extensions import db
from ..organisation.models import User
from ..statistics.indicators import SATISFACTION_INDEX
from .models import CountyTarget
from .services import file_standards


def target_keys() -> list[str]:
    """Indicators a county can set a target for: every compliance rule and the satisfaction index."""
    return [*file_standards().rules, SATISFACTION_INDEX]


def is_share(key: str) -> bool:
    """Compliance targets are shares (entered as percentages); the index is on 0-100."""
    return key != SATISFACTION_INDEX


def current_targets() -> dict[str, dict]:
    """key -> {"value", "default", "custom"}: what applies, what the standards file says."""
    defaults = file_standards().targets
    custom = dict(db.session.execute(select(CountyTarget.key, CountyTarget.value)).all())
    return {key: {"value": custom.get(key, defaults.get(key)), "default": defaults.get(key),
                  "custom": key in custom} for key in target_keys()}


def save_targets(user: User, entered: dict[str, str]) -> list[str]:
    """Store targets typed on the page (percentages for shares); empty, or the default itself,
    means "use the default". Returns the keys whose applying target this save changed."""
    if user.role != "admin":
        raise Forbidden(_l("Only county office staff set targets."))
    values, errors = {}, {}
    defaults = file_standards().targets
    applying = {key: row["value"] for key, row in current_targets().items()}
    for key in target_keys():
        text = (entered.get(key) or "").strip()
        if not text:
            values[key] = None
            continue
        try:
            number = float(text)
        except ValueError:
            errors[key] = _l("Enter a number.")
            continue
        if not 0 <= number <= 100:
            errors[key] = _l("Enter a number from 0 to 100.")
            continue
        values[key] = number / 100 if is_share(key) else number
        if _same(values[key], defaults.get(key)):
            values[key] = None  # the page shows the default in its box: posting it back keeps it
    if errors:
        raise InvalidInput(_l("The targets were not saved."), errors)
    before = dict(db.session.execute(select(CountyTarget.key, CountyTarget.value)).all())
    for key, value in values.items():
        row = db.session.get(CountyTarget, key)
        if value is None:
            if row is not None:
                db.session.delete(row)
        elif row is None:
            db.session.add(CountyTarget(key=key, value=value, updated_by_id=user.id))
        else:
            row.value, row.updated_by_id = value, user.id
    from ..audit import record  # only the changed keys are kept (record drops equal ones)
    record("update", "target", "county", before={k: before.get(k) for k in values},
           after=values, summary=", ".join(k for k in values if before.get(k) != values[k]))
    db.session.commit()
    return [key for key in values
            if not _same(applying.get(key), defaults.get(key) if values[key] is None else values[key])]


def _same(a, b) -> bool:
    """Two targets are the same when equal to the precision the page shows (0.1 of a percent)."""
    if a is None or b is None:
        return a is None and b is None
    return abs(float(a) - float(b)) < 1e-6
