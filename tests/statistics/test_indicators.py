"""Indicators from measures: grade bands, exclusions, satisfaction index, alpha, groups, verdicts."""
import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from app.statistics import (
    DOES_NOT_MEET, INSUFFICIENT_DATA, MEETS, cronbach_alpha, frame_from_columns, indicators,
    indicators_by, load_standards, measure_frame, satisfaction_items, verdict, verdicts,
)


def measures(**columns):
    """A measure frame from plain columns (the app's SQL path)."""
    return frame_from_columns(pd.DataFrame(columns))


def indicator(key, frame, **options):
    """The one indicator with that key."""
    options.setdefault("min_group_size", 1)
    return next(i for i in indicators(frame, **options) if i["key"] == key)


def test_sleep_standard_depends_on_the_childs_own_grade():
    frame = measures(grade=["3", "8"], sleep_hours=[9.5, 9.5])
    by_child = indicators_by(frame.assign(child=[1, 2]), "child", min_group_size=1, complementary=False)
    sleep = by_child[by_child["key"] == "sleep_compliance"].set_index("child")["value"]
    assert sleep[1] == 0.0  # grade 3 needs 10 h
    assert sleep[2] == 1.0  # grade 8 needs 9 h


@pytest.mark.parametrize("grade, hours, meets", [
    ("6", 10, True), ("6", 9.5, False), ("7", 9, True), ("9", 8.5, False),
    ("10", 8, True), ("12", 7.5, False)])
def test_sleep_band_edges(grade, hours, meets):
    assert indicator("sleep_compliance", measures(grade=[grade], sleep_hours=[hours]))["value"] == float(meets)


def test_homework_grades_one_and_two_allow_no_written_homework_and_senior_is_excluded():
    frame = measures(grade=["1", "2", "3", "7", "7", "11", None],
                     homework_minutes=[0, 10, 60, 90, 95, 200, 30])
    result = indicator("homework_compliance", frame)
    assert result["n"] == 5  # grade 11 (excluded band) and the child without a grade are left out
    assert result["value"] == pytest.approx(3 / 5)
    low, high = proportion_confint(3, 5, method="wilson")
    assert (result["ci_low"], result["ci_high"]) == pytest.approx((low, high))


def test_bedtime_after_midnight_fails_and_each_band_has_its_own_limit():
    frame = measures(grade=["4", "4", "8", "8", "11", "11"],
                     bedtime=["21:20", "21:21", "22:00", "00:15", "23:00", "23:01"])
    result = indicator("bedtime_compliance", frame)
    assert result["n"] == 6 and result["value"] == pytest.approx(3 / 6)


def test_categorical_standards_need_no_grade():
    frame = measures(phone_handling=["not_brought", "handed_in", "kept_by_child", None],
                     reading_pressure=["no", "yes", "no", "no"],
                     after_school_offered=["yes", "yes", None, "no"])
    assert indicator("phone_compliance", frame)["value"] == pytest.approx(2 / 3)
    assert indicator("reading_compliance", frame)["value"] == pytest.approx(3 / 4)
    assert indicator("after_school_compliance", frame)["n"] == 3


def test_activity_needs_an_hour_in_school_and_an_hour_outside_or_a_county_total():
    frame = measures(activity_school_minutes=[60, 90, 30, 60], activity_outside_minutes=[60, 20, 100, None])
    assert indicator("activity_compliance", frame)["value"] == pytest.approx(1 / 3)
    county = load_standards(overrides={"indicators": {"activity_compliance": {"mode": "total"}}})
    total = indicator("activity_compliance", frame, standards=county)
    assert total["value"] == pytest.approx(2 / 3)
    assert total["standard"]["mode"] == "total" and total["standard"]["total"] == 120


def test_an_indicator_without_its_measures_is_absent():
    keys = [i["key"] for i in indicators(measures(sleep_hours=[9, 10]), min_group_size=1)]
    assert "sleep_compliance" not in keys  # no grade, so no band to judge by


def test_homework_mean_has_a_t_interval_and_the_limit_that_applies():
    frame = measures(grade=["5"] * 4, homework_minutes=[30, 60, 45, 90])
    result = indicator("homework_minutes_mean", frame)
    values = np.array([30, 60, 45, 90])
    ref = stats.t.interval(0.95, 3, loc=values.mean(), scale=stats.sem(values))
    assert result["value"] == pytest.approx(56.25)
    assert (result["ci_low"], result["ci_high"]) == pytest.approx(ref)
    assert result["standard"]["applicable_limit"] == 60.0
    mixed = indicator("homework_minutes_mean", measures(grade=["5", "8"], homework_minutes=[30, 60]))
    assert mixed["standard"]["applicable_limit"] is None
    assert mixed["standard"]["limits"] == {"1-2": 0.0, "3-6": 60.0, "7-9": 90.0}


def test_satisfaction_index_is_the_mean_of_respondent_means_rescaled():
    items = {"satisfaction:a": "teaching", "satisfaction:b": "teaching", "satisfaction:c": "safety"}
    frame = measures(**{"satisfaction:a": ["5", "4", "1", "3"], "satisfaction:b": ["5", "2", None, "3"],
                        "satisfaction:c": ["4", "4", "2", "3"]})
    respondent_means = np.array([14 / 3, 10 / 3, 1.5, 3.0])
    scores = (respondent_means - 1) / 4 * 100
    result = indicator("satisfaction_index", frame, items=items)
    ref = stats.t.interval(0.95, 3, loc=scores.mean(), scale=stats.sem(scores))
    assert result["value"] == pytest.approx(scores.mean())
    assert (result["ci_low"], result["ci_high"]) == pytest.approx(ref)
    teaching = indicator("satisfaction_index.teaching", frame, items=items)
    assert teaching["value"] == pytest.approx(np.mean([100, 50, 0, 50]))
    assert indicator("satisfaction_index.safety", frame, items=items)["n"] == 4


def test_all_fives_give_an_index_of_100_and_all_ones_0():
    frame = measures(**{"satisfaction:a": ["5", "1"], "satisfaction:b": ["5", "1"]})
    by = indicators_by(frame.assign(who=["happy", "unhappy"]), "who", min_group_size=1, complementary=False)
    index = by[by["key"] == "satisfaction_index"].set_index("who")["value"]
    assert index["happy"] == 100.0 and index["unhappy"] == 0.0


def test_cronbach_alpha_matches_a_hand_computation():
    data = pd.DataFrame({"a": [1, 2, 3, 4, 5, 3], "b": [2, 2, 3, 5, 4, 3], "c": [1, 3, 3, 4, 5, None]})
    complete = data.dropna()
    k = 3
    item_var = complete.var(ddof=1).sum()
    total_var = complete.sum(axis=1).var(ddof=1)
    expected = k / (k - 1) * (1 - item_var / total_var)
    assert cronbach_alpha(data) == pytest.approx(expected)
    # Worked by hand: item variances 2.5, 1.7, 2.2 (sum 6.4), total variance 17.3
    assert expected == pytest.approx(1.5 * (1 - 6.4 / 17.3))


def test_alpha_indicator_uses_complete_cases_and_a_feldt_interval():
    rng = np.random.default_rng(2)
    trait = rng.normal(0, 1, 200)
    cols = {f"satisfaction:q{i}": np.clip(np.round(3 + trait + rng.normal(0, 0.8, 200)), 1, 5) for i in range(4)}
    cols["satisfaction:q0"][:5] = np.nan
    frame = measures(**cols)
    result = indicator("satisfaction_alpha", frame)
    assert result["n"] == 195
    assert result["value"] == pytest.approx(cronbach_alpha(frame[list(cols)]))
    assert result["ci_low"] < result["value"] < result["ci_high"] < 1


def test_grouped_indicators_equal_the_indicators_of_each_group():
    rng = np.random.default_rng(5)
    size = 600
    frame = measures(school_id=rng.integers(1, 5, size), grade=rng.integers(1, 10, size).astype(str),
                     sleep_hours=rng.choice([8, 8.5, 9, 9.5, 10, 10.5], size),
                     homework_minutes=rng.integers(0, 120, size).astype(float),
                     phone_handling=rng.choice(["not_brought", "handed_in", "kept_by_child"], size),
                     **{f"satisfaction:q{i}": rng.integers(1, 6, size).astype(str) for i in range(3)})
    table = indicators_by(frame, "school_id")
    for school, part in frame.groupby("school_id"):
        expected = {i["key"]: i for i in indicators(part)}
        rows = table[table["school_id"] == school].set_index("key")
        assert set(rows.index) == set(expected)
        for key, want in expected.items():
            assert rows.loc[key, "n"] == want["n"]
            assert rows.loc[key, "value"] == pytest.approx(want["value"])
            assert rows.loc[key, "ci_low"] == pytest.approx(want["ci_low"])


def test_a_small_school_is_suppressed_and_so_is_the_smallest_other_in_its_zone():
    frame = measures(zone_id=["z"] * 45, school_id=[1] * 20 + [2] * 15 + [3] * 4 + [4] * 6,
                     phone_handling=["handed_in"] * 45)
    table = indicators_by(frame, ["zone_id", "school_id"]).set_index("school_id")
    assert table["suppressed"].to_dict() == {1: False, 2: False, 3: True, 4: True}
    assert table.loc[3, "n"] == 4 and np.isnan(table.loc[3, "value"]) and np.isnan(table.loc[3, "k"])
    assert table.loc[2, "value"] == 1.0
    one_small = indicators_by(frame[frame["school_id"] != 4], ["zone_id", "school_id"]).set_index("school_id")
    assert one_small["suppressed"].to_dict() == {1: False, 2: True, 3: True}


def test_sql_columns_and_the_survey_frame_give_the_same_indicators(make_survey, make_frame):
    survey = make_survey([
        {"id": "g", "type": "grade", "measure": "grade", "label": "年级"},
        {"id": "s", "type": "number", "measure": "sleep_hours", "min": 4, "max": 14, "label": "睡眠"},
        {"id": "b", "type": "time", "measure": "bedtime", "label": "就寝"},
        {"id": "x", "type": "likert", "measure": "satisfaction", "dimension": "teaching", "label": "甲"},
        {"id": "y", "type": "likert", "measure": "satisfaction", "dimension": "safety", "label": "乙"}])
    rows = [{"g": str(1 + i % 12), "s": 7 + i % 8 * 0.5, "b": ["21:00", "22:30", "00:10"][i % 3],
             "x": str(1 + i % 5), "y": str(1 + i * 3 % 5)} for i in range(60)]
    from_frame = indicators(measure_frame(survey, make_frame(survey, rows)), items=satisfaction_items(survey))
    sql = frame_from_columns({"grade": [r["g"] for r in rows], "sleep_hours": [r["s"] for r in rows],
                              "bedtime": [r["b"] for r in rows], "satisfaction:x": [r["x"] for r in rows],
                              "satisfaction:y": [r["y"] for r in rows]})
    from_sql = indicators(sql, items=satisfaction_items(survey))
    assert json.dumps(from_frame, allow_nan=False) == json.dumps(from_sql, allow_nan=False)
    assert [i["key"] for i in from_sql] == ["sleep_compliance", "bedtime_compliance", "satisfaction_index",
                                            "satisfaction_index.teaching", "satisfaction_index.safety",
                                            "satisfaction_alpha"]


def test_verdict_against_a_county_target():
    good = {"key": "sleep_compliance", "value": 0.92, "ci_low": 0.85, "ci_high": 0.96, "suppressed": False}
    assert verdict(good, 0.9) == MEETS
    assert verdict({**good, "value": 0.89}, 0.9) == DOES_NOT_MEET
    assert verdict({**good, "value": None, "suppressed": True}, 0.9) == INSUFFICIENT_DATA
    assert verdict(good, None) == INSUFFICIENT_DATA
    homework = {"key": "homework_minutes_mean", "value": 55.0, "suppressed": False,
                "standard": {"applicable_limit": 60.0}}
    assert verdict(homework) == MEETS and verdict({**homework, "value": 61.0}) == DOES_NOT_MEET


def test_verdicts_for_a_grouped_table():
    frame = measures(school_id=[1] * 10 + [2] * 10 + [3] * 3 + [4] * 12, grade=["8"] * 35,
                     sleep_hours=[9] * 10 + [9] * 8 + [8] * 2 + [9] * 3 + [9] * 12)
    table = indicators_by(frame, "school_id", complementary=False)
    table["verdict"] = verdicts(table, load_standards().targets)
    assert table.set_index("school_id")["verdict"].to_dict() == {
        1: MEETS, 2: DOES_NOT_MEET, 3: INSUFFICIENT_DATA, 4: MEETS}
