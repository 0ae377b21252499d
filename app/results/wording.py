"""Statistics in plain words for office workers: p-values, changes, ranks, standards, hidden figures.

Pure phrasing helpers (no figures are computed here: every number comes from the reports of
`app.results.reports`, already through the disclosure gate). The result pages, the CSV downloads
and the annual report call the same functions, so a figure reads the same everywhere.
"""
from __future__ import annotations

from flask import current_app, has_app_context
from flask_babel import gettext as _

#: Below this p-value a difference is called significant (the usual 5% level).
SIGNIFICANCE = 0.05

#: Why a figure is not shown (see `hidden_reason`).
SMALL, PARTNER, NOT_YET = "small", "partner", "not_yet"


def p_value_text(p: float | None) -> str:
    """A p-value as printed: "p<0.001" below 0.001 (never "p=0.000"), else three decimals."""
    if p is None:
        return ""
    if p < 0.001:
        return "p<0.001"
    return f"p={p:.3f}"


def is_significant(p: float | None, level: float = SIGNIFICANCE) -> bool:
    """Whether a p-value is below the significance level (None is never significant)."""
    return p is not None and p < level


def schools_differ_text(p: float | None) -> str:
    """A test across schools in words: "学校之间差异显著（p<0.001）" or "…差异不显著（p=0.420）"."""
    if p is None:
        return ""
    if is_significant(p):
        return _("The schools differ significantly (%(p)s)", p=p_value_text(p))
    return _("No significant difference between the schools (%(p)s)", p=p_value_text(p))


def _amount(difference: float, key: str) -> str:
    """The size of a change with its unit: percentage points for shares, minutes, index points."""
    size = abs(difference)
    if key.endswith("_compliance"):
        return _("%(n)s percentage points", n=_number(size * 100))
    if key.startswith("homework_minutes"):
        return _("%(n)s minutes", n=_number(size))
    return _("%(n)s index points", n=_number(size))


def change_text(difference: float | None, p: float | None, key: str) -> str:
    """Year-over-year in words: "比上年下降 0.5 个百分点，差异不显著" (the p-value only when
    significant, where it says how sure); "" when there is no change to report."""
    if difference is None:
        return ""
    rounded = round(abs(difference) * (100 if key.endswith("_compliance") else 1), 1)
    if rounded == 0:
        direction = _("Same as last year")
    elif difference > 0:
        direction = _("Up %(amount)s on last year", amount=_amount(difference, key))
    else:
        direction = _("Down %(amount)s on last year", amount=_amount(difference, key))
    if p is None:
        return direction
    if is_significant(p):
        return _("%(change)s, a significant difference (%(p)s)", change=direction, p=p_value_text(p))
    return _("%(change)s, not a significant difference", change=direction)


def rank_text(rank, tie_group) -> str:
    """A school's rank among the schools of its zone, with its tie group: "区内第 3 名 · 第 1 组"."""
    if rank is None:
        return ""
    if tie_group is None:
        return _("Rank %(r)s in the zone", r=rank)
    return _("Rank %(r)s in the zone · group %(g)s", r=rank, g=tie_group)


def tie_group_note() -> str:
    """The one line that says what a tie group is (shown wherever ranks are)."""
    return _("Ranks are within each zone. Schools in the same group cannot be told apart: their "
             "95 percent intervals overlap, so their order within the group may be chance.")


def alpha_note(alpha: float | None) -> str:
    """Cronbach's alpha explained for the method note, with the figure when it is shown."""
    if alpha is None:
        return _("Cronbach's alpha says whether the satisfaction questions measure one thing; "
                 "0.7 or more means the satisfaction index can be trusted.")
    return _("The satisfaction questions have a reliability (Cronbach's alpha) of %(a)s: 0.7 or "
             "more means they measure one thing and the satisfaction index can be trusted.",
             a=f"{alpha:.2f}")


def min_group_size() -> int:
    """The smallest group whose figures are shown (config MIN_GROUP_SIZE)."""
    return int(current_app.config["MIN_GROUP_SIZE"]) if has_app_context() else 10


def hidden_reason(item: dict | None) -> str | None:
    """Why a figure is hidden: SMALL (too few answers), PARTNER (enough answers, hidden with a
    small group so that group cannot be worked out by subtraction), NOT_YET (no figure published
    for this scope yet); None when it is shown or absent. Reads only the item's flag and n."""
    if not item or not item.get("suppressed"):
        return None
    n = item.get("n") or 0
    if n == 0:
        return NOT_YET
    return PARTNER if n >= min_group_size() else SMALL


def hidden_label(item: dict | None) -> str:
    """The short mark a hidden figure gets, the same in tables and on charts; "" when shown."""
    reason = hidden_reason(item)
    if reason is None:
        return "" if item else _("No data")
    if reason == PARTNER:
        return _("Hidden with a small school")
    return _("Too few responses")


def partner_note() -> str:
    """The sentence under a figure hidden as a partner of a small group."""
    return _("Hidden as well, so that the results of a school with few answers cannot be "
             "worked out from it.")


# ---------------------------------------------------------------- standards


def _number(value) -> str:
    """10.0 → "10", 9.5 → "9.5" (thresholds and changes as people write them)."""
    value = float(value)
    return str(int(value)) if value.is_integer() else f"{value:.1f}".rstrip("0").rstrip(".")


def band_text(grades: str, rule: str, threshold, unit: str | None) -> str:
    """One grade band of a standard: "1-6年级：每天不少于10小时", "1-2年级：不布置书面家庭作业"."""
    if rule == "no_later_than":
        return _("Grades %(grades)s: in bed by %(time)s", grades=grades, time=threshold)
    n = _number(threshold)
    if rule == "at_least":
        if unit == "hours":
            return _("Grades %(grades)s: at least %(n)s hours a day", grades=grades, n=n)
        return _("Grades %(grades)s: at least %(n)s minutes a day", grades=grades, n=n)
    if float(threshold) == 0:
        return _("Grades %(grades)s: no written homework", grades=grades)
    if unit == "hours":
        return _("Grades %(grades)s: at most %(n)s hours a day", grades=grades, n=n)
    return _("Grades %(grades)s: at most %(n)s minutes a day", grades=grades, n=n)


def standard_lines(standard: dict | None) -> list[str]:
    """The standard an indicator is read against, one line per grade band, in words.

    `standard` is the `standard` dict of a report indicator (`Rule.describe()`); rules without
    bands (one of the options, e.g. phones) give [] since the indicator's name says it."""
    if not standard:
        return []
    rule = standard.get("rule")
    if rule == "activity":
        if standard.get("mode") == "each":
            return [_("At least %(a)s minutes a day in school and %(b)s minutes outside",
                      a=_number(standard["in_school"]), b=_number(standard["outside"]))]
        if standard.get("total") is not None:
            return [_("At least %(n)s minutes a day in and out of school together",
                      n=_number(standard["total"]))]
        return []
    bands = standard.get("bands") or {}
    return [band_text(grades, rule, threshold, standard.get("unit"))
            for grades, threshold in bands.items() if threshold is not None]


# ---------------------------------------------------------------- downloads


def percent_text(value, digits: int = 1) -> str:
    """A share as a percentage for a CSV cell: 0.46 → "46.0%"; "" for None."""
    if value is None:
        return ""
    return f"{float(value) * 100:.{digits}f}%"


def yes_no(value) -> str:
    """A boolean in words for a CSV cell (是/否); "" for None."""
    if value is None:
        return ""
    return _("Yes") if value else _("No")
