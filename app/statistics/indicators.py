"""Indicators computed from measures (never from wording), for one group or for many at once.

Every indicator is first turned into one value per respondent (`respondent_values`), then
aggregated by groupby, so a launch, a school, a zone or a county breakdown share one code path:

* compliance (`sleep_compliance`, `homework_compliance` ... one per rule in the standards):
  1 if the respondent meets the standard for the child's own grade, 0 if not; respondents
  without the measure, without a grade (for grade-banded rules) or in an excluded band are left
  out of the denominator. Value = share meeting it, in [0, 1], with a Wilson 95% interval.
* `homework_minutes_mean`: mean minutes of everyone who answered, Student's t interval; the
  standard names the limit that applies when every graded respondent is in one band.
* `satisfaction_index`: each respondent's mean over the satisfaction items they answered,
  rescaled (mean − 1) / 4 · 100 to 0–100; value = the mean of those respondent scores (every
  respondent weighs the same however many items they skipped), t interval on the respondent
  scores (the rescaling is linear, so this is the scaled t interval of the item means).
  `satisfaction_index.<dimension>` is the same over the items of one dimension.
* `satisfaction_alpha`: Cronbach's alpha of the items over complete cases (listwise), with
  Feldt's 95% interval.

Rows of a grouped table carry `kind`: proportion (k of n), mean (mean, sd of n) or alpha.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from .frames import ITEM_PREFIX
from .intervals import t_interval, wilson_interval
from .jsonsafe import to_float
from .standards import Rule, Standards, national_standards
from .suppression import MIN_GROUP_SIZE, complementary_suppression, too_small
from .timeofday import evening_minutes

HOMEWORK_MEAN = "homework_minutes_mean"
SATISFACTION_INDEX = "satisfaction_index"
SATISFACTION_ALPHA = "satisfaction_alpha"
#: Indicators where a smaller value is the better one (the verdict compares the other way).
LOWER_IS_BETTER = frozenset({HOMEWORK_MEAN})

MEETS, DOES_NOT_MEET, INSUFFICIENT_DATA = "meets", "does_not_meet", "insufficient_data"
#: Columns of a grouped indicator table after the group columns.
TABLE_COLUMNS = ("key", "kind", "n", "k", "mean", "sd", "value", "ci_low", "ci_high", "limit",
                 "suppressed")


@dataclass(frozen=True)
class IndicatorSpec:
    """What one indicator is: its key, how it aggregates, and the standard it is read against."""

    key: str
    #: proportion | mean | alpha
    kind: str
    standard: dict


def respondent_values(measures: pd.DataFrame, standards: Standards | None = None,
                      items: Mapping[str, str | None] | None = None
                      ) -> tuple[pd.DataFrame, dict[str, IndicatorSpec]]:
    """One column per computable indicator, one row per respondent (NaN = not counted).

    Compliance columns hold 1.0/0.0, mean columns the respondent's value. An indicator whose
    measures are absent from `measures` is left out. Alpha is not per respondent and is absent.
    """
    standards = standards or national_standards()
    items = satisfaction_item_map(measures, items)
    columns: dict[str, np.ndarray] = {}
    specs: dict[str, IndicatorSpec] = {}
    for key, rule in standards.rules.items():
        outcome = compliance(rule, measures)
        if outcome is not None:
            columns[key] = outcome
            specs[key] = IndicatorSpec(key, "proportion", rule.describe())
    if "homework_minutes" in measures:
        columns[HOMEWORK_MEAN] = measures["homework_minutes"].to_numpy(dtype=float)
        rule = homework_rule(standards)
        standard = {"measure": "homework_minutes", "unit": "minutes"}
        if rule is not None:
            standard["limits"] = rule.describe()["bands"]
        specs[HOMEWORK_MEAN] = IndicatorSpec(HOMEWORK_MEAN, "mean", standard)
    if items:
        scores = satisfaction_scores(measures, items)
        for key, score in scores.items():
            columns[key] = score
            dimension = key.partition(".")[2] or None
            chosen = [c for c, d in items.items() if dimension is None or d == dimension]
            specs[key] = IndicatorSpec(key, "mean", {
                "scale": "0-100", "formula": "(mean - 1) / 4 * 100",
                "method": "mean of respondents' item means", "items": len(chosen),
                **({"dimension": dimension} if dimension else {})})
    return pd.DataFrame(columns, index=measures.index), specs


def satisfaction_item_map(measures: pd.DataFrame,
                          items: Mapping[str, str | None] | None) -> dict[str, str | None]:
    """The satisfaction item columns present in `measures` → dimension (default: by prefix)."""
    if items is None:
        return {c: None for c in measures.columns if str(c).startswith(ITEM_PREFIX)}
    return {c: d for c, d in items.items() if c in measures}


def compliance(rule: Rule, measures: pd.DataFrame) -> np.ndarray | None:
    """Per respondent 1.0 (meets), 0.0 (does not) or NaN (not counted); None if measures are absent."""
    if any(m not in measures for m in rule.measures) or (rule.banded and "grade" not in measures):
        return None
    if rule.rule == "one_of":
        column = measures[rule.measures[0]]
        return np.where(column.isna(), np.nan, column.isin(rule.compliant)).astype(float)
    if rule.rule == "activity":
        school, outside = (measures[m].to_numpy(dtype=float) for m in rule.measures)
        if rule.mode == "each":
            met = (school >= rule.in_school) & (outside >= rule.outside)
        else:
            met = school + outside >= rule.total
        return np.where(np.isnan(school) | np.isnan(outside), np.nan, met)
    limit = grade_thresholds(rule, measures["grade"])
    value = measures[rule.measures[0]].to_numpy(dtype=float)
    if rule.rule == "no_later_than":
        value = evening_minutes(value)
    with np.errstate(invalid="ignore"):
        met = value >= limit if rule.rule == "at_least" else value <= limit
    return np.where(np.isnan(value) | np.isnan(limit), np.nan, met)


def grade_thresholds(rule: Rule, grade: pd.Series) -> np.ndarray:
    """Each respondent's threshold for their own grade; NaN without a grade or in no band."""
    g = grade.to_numpy(dtype=float)
    valid = np.isfinite(g) & (g >= 1) & (g <= 12) & (g == np.round(g))
    return rule.thresholds_by_grade()[np.where(valid, g, 0).astype(int)]


def homework_rule(standards: Standards) -> Rule | None:
    """The banded homework-minutes rule whose limits the homework mean is read against."""
    return next((r for r in standards.rules.values()
                 if r.measures == ("homework_minutes",) and r.banded), None)


def satisfaction_scores(measures: pd.DataFrame, items: Mapping[str, str | None]) -> dict[str, np.ndarray]:
    """Respondent scores on 0–100: the overall index and one per dimension."""
    def score(columns):
        """Respondent scores over the given item columns."""
        answers = measures[list(columns)].to_numpy(dtype=float)
        answered = np.isfinite(answers).sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            return (np.nansum(answers, axis=1) / answered - 1) / 4 * 100

    scores = {SATISFACTION_INDEX: score(items)}
    for dimension in dict.fromkeys(d for d in items.values() if d):
        scores[f"{SATISFACTION_INDEX}.{dimension}"] = score(c for c, d in items.items() if d == dimension)
    return scores


def indicators(measures: pd.DataFrame, standards: Standards | None = None, *,
               items: Mapping[str, str | None] | None = None,
               min_group_size: int = MIN_GROUP_SIZE) -> list[dict]:
    """Every computable indicator over the whole frame, as Summary-JSON indicator dicts."""
    table, specs = indicator_table(measures, [], standards, items, min_group_size, False)
    return table_records(table, specs)


def table_records(table: pd.DataFrame, specs: Mapping[str, IndicatorSpec]) -> list[dict]:
    """Rows of a (one-group) indicator table → JSON-safe indicator dicts, in table order."""
    records = []
    for row in table.itertuples(index=False):
        spec = specs.get(row.key)
        standard = dict(spec.standard) if spec else {}
        if row.key == HOMEWORK_MEAN:
            standard["applicable_limit"] = None if row.suppressed else to_float(row.limit)
        records.append({"key": row.key, "value": to_float(row.value), "ci_low": to_float(row.ci_low),
                        "ci_high": to_float(row.ci_high), "n": int(row.n), "standard": standard,
                        "suppressed": bool(row.suppressed)})
    return records


def indicators_by(measures: pd.DataFrame, by: str | Sequence[str], standards: Standards | None = None,
                  *, items: Mapping[str, str | None] | None = None,
                  min_group_size: int = MIN_GROUP_SIZE, complementary: bool = True) -> pd.DataFrame:
    """Indicators per group (e.g. by=["zone_id", "school_id"]) as a long table, one row per group × key.

    Columns: the `by` columns, then TABLE_COLUMNS. A row over fewer than `min_group_size`
    respondents is suppressed: value, interval, k, mean and sd are NaN, n stays. With
    `complementary`, suppression is extended (see `suppression.complementary_suppression`) so a
    hidden group cannot be recovered from the totals along any `by` dimension.
    """
    by = [by] if isinstance(by, str) else list(by)
    return indicator_table(measures, by, standards, items, min_group_size, complementary)[0]


def indicator_table(measures, by: list[str], standards, items, min_group_size: int,
                     complementary: bool) -> tuple[pd.DataFrame, dict[str, IndicatorSpec]]:
    """The grouped table behind `indicators_by` and `indicators`, with the specs of its keys."""
    standards = standards or national_standards()
    items = satisfaction_item_map(measures, items)
    values, specs = respondent_values(measures, standards, items)
    keys = [measures[c] for c in by] if by else [np.zeros(len(measures), dtype=int)]
    extra = {}
    rule = homework_rule(standards)
    if HOMEWORK_MEAN in values and rule is not None and "grade" in measures:
        # The limit of respondents who answered homework minutes, to name the one that applies.
        limit = grade_thresholds(rule, measures["grade"])
        extra["_limit"] = np.where(np.isnan(values[HOMEWORK_MEAN].to_numpy()), np.nan, limit)
    frame = values.assign(**extra)
    grouped = frame.groupby(keys, dropna=False, sort=True, observed=True)
    count, total, mean, sd = grouped.count(), grouped.sum(), grouped.mean(), grouped.std()
    groups = count.index if len(count) or by else pd.Index([0])
    count, total, mean, sd = (t.reindex(groups) for t in (count, total, mean, sd))
    limit_low, limit_high = ((grouped["_limit"].min().reindex(groups), grouped["_limit"].max().reindex(groups))
                             if extra else (None, None))

    parts = []
    for key, spec in specs.items():
        n = count[key].fillna(0).to_numpy(dtype=float)
        part = {"key": key, "kind": spec.kind, "n": n}
        if spec.kind == "proportion":
            k = total[key].fillna(0).to_numpy(dtype=float)
            with np.errstate(invalid="ignore", divide="ignore"):
                value = k / n
            low, high = wilson_interval(k, n)
            part.update(k=k, mean=np.nan, sd=np.nan, value=value, ci_low=low, ci_high=high)
        else:
            m, s = mean[key].to_numpy(dtype=float), sd[key].to_numpy(dtype=float)
            low, high = t_interval(m, s, n)
            part.update(k=np.nan, mean=m, sd=s, value=m, ci_low=low, ci_high=high)
        part["limit"] = np.nan
        if key == HOMEWORK_MEAN and limit_low is not None:
            same = limit_low.to_numpy() == limit_high.to_numpy()
            part["limit"] = np.where(same, limit_low.to_numpy(), np.nan)
        parts.append(_with_groups(groups, by, part))
    if len(items) >= 2:
        specs[SATISFACTION_ALPHA] = IndicatorSpec(SATISFACTION_ALPHA, "alpha", {
            "method": "Cronbach's alpha over complete cases", "interval": "Feldt",
            "items": len(items)})
        parts.append(_with_groups(groups, by, _alpha_by(measures, list(items), keys, groups)))
    return finish_table(parts, by, min_group_size, complementary), specs


def finish_table(parts: list[pd.DataFrame], by: list[str], min_group_size: int,
                 complementary: bool) -> pd.DataFrame:
    """Blocks of indicator rows -> one table with small groups (and their partners) hidden."""
    table = (pd.concat(parts, ignore_index=True) if parts
             else pd.DataFrame(columns=[*by, *TABLE_COLUMNS]))
    table["n"] = table["n"].astype(int)
    table["suppressed"] = too_small(table["n"].to_numpy(), min_group_size)
    if complementary and by and len(table):
        table["suppressed"] = complementary_suppression(table, by, fixed=["key"])
    hidden = table["suppressed"].to_numpy(dtype=bool)
    for column in ("k", "mean", "sd", "value", "ci_low", "ci_high", "limit"):
        table[column] = table[column].astype(float).mask(hidden)
    return table[[*by, *TABLE_COLUMNS]]


def _with_groups(groups: pd.Index, by: list[str], part: dict) -> pd.DataFrame:
    """A block of table rows: the group columns from the group index, then the figures."""
    frame = pd.DataFrame(part, index=range(len(groups)))
    if by:
        labels = groups.to_frame(index=False)
        labels.columns = by
        frame = pd.concat([labels, frame], axis=1)
    return frame


def _alpha_by(measures: pd.DataFrame, columns: list[str], keys, groups: pd.Index):
    """Cronbach's alpha per group over complete cases, with Feldt's interval."""
    data = measures[columns].astype(float)
    complete = data.notna().all(axis=1).to_numpy()
    data = data[complete]
    keys = [np.asarray(k)[complete] for k in keys]
    grouped = data.assign(_total=data.sum(axis=1)).groupby(keys, dropna=False, sort=True, observed=True)
    variances = grouped.var().reindex(groups)
    n = grouped.size().reindex(groups).fillna(0).to_numpy(dtype=float)
    k = len(columns)
    with np.errstate(invalid="ignore", divide="ignore"):
        alpha = k / (k - 1) * (1 - variances[columns].sum(axis=1, min_count=k).to_numpy()
                                / variances["_total"].to_numpy())
        alpha = np.where(np.isfinite(alpha), alpha, np.nan)
        low, high = feldt_interval(alpha, n, k)
    return {"key": SATISFACTION_ALPHA, "kind": "alpha", "n": n, "k": np.nan, "mean": np.nan,
                    "sd": np.nan, "value": alpha, "ci_low": low, "ci_high": high, "limit": np.nan}


def cronbach_alpha(items: pd.DataFrame) -> float | None:
    """Cronbach's alpha over complete cases: k/(k−1) · (1 − Σ var(item) / var(total)), ddof 1."""
    groups = pd.Index([0])
    part = _alpha_by(items, list(items.columns), [np.zeros(len(items), dtype=int)], groups)
    return to_float(part["value"][0])


def feldt_interval(alpha, n, k: int, confidence: float = 0.95):
    """Feldt's interval for alpha: 1 − (1 − α̂)·F(q; n−1, (n−1)(k−1)) at q = 0.975 (low) and 0.025 (high)."""
    alpha = np.asarray(alpha, dtype=float)
    df1 = np.where(np.asarray(n, dtype=float) >= 2, np.asarray(n, dtype=float) - 1, np.nan)
    df2 = df1 * (k - 1)
    upper_q, lower_q = 0.5 + confidence / 2, 0.5 - confidence / 2
    return (1 - (1 - alpha) * stats.f.ppf(upper_q, df1, df2),
            1 - (1 - alpha) * stats.f.ppf(lower_q, df1, df2))


def verdict(indicator: Mapping, target: float | None = None, *,
            lower_is_better: bool | None = None) -> str:
    """A school's verdict on one indicator: meets, does_not_meet or insufficient_data.

    Rule: insufficient_data when the figure is suppressed or there is no target; otherwise
    meets when the value reaches the target (value ≥ target, or ≤ for lower-is-better
    indicators such as homework minutes, whose default target is the applicable band limit).
    The point estimate decides; the interval is reported beside it, not used to soften it.
    """
    key = indicator.get("key")
    if lower_is_better is None:
        lower_is_better = key in LOWER_IS_BETTER
    if target is None and key == HOMEWORK_MEAN:
        target = (indicator.get("standard") or {}).get("applicable_limit")
    value = indicator.get("value")
    if indicator.get("suppressed") or value is None or target is None:
        return INSUFFICIENT_DATA
    return MEETS if (value <= target if lower_is_better else value >= target) else DOES_NOT_MEET


def verdicts(table: pd.DataFrame, targets: Mapping[str, float]) -> pd.Series:
    """`verdict` for every row of a grouped indicator table (targets by key; homework uses its limit)."""
    target = table["key"].map(targets).astype(float)
    target = target.where(~((table["key"] == HOMEWORK_MEAN) & target.isna()), table["limit"])
    lower = table["key"].isin(LOWER_IS_BETTER)
    value = table["value"]
    unknown = table["suppressed"] | value.isna() | target.isna()
    met = np.where(lower, value <= target, value >= target)
    return pd.Series(np.select([unknown, met], [INSUFFICIENT_DATA, MEETS], DOES_NOT_MEET),
                     index=table.index, name="verdict")
