"""Comparisons agree with scipy and statsmodels; rankings, tie groups and trends behave."""
import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.proportion import confint_proportions_2indep, proportions_ztest

from app.statistics import (
    compare_school, difference_in_means, difference_in_proportions, distribution_test,
    frame_from_columns, independence_test, indicators_by, rank_schools, respondent_values, trend,
    year_over_year,
)


def test_chi_square_and_cramers_v_match_scipy():
    rng = np.random.default_rng(1)
    groups = pd.Series(rng.choice(["A", "B", "C"], 300))
    values = pd.Series(np.where(groups == "A", rng.choice(["yes", "no", "maybe"], 300, p=[.6, .3, .1]),
                                rng.choice(["yes", "no", "maybe"], 300)))
    result = independence_test(values, groups)
    table = pd.crosstab(groups, values).to_numpy()
    chi2, p, dof, _ = stats.chi2_contingency(table, correction=False)
    assert result["test"] == "chi_square"
    assert result["statistic"] == pytest.approx(chi2) and result["p_value"] == pytest.approx(p)
    assert result["dof"] == dof == 4 and result["n"] == 300
    assert result["cramers_v"] == pytest.approx(np.sqrt(chi2 / (300 * 2)))
    assert result["cramers_v"] == pytest.approx(
        stats.contingency.association(table, method="cramer", correction=False))


def test_a_small_two_by_two_table_uses_fishers_exact_test():
    groups = pd.Series(["A"] * 8 + ["B"] * 7)
    values = pd.Series(["yes"] * 7 + ["no"] + ["yes"] * 2 + ["no"] * 5)
    result = independence_test(values, groups)
    odds, p = stats.fisher_exact([[1, 7], [5, 2]])
    assert result["test"] == "fisher_exact"
    assert result["p_value"] == pytest.approx(p) and result["statistic"] == pytest.approx(odds)
    assert result["cramers_v"] is not None


def test_independence_needs_two_groups_and_two_answers():
    assert independence_test(pd.Series(["yes"] * 5 + ["no"] * 5), pd.Series(["A"] * 10)) is None
    assert independence_test(pd.Series(["yes"] * 10), pd.Series(["A", "B"] * 5)) is None


def test_kruskal_wallis_with_epsilon_squared():
    rng = np.random.default_rng(4)
    data = pd.DataFrame({"g": np.repeat(["a", "b", "c"], 40),
                         "v": np.concatenate([rng.integers(1, 6, 40), rng.integers(2, 6, 40),
                                              rng.integers(1, 4, 40)])})
    result = distribution_test(data["v"], data["g"])
    h, p = stats.kruskal(*[data.loc[data["g"] == g, "v"] for g in "abc"])
    assert result["test"] == "kruskal_wallis" and result["groups"] == 3
    assert result["statistic"] == pytest.approx(h) and result["p_value"] == pytest.approx(p)
    assert result["epsilon_squared"] == pytest.approx(h / (120 - 1))


def test_mann_whitney_with_rank_biserial():
    a, b = [3, 4, 5, 5, 4, 5], [1, 2, 3, 2, 4]
    result = distribution_test(pd.Series(a + b), pd.Series(["a"] * 6 + ["b"] * 5))
    u, p = stats.mannwhitneyu(a, b, alternative="two-sided")
    assert result["test"] == "mann_whitney_u"
    assert result["statistic"] == pytest.approx(u) and result["p_value"] == pytest.approx(p)
    # By hand: pairs where a wins minus pairs where b wins, over all pairs.
    wins = sum((x > y) - (x < y) for x in a for y in b)
    assert result["rank_biserial"] == pytest.approx(wins / 30)


def test_difference_in_proportions_newcombe_and_z():
    result = difference_in_proportions(45, 60, 30, 55)
    low, high = confint_proportions_2indep(45, 60, 30, 55, method="newcomb", compare="diff")
    _, p = proportions_ztest([45, 30], [60, 55])
    assert result["difference"] == pytest.approx(45 / 60 - 30 / 55)
    assert (result["ci_low"], result["ci_high"]) == pytest.approx((low, high))
    assert result["p_value"] == pytest.approx(p)


def test_difference_in_means_welch():
    a, b = np.array([50., 60, 55, 70, 65, 80]), np.array([40., 45, 60, 35, 50])
    result = difference_in_means(a.mean(), a.std(ddof=1), 6, b.mean(), b.std(ddof=1), 5)
    ref = stats.ttest_ind(a, b, equal_var=False)
    assert result["p_value"] == pytest.approx(ref.pvalue)
    assert (result["ci_low"], result["ci_high"]) == pytest.approx(tuple(ref.confidence_interval()))


def county(seed=8, size=2000):
    """A synthetic county: 3 zones, 12 schools, two years, sleep and homework answers."""
    rng = np.random.default_rng(seed)
    school = rng.integers(1, 13, size)
    return frame_from_columns({
        "zone_id": (school - 1) // 4 + 1, "school_id": school, "period": rng.choice([2024, 2025], size),
        "grade": rng.integers(3, 10, size), "sleep_hours": rng.choice([8, 9, 9.5, 10, 10.5], size),
        "homework_minutes": rng.integers(20, 120, size)})


def test_year_over_year_per_school_matches_the_two_sample_formulas():
    frame = county()
    table = indicators_by(frame, ["school_id", "period"], complementary=False)
    change = year_over_year(table, 2025, 2024, by="school_id")
    row = change[(change["school_id"] == 3) & (change["key"] == "sleep_compliance")].iloc[0]
    values, _ = respondent_values(frame)
    sleep = values["sleep_compliance"][frame["school_id"] == 3]
    now, before = (sleep[frame["period"] == y].dropna() for y in (2025, 2024))
    ref = difference_in_proportions(now.sum(), now.size, before.sum(), before.size)
    assert row["difference"] == pytest.approx(ref["difference"])
    assert (row["ci_low"], row["ci_high"], row["p_value"]) == pytest.approx(
        (ref["ci_low"], ref["ci_high"], ref["p_value"]))
    homework = change[(change["school_id"] == 3) & (change["key"] == "homework_minutes_mean")].iloc[0]
    minutes = frame.loc[frame["school_id"] == 3]
    a, b = (minutes.loc[minutes["period"] == y, "homework_minutes"] for y in (2025, 2024))
    assert homework["p_value"] == pytest.approx(stats.ttest_ind(a, b, equal_var=False).pvalue)


def test_year_over_year_is_suppressed_when_either_year_is():
    frame = county()
    frame = frame[~((frame["school_id"] == 5) & (frame["period"] == 2024))
                  | (frame.index < 5)]
    table = indicators_by(frame, ["school_id", "period"], complementary=False)
    change = year_over_year(table, 2025, 2024, by="school_id")
    school5 = change[change["school_id"] == 5]
    assert school5["suppressed"].all() and school5["difference"].isna().all()


def test_cochran_armitage_trend_matches_its_correlation_form():
    rng = np.random.default_rng(9)
    periods = pd.Series(np.repeat(["2022-2023", "2023-2024", "2024-2025"], 200))
    values = pd.Series(rng.random(600) < np.repeat([0.6, 0.7, 0.8], 200)).astype(float)
    result = trend(values, periods, "proportion")
    score = periods.map({"2022-2023": 0, "2023-2024": 1, "2024-2025": 2})
    r = np.corrcoef(score, values)[0, 1]
    assert result["test"] == "cochran_armitage"
    assert result["statistic"] ** 2 == pytest.approx(600 * r ** 2)
    assert result["slope"] == pytest.approx(stats.linregress(score, values).slope)
    assert [p["period"] for p in result["periods"]] == ["2022-2023", "2023-2024", "2024-2025"]
    assert result["p_value"] < 0.001


def test_trend_of_a_mean_is_the_regression_slope():
    periods = pd.Series([2023] * 12 + [2024] * 12 + [2025] * 12)
    values = pd.Series(np.r_[np.full(12, 80.0), np.full(12, 70.0), np.full(12, 60.0)] + np.tile(np.arange(12), 3))
    result = trend(values, periods, "mean")
    fit = stats.linregress(periods - 2023, values)
    assert result["slope"] == pytest.approx(-10) and result["p_value"] == pytest.approx(fit.pvalue)
    assert result["periods"][0]["value"] == pytest.approx(85.5)


def test_rank_schools_marks_tie_groups_by_overlapping_intervals():
    table = pd.DataFrame({"zone_id": ["z"] * 5, "school_id": [1, 2, 3, 4, 5], "key": "sleep_compliance",
                          "value": [0.95, 0.90, 0.60, 0.58, np.nan],
                          "ci_low": [0.88, 0.82, 0.50, 0.47, np.nan],
                          "ci_high": [0.98, 0.95, 0.70, 0.68, np.nan],
                          "suppressed": [False, False, False, False, True]})
    ranked = rank_schools(table, "sleep_compliance").set_index("school_id")
    assert ranked["rank"].tolist()[:4] == [1, 2, 3, 4] and pd.isna(ranked.loc[5, "rank"])
    assert ranked.loc[[1, 2, 3, 4], "tie_group"].tolist() == [1, 1, 2, 2]
    homework = rank_schools(table.assign(key="homework_minutes_mean"), "homework_minutes_mean")
    assert homework.set_index("school_id").loc[4, "rank"] == 1  # fewer minutes ranks first


def test_compare_school_gives_school_zone_and_county():
    frame = county()
    result = {r["key"]: r for r in compare_school(frame, 5)}
    sleep = result["sleep_compliance"]
    in_zone = frame[frame["zone_id"] == 2]
    assert sleep["school"]["n"] == int((frame["school_id"] == 5).sum())
    assert sleep["zone"]["n"] == len(in_zone) and sleep["county"]["n"] == len(frame)
    assert set(result) == {"sleep_compliance", "homework_compliance", "homework_minutes_mean"}
