"""The objective visit checklist (surveys/checklists.yaml): a pure loader and the app's copy.

Each item is a yes/no statement a supervisor checks at the school, tied to the survey indicator
that can confirm or contradict it (the cross-check, 相互验证, in app/visits/evidence.py).
`load_checklists` is pure (no Flask, no database) and validates like app/definitions: the first
problem raises `ChecklistError` naming the file and the item.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

CHECKLISTS_FILE = "checklists.yaml"
#: Themes an item belongs to (the month's supervision themes the form groups items by).
THEMES = ("homework", "sleep", "phones", "reading", "physical_activity", "after_school")
AUDIENCES = ("parent", "student", "teacher")
_ID = re.compile(r"[a-z][a-z0-9_]{0,62}")
_ITEM_KEYS = {"id", "label", "theme", "indicator", "audience"}


class ChecklistError(ValueError):
    """The checklist file is invalid: names the file, the item and the problem."""

    def __init__(self, problem: str, *, source: str, item: str | None = None):
        """Keep the parts apart (tests and tools read them) and say them in one line."""
        self.problem, self.source, self.item = problem, source, item
        where = source + (f", item '{item}'" if item else "")
        super().__init__(f"{where}: {problem}")


@dataclass(frozen=True)
class ChecklistItem:
    """One objective statement and the indicator it is checked against."""

    id: str
    #: The statement in Chinese, as the form shows it.
    label: str
    theme: str
    #: Indicator key (as in school_report) the survey evidence gives for it.
    indicator: str
    #: Whose answers check it.
    audience: str = "parent"

    def to_public(self) -> dict:
        """The API shape: {"id", "label", "theme", "indicator", "audience"}."""
        return {"id": self.id, "label": self.label, "theme": self.theme,
                "indicator": self.indicator, "audience": self.audience}


def load_checklists(path: str | Path, indicators: set[str] | frozenset[str] | None = None
                    ) -> tuple[ChecklistItem, ...]:
    """Read and check the file; `indicators` (when given) are the indicator keys that exist."""
    source = str(path)
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ChecklistError("file not found", source=source) from None
    except yaml.YAMLError as exc:
        raise ChecklistError(f"not valid YAML: {exc}", source=source) from None
    if not isinstance(data, dict) or not isinstance(data.get("items"), list) or not data["items"]:
        raise ChecklistError("needs a non-empty 'items' list", source=source)
    items, seen = [], set()
    for index, raw in enumerate(data["items"], start=1):
        items.append(_parse_item(raw, index, seen, indicators, source))
    return tuple(items)


def _parse_item(raw, index: int, seen: set, indicators, source: str) -> ChecklistItem:
    """One validated item; the error names it by id (or by position when the id is missing)."""
    if not isinstance(raw, dict):
        raise ChecklistError("must be a mapping", source=source, item=f"#{index}")
    name = raw.get("id") if isinstance(raw.get("id"), str) else f"#{index}"
    unknown = set(raw) - _ITEM_KEYS
    if unknown:
        raise ChecklistError(f"unknown field(s): {', '.join(sorted(map(str, unknown)))}",
                             source=source, item=name)
    for field in ("id", "label", "theme", "indicator"):
        if not isinstance(raw.get(field), str) or not raw[field].strip():
            raise ChecklistError(f"'{field}' is required (text)", source=source, item=name)
    if not _ID.fullmatch(raw["id"]):
        raise ChecklistError("'id' must be lower-case letters, digits and _", source=source, item=name)
    if raw["id"] in seen:
        raise ChecklistError("'id' is used twice", source=source, item=name)
    seen.add(raw["id"])
    if raw["theme"] not in THEMES:
        raise ChecklistError(f"'theme' must be one of: {', '.join(THEMES)}", source=source, item=name)
    audience = raw.get("audience", "parent")
    if audience not in AUDIENCES:
        raise ChecklistError(f"'audience' must be one of: {', '.join(AUDIENCES)}", source=source,
                             item=name)
    if indicators is not None and raw["indicator"] not in indicators:
        raise ChecklistError(f"indicator '{raw['indicator']}' does not exist", source=source,
                             item=name)
    return ChecklistItem(id=raw["id"], label=raw["label"].strip(), theme=raw["theme"],
                         indicator=raw["indicator"], audience=audience)


_cache: dict = {}


def checklist_items() -> tuple[ChecklistItem, ...]:
    """The app's checklist (from SURVEYS_DIR), read again only when the file changes."""
    from flask import current_app

    from ..results.services import file_standards
    from ..statistics.indicators import HOMEWORK_MEAN, SATISFACTION_INDEX
    path = Path(current_app.config["SURVEYS_DIR"]) / CHECKLISTS_FILE
    try:
        changed = os.path.getmtime(path)
    except OSError:
        changed = None
    key = (str(path), changed)
    if key not in _cache:
        known = {*file_standards().rules, HOMEWORK_MEAN, SATISFACTION_INDEX}
        _cache.clear()
        _cache[key] = load_checklists(path, known)
    return _cache[key]


def item_by_id() -> dict[str, ChecklistItem]:
    """Checklist items keyed by id."""
    return {item.id: item for item in checklist_items()}
