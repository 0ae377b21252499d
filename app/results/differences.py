"""Do the schools of a zone differ? Tests across schools for each indicator, hidden schools left out."""
from __future__ import annotations

from ..statistics import distribution_test, independence_test
from ..statistics.indicators import respondent_values
from .services import CountyResults, standards


def school_differences(results: CountyResults, zone_id: int, year: int | None) -> dict[str, dict]:
    """Indicator key -> test across the zone's schools: chi-square (Fisher's exact for a small
    2x2) with Cramer's V for shares; Kruskal-Wallis (epsilon squared) or Mann-Whitney U
    (rank-biserial r) for means.

    Only schools whose figure is shown take part, so no test rests on a hidden group.
    """
    if year is None:
        return {}
    frame = results.measures_of(zone_id=zone_id, period=year)
    if frame is None or frame.empty:
        return {}
    table = results.schools
    shown = table[(table["zone_id"] == zone_id) & (table["period"] == year) & ~table["suppressed"].astype(bool)]
    values, specs = respondent_values(frame, standards(), results.items)
    tests = {}
    for key, spec in specs.items():
        visible = set(shown.loc[shown["key"] == key, "school_id"])
        mask = values[key].notna() & frame["school_id"].isin(visible)
        if frame.loc[mask, "school_id"].nunique() < 2:
            continue
        column, groups = values.loc[mask, key], frame.loc[mask, "school_id"]
        result = (independence_test(column.astype(int), groups) if spec.kind == "proportion"
                  else distribution_test(column, groups))
        if result is not None:
            tests[key] = result
    return tests
