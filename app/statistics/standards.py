"""Load the standards indicators are measured against: national YAML + optional local override.

The national file (`surveys/standards.yaml`) describes each rule; a province or county passes a
smaller mapping of the same shape, deep-merged over it: mappings merge key by key, anything else
(a number, a list) replaces, and `null` removes the key (so `bands: {senior: null}` excludes a
band). The merged result is validated; an error names the file the bad key came from and the key.
"""
from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import yaml

from app.definitions import MEASURES

from .timeofday import evening_minutes, format_hhmm

#: The national standards shipped with the project.
DEFAULT_PATH = Path(__file__).resolve().parents[2] / "surveys" / "standards.yaml"

BANDED_RULES = ("at_least", "at_most", "no_later_than")
RULES = BANDED_RULES + ("one_of", "activity")
ACTIVITY_MODES = ("each", "total")
#: The two measures the activity rule reads, in that order.
ACTIVITY_MEASURES = ("activity_school_minutes", "activity_outside_minutes")
#: Indicators that are means rather than compliance shares, with their scale and direction.
MEAN_TARGETS = {"satisfaction_index": (0.0, 100.0), "homework_minutes_mean": (0.0, 1440.0)}

_KEY = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
_GRADES = re.compile(r"^\s*(\d{1,2})\s*(?:-\s*(\d{1,2})\s*)?$")
_CLOCK = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_TOP_KEYS = {"version", "indicators", "targets"}
_RULE_KEYS = {
    "at_least": {"measure", "rule", "unit", "source", "bands"},
    "at_most": {"measure", "rule", "unit", "source", "bands"},
    "no_later_than": {"measure", "rule", "unit", "source", "bands"},
    "one_of": {"measure", "rule", "unit", "source", "compliant"},
    "activity": {"rule", "unit", "source", "mode", "in_school", "outside", "total"},
}
_MEASURE_TYPES = {"at_least": "number", "at_most": "number", "no_later_than": "time",
                  "one_of": "single"}


class StandardsError(ValueError):
    """A standards file is invalid: names the file, the key (dotted path) and the problem."""

    def __init__(self, problem: str, *, source: str | None = None, key: str | None = None):
        """Keep the parts so callers can show them separately."""
        self.problem, self.source, self.key = problem, source, key
        where = source or "<standards>"
        if key:
            where += f": {key}"
        super().__init__(f"{where}: {problem}")


@dataclass(frozen=True)
class Band:
    """A range of grades sharing one threshold."""

    name: str
    first: int
    last: int
    #: Hours or minutes for at_least/at_most; for no_later_than, evening minutes (00:30 → 1470).
    threshold: float

    @property
    def label(self) -> str:
        """The grades as written in reports, e.g. "7-9"."""
        return str(self.first) if self.first == self.last else f"{self.first}-{self.last}"


@dataclass(frozen=True)
class Rule:
    """How one compliance indicator is decided for one respondent."""

    key: str
    rule: str
    #: The measures the rule reads (two for `activity`).
    measures: tuple[str, ...]
    source: str | None = None
    unit: str | None = None
    bands: tuple[Band, ...] = ()
    compliant: tuple[str, ...] = ()
    mode: str | None = None
    in_school: float | None = None
    outside: float | None = None
    total: float | None = None

    @property
    def banded(self) -> bool:
        """Whether the threshold depends on the child's grade (and so needs the grade measure)."""
        return self.rule in BANDED_RULES

    def thresholds_by_grade(self) -> np.ndarray:
        """Array indexed by grade 0..12 holding the grade's threshold, NaN for excluded grades."""
        table = np.full(13, np.nan)
        for band in self.bands:
            table[band.first:band.last + 1] = band.threshold
        return table

    def describe(self) -> dict:
        """The rule as a small JSON-safe dict for the `standard` field of an indicator."""
        data: dict = {"rule": self.rule, "measures": list(self.measures)}
        if self.unit:
            data["unit"] = self.unit
        if self.bands:
            shown = format_hhmm if self.rule == "no_later_than" else float
            data["bands"] = {b.label: shown(b.threshold) for b in self.bands}
        if self.compliant:
            data["compliant"] = list(self.compliant)
        if self.rule == "activity":
            data["mode"] = self.mode
            if self.mode == "each":
                data.update(in_school=self.in_school, outside=self.outside)
            else:
                data["total"] = self.total
        if self.source:
            data["source"] = self.source
        return data


@dataclass(frozen=True)
class Standards:
    """Validated rules by indicator key, plus the county targets for school verdicts."""

    version: str | None
    rules: dict[str, Rule]
    targets: dict[str, float] = field(default_factory=dict)
    #: The files (or "<overrides>") merged into this, national first.
    sources: tuple[str, ...] = ()


def load_standards(path: str | Path | None = None,
                   overrides: Mapping | str | Path | None = None) -> Standards:
    """Read the national standards and deep-merge a local override (a mapping or a YAML file)."""
    path = Path(path) if path is not None else DEFAULT_PATH
    base = _read(path)
    over_source = None
    if isinstance(overrides, (str, Path)):
        over_source = str(overrides)
        overrides = _read(Path(overrides))
    elif overrides is not None:
        over_source = "<overrides>"
    if overrides is not None and not isinstance(overrides, Mapping):
        raise StandardsError("an override must be a mapping", source=over_source)
    merged = deep_merge(base, overrides or {})

    def origin(*keys) -> str:
        """The file to blame for a key."""
        # Blame the override for what it wrote, and for a key it changed the meaning of
        # (e.g. a new `rule` that makes the national `bands` field unknown).
        if overrides and _has_path(overrides, keys):
            return over_source
        if overrides and any(_has_path(overrides, keys[:i]) for i in range(2, len(keys))):
            return f"{over_source} (merged over {path})"
        return str(path)

    return parse_standards(merged, origin=origin,
                           sources=(str(path),) + ((over_source,) if over_source else ()))


@lru_cache(maxsize=1)
def national_standards() -> Standards:
    """The shipped national standards, read once per process."""
    return load_standards()


def deep_merge(base, override):
    """Merge `override` over `base`: mappings recurse, None deletes, anything else replaces."""
    if not isinstance(base, Mapping) or not isinstance(override, Mapping):
        return copy.deepcopy(override)
    merged = {k: copy.deepcopy(v) for k, v in base.items()}
    for key, value in override.items():
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def parse_standards(data, *, origin=lambda *keys: "<standards>",
                    sources: tuple[str, ...] = ()) -> Standards:
    """Validate a (merged) standards mapping; `origin(*keys)` says which file a key came from."""
    def fail(problem, *keys):
        """Raise a StandardsError for the key path."""
        raise StandardsError(problem, source=origin(*keys), key=".".join(map(str, keys)) or None)

    if not isinstance(data, Mapping):
        fail("the standards file must be a mapping")
    unknown = set(data) - _TOP_KEYS
    if unknown:
        fail(f"unknown field(s): {', '.join(sorted(map(str, unknown)))}", sorted(map(str, unknown))[0])
    indicators = data.get("indicators")
    if not isinstance(indicators, Mapping) or not indicators:
        fail("'indicators' must be a non-empty mapping", "indicators")
    rules = {key: _parse_rule(key, raw, fail) for key, raw in indicators.items()}
    targets = _parse_targets(data.get("targets") or {}, rules, fail)
    version = data.get("version")
    return Standards(version=None if version is None else str(version), rules=rules,
                     targets=targets, sources=sources)


def _parse_rule(key, raw, fail) -> Rule:
    """Validate one indicator's rule."""
    where = ("indicators", key)
    if not isinstance(key, str) or not _KEY.match(key):
        fail("an indicator key must be lower-case letters, digits and _", *where)
    if not isinstance(raw, Mapping):
        fail("must be a mapping", *where)
    rule = raw.get("rule")
    if rule not in RULES:
        fail(f"must be one of {', '.join(RULES)}", *where, "rule")
    unknown = set(raw) - _RULE_KEYS[rule]
    if unknown:
        name = sorted(map(str, unknown))[0]
        fail(f"unknown field for a '{rule}' rule", *where, name)
    for name in ("source", "unit"):
        if name in raw and not isinstance(raw[name], str):
            fail("must be text", *where, name)
    common = {"key": key, "rule": rule, "source": raw.get("source"), "unit": raw.get("unit")}

    if rule == "activity":
        mode = raw.get("mode", "each")
        if mode not in ACTIVITY_MODES:
            fail(f"must be one of {', '.join(ACTIVITY_MODES)}", *where, "mode")
        minutes = {}
        for name in ("in_school", "outside", "total"):
            value = raw.get(name)
            needed = (name == "total") == (mode == "total")
            if value is None and needed:
                fail(f"is needed when mode is '{mode}'", *where, name)
            if value is not None and (not _is_number(value) or value < 0):
                fail("must be a number of minutes, 0 or more", *where, name)
            minutes[name] = None if value is None else float(value)
        return Rule(measures=ACTIVITY_MEASURES, mode=mode, **minutes, **common)

    measure = raw.get("measure")
    spec = MEASURES.get(measure) if isinstance(measure, str) else None
    if spec is None:
        fail(f"unknown measure; known: {', '.join(sorted(MEASURES))}", *where, "measure")
    if _MEASURE_TYPES[rule] not in spec.types:
        fail(f"a '{rule}' rule needs a {_MEASURE_TYPES[rule]} measure", *where, "measure")

    if rule == "one_of":
        compliant = raw.get("compliant")
        if (not isinstance(compliant, list) or not compliant
                or not all(isinstance(v, str) for v in compliant)):
            fail("must be a non-empty list of option values (quote yes/no: \"yes\")",
                 *where, "compliant")
        if spec.values and set(compliant) - spec.values:
            bad = ", ".join(sorted(set(compliant) - spec.values))
            fail(f"{bad} not among the measure's values {', '.join(sorted(spec.values))}",
                 *where, "compliant")
        return Rule(measures=(measure,), compliant=tuple(compliant), **common)

    bands_raw = raw.get("bands")
    if not isinstance(bands_raw, Mapping):
        fail("must be a mapping of band name → {grades, threshold}", *where, "bands")
    bands: list[Band] = []
    for name, band in bands_raw.items():
        if band is None:  # an explicitly excluded band, e.g. senior high for homework
            continue
        bands.append(_parse_band(str(name), band, rule, fail, *where, "bands", name))
    if not bands:
        fail("needs at least one band", *where, "bands")
    bands.sort(key=lambda b: b.first)
    for before, after in zip(bands, bands[1:]):
        if after.first <= before.last:
            fail(f"grades of '{before.name}' and '{after.name}' overlap", *where, "bands", after.name)
    return Rule(measures=(measure,), bands=tuple(bands), **common)


def _parse_band(name: str, band, rule: str, fail, *where) -> Band:
    """Validate one grade band of a banded rule."""
    if not isinstance(band, Mapping) or set(band) != {"grades", "threshold"}:
        fail("a band is a mapping with exactly 'grades' and 'threshold'", *where)
    match = _GRADES.match(str(band["grades"])) if not isinstance(band["grades"], bool) else None
    first = int(match.group(1)) if match else 0
    last = int(match.group(2) or first) if match else 0
    if not match or not 1 <= first <= last <= 12:
        fail("must be a grade or range of grades within 1-12, e.g. 7-9", *where, "grades")
    threshold = band["threshold"]
    if rule == "no_later_than":
        clock = _CLOCK.match(threshold) if isinstance(threshold, str) else None
        if not clock:
            fail('must be a clock time "HH:MM" (quoted)', *where, "threshold")
        value = float(evening_minutes(int(clock.group(1)) * 60 + int(clock.group(2))))
    else:
        if not _is_number(threshold) or threshold < 0:
            fail("must be a number, 0 or more", *where, "threshold")
        value = float(threshold)
    return Band(name=name, first=first, last=last, threshold=value)


def _parse_targets(raw, rules: dict[str, Rule], fail) -> dict[str, float]:
    """Validate the county targets (proportions, or the scale of a mean indicator)."""
    if not isinstance(raw, Mapping):
        fail("must be a mapping of indicator key → target", "targets")
    targets = {}
    for key, value in raw.items():
        if value is None:
            continue
        low, high = MEAN_TARGETS.get(key, (0.0, 1.0))
        if key not in rules and key not in MEAN_TARGETS:
            fail("no indicator has this key", "targets", key)
        if not _is_number(value) or not low <= value <= high:
            fail(f"must be a number from {low:g} to {high:g}", "targets", key)
        targets[key] = float(value)
    return targets


def _read(path: Path):
    """Read one YAML file, turning I/O and syntax problems into StandardsError."""
    try:
        with path.open(encoding="utf-8") as handle:
            return yaml.safe_load(handle) or {}
    except FileNotFoundError:
        raise StandardsError("file not found", source=str(path)) from None
    except yaml.YAMLError as exc:
        raise StandardsError(f"not valid YAML: {exc}", source=str(path)) from None


def _has_path(data, keys) -> bool:
    """Whether nested mappings hold the key path."""
    for key in keys:
        if not isinstance(data, Mapping) or key not in data:
            return False
        data = data[key]
    return True


def _is_number(value) -> bool:
    """A finite int or float, not a bool."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and np.isfinite(value)
