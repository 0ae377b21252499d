"""Comparisons: a school against its zone and county, rankings, tests across schools, change over time.

Tests are two-sided at 95%. Effect sizes travel with p-values because with county-sized samples
almost any difference is "significant": Cramér's V for tables, epsilon² for Kruskal–Wallis and
the rank-biserial correlation for Mann–Whitney U.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from .indicators import LOWER_IS_BETTER, indicators
from .intervals import (newcombe_difference, t_interval, two_proportion_z_test, welch_difference,
                        wilson_interval)
from .jsonsafe import plain, to_float
from .standards import Standards
from .suppression import MIN_GROUP_SIZE, too_small


def compare_school(measures: pd.DataFrame, school_id, standards: Standards | None = None, *,
                   items: Mapping[str, str | None] | None = None,
                   min_group_size: int = MIN_GROUP_SIZE) -> list[dict]:
    """Each indicator for the school, its zone (from `zone_id`) and the whole frame (the county).

    Returns [{"key", "school": indicator, "zone": indicator | None, "county": indicator}], the
    indicator dicts as in the Summary JSON, each with its own suppression.
    """
    school = measures["school_id"] == school_id
    zones = measures.loc[school, "zone_id"].dropna().unique() if "zone_id" in measures else []
    levels = {"school": measures[school],
              "zone": measures[measures["zone_id"] == zones[0]] if len(zones) == 1 else None,
              "county": measures}
    figures = {level: ({i["key"]: i for i in indicators(frame, standards, items=items,
                                                        min_group_size=min_group_size)}
                       if frame is not None else {})
               for level, frame in levels.items()}
    return [{"key": key, **{level: figures[level].get(key) for level in levels}}
            for key in figures["county"]]


def rank_schools(table: pd.DataFrame, key: str, *, within: str | None = "zone_id",
                 group: str = "school_id", lower_is_better: bool | None = None) -> pd.DataFrame:
    """Rank groups on one indicator inside each `within` block, with tie groups by interval overlap.

    `table` is a grouped indicator table (`indicators_by`). Suppressed groups get no rank. Rank 1
    is the best value (competition ranking: equal values share a rank). A tie group starts at
    the best school not yet grouped and takes every following school whose interval overlaps
    that leader's: within a tie group the data cannot tell the schools apart.
    """
    if lower_is_better is None:
        lower_is_better = key in LOWER_IS_BETTER
    blocks = [within] if within else []
    rows = table[table["key"] == key].copy()
    rows["rank"] = pd.array([pd.NA] * len(rows), dtype="Int64")
    rows["tie_group"] = pd.array([pd.NA] * len(rows), dtype="Int64")
    shown = rows[~rows["suppressed"]].sort_values([*blocks, "value"],
                                                  ascending=[True] * len(blocks) + [lower_is_better])
    for _, block in (shown.groupby(blocks, sort=False, dropna=False) if blocks else [(None, shown)]):
        rows.loc[block.index, "rank"] = block["value"].rank(method="min", ascending=lower_is_better)
        rows.loc[block.index, "tie_group"] = _tie_groups(block["ci_low"].to_numpy(),
                                                         block["ci_high"].to_numpy())
    return rows.sort_values([*blocks, "rank", group], na_position="last").reset_index(drop=True)


def _tie_groups(low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """Tie-group numbers (1, 2 ...) for groups already sorted best first; loops over schools only."""
    groups = np.zeros(len(low), dtype=int)
    current, leader = 0, None
    for i in range(len(low)):
        overlaps = leader is not None and low[i] <= high[leader] and high[i] >= low[leader]
        if not overlaps:
            current, leader = current + 1, i
        groups[i] = current
    return groups


def independence_test(values: pd.Series, groups: pd.Series) -> dict | None:
    """Chi-square test that answer distribution and group are independent, with Cramér's V.

    A 2×2 table with any expected count below 5 uses Fisher's exact test instead (statistic =
    its odds ratio). Cramér's V = √(χ² / (n · (min(r, c) − 1))) from the uncorrected χ². Returns
    None when fewer than two groups or two answers occur.
    """
    table = pd.crosstab(groups, values)
    table = table.loc[table.sum(axis=1) > 0, table.sum(axis=0) > 0]
    if min(table.shape) < 2:
        return None
    chi2, p, dof, expected = stats.chi2_contingency(table.to_numpy(), correction=False)
    n = int(table.to_numpy().sum())
    result = {"test": "chi_square", "statistic": to_float(chi2), "p_value": to_float(p),
              "dof": int(dof), "n": n, "groups": int(table.shape[0]),
              "categories": int(table.shape[1]),
              "cramers_v": to_float(np.sqrt(chi2 / (n * (min(table.shape) - 1)))),
              "small_expected_share": to_float((expected < 5).mean())}
    if table.shape == (2, 2) and (expected < 5).any():
        odds, p_exact = stats.fisher_exact(table.to_numpy())
        result.update(test="fisher_exact", statistic=to_float(odds), p_value=to_float(p_exact))
    return result


def distribution_test(values: pd.Series, groups: pd.Series) -> dict | None:
    """Do ordinal or numeric answers differ across groups? Mann–Whitney U for 2, Kruskal–Wallis for more.

    Effect sizes: rank-biserial r = 2·U₁/(n₁n₂) − 1 (positive: the first group, in sorted
    order, tends higher); epsilon² = H / (n − 1). Returns None with fewer than two groups.
    """
    data = pd.DataFrame({"value": pd.to_numeric(values, errors="coerce"), "group": groups}).dropna()
    samples = [g["value"].to_numpy(dtype=float) for _, g in data.groupby("group", sort=True)]
    if len(samples) < 2:
        return None
    n = int(sum(s.size for s in samples))
    if len(samples) == 2:
        first, second = samples
        u, p = stats.mannwhitneyu(first, second, alternative="two-sided")
        return {"test": "mann_whitney_u", "statistic": to_float(u), "p_value": to_float(p), "n": n,
                "groups": 2, "rank_biserial": to_float(2 * u / (first.size * second.size) - 1)}
    try:
        h, p = stats.kruskal(*samples)
    except ValueError:  # every value identical: no ranks to compare
        h, p = np.nan, np.nan
    return {"test": "kruskal_wallis", "statistic": to_float(h), "p_value": to_float(p), "n": n,
            "groups": len(samples), "epsilon_squared": to_float(h / (n - 1))}


def difference_in_proportions(k1, n1, k2, n2) -> dict:
    """p1 − p2 with Newcombe's (Wilson-based) 95% interval and the pooled two-proportion z-test."""
    d, low, high = newcombe_difference(k1, n1, k2, n2)
    z, p = two_proportion_z_test(k1, n1, k2, n2)
    return {"difference": to_float(d), "ci_low": to_float(low), "ci_high": to_float(high),
            "statistic": to_float(z), "p_value": to_float(p)}


def difference_in_means(mean1, sd1, n1, mean2, sd2, n2) -> dict:
    """mean1 − mean2 with Welch's 95% interval and two-sided p-value."""
    d, low, high, p = welch_difference(mean1, sd1, n1, mean2, sd2, n2)
    return {"difference": to_float(d), "ci_low": to_float(low), "ci_high": to_float(high),
            "p_value": to_float(p)}


def year_over_year(table: pd.DataFrame, current, previous, *, period: str = "period",
                   by: str | Sequence[str] = ()) -> pd.DataFrame:
    """Change of every indicator from `previous` to `current` period, per group, from a grouped table.

    `table` is `indicators_by(measures, [*by, period])`. Proportions: Newcombe interval and
    z-test; means: Welch. A change involving a suppressed figure is suppressed. Alpha rows are
    left out (no test of a change in alpha here).
    """
    by = [by] if isinstance(by, str) else list(by)
    rows = table[table["kind"] != "alpha"]
    on = [*by, "key", "kind"]
    now = rows[rows[period] == current].drop(columns=period)
    before = rows[rows[period] == previous].drop(columns=period)
    pairs = now.merge(before, on=on, suffixes=("", "_previous"), how="outer")
    proportion = (pairs["kind"] == "proportion").to_numpy()
    d_p, low_p, high_p = newcombe_difference(pairs["k"], pairs["n"], pairs["k_previous"], pairs["n_previous"])
    _, p_p = two_proportion_z_test(pairs["k"], pairs["n"], pairs["k_previous"], pairs["n_previous"])
    d_m, low_m, high_m, p_m = welch_difference(pairs["mean"], pairs["sd"], pairs["n"],
                                               pairs["mean_previous"], pairs["sd_previous"],
                                               pairs["n_previous"])
    # A period missing from the merge counts as suppressed: there is nothing to compare with.
    hidden = ~(pairs["suppressed"].eq(False) & pairs["suppressed_previous"].eq(False)).to_numpy()
    result = pairs[on].copy()
    result["n"] = pairs["n"].fillna(0).astype(int)
    result["n_previous"] = pairs["n_previous"].fillna(0).astype(int)
    result["value"] = pairs["value"]
    result["value_previous"] = pairs["value_previous"]
    for name, p_value, m_value in (("difference", d_p, d_m), ("ci_low", low_p, low_m),
                                   ("ci_high", high_p, high_m), ("p_value", p_p, p_m)):
        result[name] = np.where(hidden, np.nan, np.where(proportion, p_value, m_value))
    result["suppressed"] = hidden
    return result.reset_index(drop=True)


def trend(values: pd.Series, periods: pd.Series, kind: str = "proportion",
          min_group_size: int = MIN_GROUP_SIZE) -> dict:
    """A trend over ordered periods (2023 < 2024, "2024-2025" < "2025-2026") of respondent values.

    `values` are one indicator's respondent values (`respondent_values`): 0/1 for a
    `proportion`, numbers for a `mean`. Periods are scored 0, 1, 2 ... in sorted order. The
    slope is the least-squares change per period. Proportions use the Cochran–Armitage test
    (z = Σ tᵢ(kᵢ − nᵢp̄) / √(p̄(1−p̄)(Σ nᵢtᵢ² − (Σ nᵢtᵢ)²/N))); means the t-test of the
    regression slope. Each period's figure is suppressed below `min_group_size`.
    """
    data = pd.DataFrame({"y": pd.to_numeric(values, errors="coerce"), "period": periods}).dropna()
    grouped = data.groupby("period", sort=True)["y"]
    summary = pd.DataFrame({"n": grouped.count(), "total": grouped.sum(), "mean": grouped.mean(),
                            "sd": grouped.std()})
    order = {p: i for i, p in enumerate(summary.index)}
    score = data["period"].map(order).to_numpy(dtype=float)
    y = data["y"].to_numpy(dtype=float)
    n = summary["n"].to_numpy(dtype=float)
    if kind == "proportion":
        low, high = wilson_interval(summary["total"], n)
    else:
        low, high = t_interval(summary["mean"], summary["sd"], n)
    hidden = too_small(n, min_group_size)
    periods_out = [{"period": plain(p), "n": int(count), "value": None if h else to_float(v),
                    "ci_low": None if h else to_float(lo), "ci_high": None if h else to_float(hi),
                    "suppressed": bool(h)}
                   for p, count, v, lo, hi, h in zip(summary.index, n, summary["mean"], low, high, hidden)]
    result = {"kind": kind, "periods": periods_out, "slope": None, "statistic": None,
              "p_value": None, "test": None}
    if len(summary) < 2 or np.var(score) == 0:
        return result
    slope = np.cov(score, y, bias=True)[0, 1] / np.var(score)
    if kind == "proportion":
        t = np.arange(len(summary), dtype=float)
        k = summary["total"].to_numpy(dtype=float)
        total_n, p_bar = n.sum(), k.sum() / n.sum()
        variance = p_bar * (1 - p_bar) * ((n * t ** 2).sum() - (n * t).sum() ** 2 / total_n)
        with np.errstate(divide="ignore", invalid="ignore"):
            z = (t * (k - n * p_bar)).sum() / np.sqrt(variance)
        p = 2 * stats.norm.sf(abs(z))
        result.update(test="cochran_armitage", statistic=to_float(z), p_value=to_float(p))
    else:
        fit = stats.linregress(score, y)
        result.update(test="linear_regression", statistic=to_float(fit.slope / fit.stderr),
                      p_value=to_float(fit.pvalue))
    result["slope"] = to_float(slope)
    return result

