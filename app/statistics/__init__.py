"""Survey statistics: pure pandas/numpy/scipy, no Flask, no database.

Data flows one way: stored responses → `build_frame` (one row per response) → `summarise`
(the Summary JSON of a launch) or `measure_frame` / `frame_from_columns` (columns named by
measure) → `indicators`, `indicators_by` (per school, zone, period, grade) → `compare` helpers.
Standards come from `surveys/standards.yaml` via `load_standards`, never from code.
"""
from .compare import (
    compare_school, difference_in_means, difference_in_proportions, distribution_test,
    independence_test, rank_schools, trend, year_over_year,
)
from .frames import (
    ITEM_PREFIX, META_COLUMNS, build_frame, frame_from_columns, item_column, measure_frame,
    satisfaction_items,
)
from .indicators import (
    DOES_NOT_MEET, INSUFFICIENT_DATA, MEETS, cronbach_alpha, indicators, indicators_by,
    respondent_values, verdict, verdicts,
)
from .intervals import (
    newcombe_difference, t_interval, two_proportion_z_test, welch_difference, wilson_interval,
)
from .jsonsafe import to_float
from .standards import Standards, StandardsError, load_standards, national_standards
from .summary import summarise, summarise_groups, summarise_question
from .suppression import (
    MIN_GROUP_SIZE, apply_mask, complementary_suppression, protect_nested, recoverable_cells,
    suppress_table,
)
from .timeofday import circular_centre, format_hhmm, parse_minutes

__all__ = [
    "DOES_NOT_MEET", "INSUFFICIENT_DATA", "ITEM_PREFIX", "MEETS", "META_COLUMNS", "MIN_GROUP_SIZE",
    "Standards", "StandardsError",
    "apply_mask", "build_frame", "circular_centre", "compare_school", "complementary_suppression",
    "cronbach_alpha", "difference_in_means", "difference_in_proportions", "distribution_test",
    "format_hhmm", "frame_from_columns", "independence_test", "indicators", "indicators_by",
    "item_column", "load_standards", "measure_frame", "national_standards", "newcombe_difference",
    "parse_minutes", "protect_nested", "rank_schools", "recoverable_cells", "respondent_values",
    "satisfaction_items", "summarise", "summarise_groups", "summarise_question",
    "suppress_table", "t_interval", "to_float", "trend", "two_proportion_z_test", "verdict",
    "verdicts", "welch_difference", "wilson_interval", "year_over_year",
]
