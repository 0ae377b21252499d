"""The Summary JSON: exact shape, JSON-safe numbers, every question, suppression of small groups."""
import json

import numpy as np
import pytest
from scipy import stats

from app.statistics import summarise, summarise_groups

QUESTIONS = [
    {"id": "grade", "type": "grade", "measure": "grade", "label": "年级"},
    {"id": "sleep", "type": "number", "measure": "sleep_hours", "min": 4, "max": 14, "label": "睡眠"},
    {"id": "bed", "type": "time", "measure": "bedtime", "label": "就寝"},
    {"id": "phone", "type": "single", "measure": "phone_handling", "label": "手机", "options": [
        {"value": "not_brought", "label": "不带"}, {"value": "handed_in", "label": "上交"},
        {"value": "kept_by_child", "label": "自己保管"}]},
    {"id": "why", "type": "multiple", "required": False, "label": "原因", "options": [
        {"value": "homework", "label": "作业"}, {"value": "screens", "label": "屏幕"},
        {"value": "none", "label": "不晚睡", "exclusive": True}]},
    {"id": "happy", "type": "likert", "measure": "satisfaction", "label": "满意吗"},
    {"id": "fair", "type": "likert", "measure": "satisfaction", "label": "公平吗"},
    {"id": "note", "type": "text", "required": False, "label": "其他"},
]


def answers(count, **fixed):
    """`count` answer dicts cycling through varied but valid values."""
    rows = []
    for i in range(count):
        row = {"grade": str(1 + i % 9), "sleep": 8 + i % 5 * 0.5, "bed": ["21:00", "22:10", "23:40", "00:20"][i % 4],
               "phone": ["not_brought", "handed_in", "kept_by_child"][i % 3],
               "why": [["homework"], ["homework", "screens"], ["none"]][i % 3],
               "happy": str(1 + i % 5), "fair": str(1 + (i * 2) % 5), "note": "好" if i % 2 else ""}
        row.update(fixed)
        rows.append(row)
    return rows


def walk(value):
    """Every leaf of a JSON-like structure."""
    if isinstance(value, dict):
        for v in value.values():
            yield from walk(v)
    elif isinstance(value, list):
        for v in value:
            yield from walk(v)
    else:
        yield value


@pytest.fixture
def survey(make_survey):
    """The tiny survey of QUESTIONS."""
    return make_survey(QUESTIONS)


def test_summary_has_the_acceptance_shape_and_is_plain_json(survey, make_frame):
    summary = summarise(survey, make_frame(survey, answers(40)))
    json.dumps(summary, allow_nan=False)
    assert set(summary) == {"n", "questions", "indicators"}
    assert summary["n"] == 40
    assert [q["id"] for q in summary["questions"]] == [q["id"] for q in QUESTIONS]
    for leaf in walk(summary):
        assert leaf is None or type(leaf) in (bool, int, float, str)
    for question in summary["questions"]:
        assert {"id", "type", "n", "suppressed"} <= set(question)
    for indicator in summary["indicators"]:
        assert set(indicator) == {"key", "value", "ci_low", "ci_high", "n", "standard", "suppressed"}


def test_counts_list_every_option_with_zeros(survey, make_frame):
    summary = summarise(survey, make_frame(survey, answers(12, phone="handed_in")))
    phone = next(q for q in summary["questions"] if q["id"] == "phone")
    assert phone["counts"] == {"not_brought": 0, "handed_in": 12, "kept_by_child": 0}
    assert phone["percentages"] == {"not_brought": 0.0, "handed_in": 100.0, "kept_by_child": 0.0}
    grade = next(q for q in summary["questions"] if q["id"] == "grade")
    assert list(grade["counts"]) == [str(g) for g in range(1, 13)]
    assert grade["counts"]["12"] == 0 and sum(grade["counts"].values()) == 12


def test_multiple_choice_counts_respondents_per_option(survey, make_frame):
    rows = answers(30)
    rows[0]["why"] = []  # not answered: left out of n
    summary = summarise(survey, make_frame(survey, rows))
    why = next(q for q in summary["questions"] if q["id"] == "why")
    assert why["n"] == 29
    assert why["counts"] == {"homework": 19, "screens": 10, "none": 10}
    assert why["percentages"]["homework"] == pytest.approx(19 / 29 * 100)


def test_number_question_mean_median_and_t_interval(survey, make_frame):
    frame = make_frame(survey, answers(25))
    values = frame["sleep"].to_numpy()
    sleep = next(q for q in summarise(survey, frame)["questions"] if q["id"] == "sleep")
    ref = stats.t.interval(0.95, values.size - 1, loc=values.mean(), scale=stats.sem(values))
    assert sleep["n"] == 25
    assert sleep["mean"] == pytest.approx(values.mean())
    assert sleep["median"] == pytest.approx(np.median(values))
    assert sleep["sd"] == pytest.approx(values.std(ddof=1))
    assert (sleep["ci_low"], sleep["ci_high"]) == pytest.approx(ref)


def test_likert_has_counts_mean_and_top_two_box(survey, make_frame):
    happy = next(q for q in summarise(survey, make_frame(survey, answers(20)))["questions"]
                 if q["id"] == "happy")
    assert happy["counts"] == {"1": 4, "2": 4, "3": 4, "4": 4, "5": 4}
    assert happy["mean"] == pytest.approx(3.0)
    assert happy["top_two_box"] == pytest.approx(0.4)
    assert happy["ci_low"] < 3 < happy["ci_high"]


def test_text_question_shows_only_how_many_answered(survey, make_frame):
    note = next(q for q in summarise(survey, make_frame(survey, answers(20)))["questions"]
                if q["id"] == "note")
    assert note == {"id": "note", "type": "text", "n": 10, "suppressed": False}


def test_time_mean_crosses_midnight(make_survey, make_frame):
    survey = make_survey([{"id": "bed", "type": "time", "label": "就寝"}])
    frame = make_frame(survey, [{"bed": "23:30"}, {"bed": "00:30"}] * 5)
    bed = summarise(survey, frame)["questions"][0]
    assert bed["mean"] == "00:00" and bed["mean_minutes"] == pytest.approx(0.0)
    assert bed["median"] == "00:00"
    assert bed["sd"] == pytest.approx(np.std([-30, 30] * 5, ddof=1))
    assert bed["ci_low"].startswith("23:") and bed["ci_high"].startswith("00:")
    assert bed["ci_low_minutes"] > bed["ci_high_minutes"]  # the interval straddles midnight
    assert bed["ci_high_minutes"] == pytest.approx(1440 - bed["ci_low_minutes"])


def test_a_small_group_is_suppressed_but_its_n_is_shown(survey, make_frame):
    summary = summarise(survey, make_frame(survey, answers(9)), min_group_size=10)
    json.dumps(summary, allow_nan=False)
    assert summary["n"] == 9
    for question in summary["questions"]:
        assert question["suppressed"] is True and question["n"] <= 9
        for key, value in question.items():
            if key not in ("id", "type", "n", "suppressed"):
                assert value is None, (question["id"], key)
    for indicator in summary["indicators"]:
        assert indicator["suppressed"] is True
        assert indicator["value"] is None and indicator["ci_low"] is None and indicator["ci_high"] is None


def test_a_small_option_count_inside_a_large_enough_group_is_shown(survey, make_frame):
    rows = answers(12, phone="not_brought")
    rows[0]["phone"] = "kept_by_child"
    phone = next(q for q in summarise(survey, make_frame(survey, rows))["questions"] if q["id"] == "phone")
    assert phone["suppressed"] is False
    assert phone["counts"]["kept_by_child"] == 1


def test_an_optional_question_answered_by_few_is_suppressed_alone(survey, make_frame):
    rows = answers(15)
    for row in rows[5:]:
        row["why"] = []
    summary = summarise(survey, make_frame(survey, rows))
    flags = {q["id"]: q["suppressed"] for q in summary["questions"]}
    assert flags["why"] is True and flags["sleep"] is False
    assert next(q for q in summary["questions"] if q["id"] == "why")["n"] == 5


def test_questions_nobody_answered_show_n_zero_and_are_suppressed(survey, make_frame):
    rows = [{"grade": "3", "sleep": 9, "happy": "4", "fair": "5"}] * 12
    summary = summarise(survey, make_frame(survey, rows))
    json.dumps(summary, allow_nan=False)
    unanswered = {q["id"]: q for q in summary["questions"] if q["n"] == 0}
    assert set(unanswered) == {"bed", "phone", "why", "note"}
    assert all(q["suppressed"] and q.get("counts") is None and q.get("mean") is None
               for q in unanswered.values())


def test_an_empty_launch_summarises_to_zeros(survey, make_frame):
    summary = summarise(survey, make_frame(survey, []))
    json.dumps(summary, allow_nan=False)
    assert summary["n"] == 0 and all(q["n"] == 0 and q["suppressed"] for q in summary["questions"])


def test_indicators_follow_the_measures_the_survey_has(survey, make_frame):
    keys = [i["key"] for i in summarise(survey, make_frame(survey, answers(40)))["indicators"]]
    assert keys == ["sleep_compliance", "bedtime_compliance", "phone_compliance",
                    "satisfaction_index", "satisfaction_alpha"]


def test_breakdown_by_grade_hides_a_second_group_next_to_a_small_one(survey, make_frame):
    rows = answers(30, grade="7") + answers(25, grade="8") + answers(4, grade="9")
    groups = summarise_groups(survey, make_frame(survey, rows), "grade")
    json.dumps(groups, allow_nan=False)
    by_grade = {g["group"]: g for g in groups}
    assert sorted(by_grade) == ["7", "8", "9"]
    sleep = {grade: next(q for q in g["questions"] if q["id"] == "sleep") for grade, g in by_grade.items()}
    assert sleep["9"]["suppressed"] and sleep["9"]["mean"] is None
    # The launch total is visible, so the smallest other grade goes too; the largest stays.
    assert sleep["8"]["suppressed"] and sleep["8"]["mean"] is None and sleep["8"]["n"] == 25
    assert not sleep["7"]["suppressed"] and sleep["7"]["mean"] is not None
    compliance = {grade: next(i for i in g["indicators"] if i["key"] == "sleep_compliance")
                  for grade, g in by_grade.items()}
    assert [compliance[g]["suppressed"] for g in ("7", "8", "9")] == [False, True, True]


def test_breakdown_keeps_respondents_without_a_grade_as_their_own_group(make_survey, make_frame):
    survey = make_survey([{"id": "grade", "type": "grade", "measure": "grade", "required": False, "label": "年级"},
                          {"id": "sleep", "type": "number", "min": 4, "max": 14, "label": "睡眠"}])
    rows = [{"grade": "3", "sleep": 9}] * 12 + [{"sleep": 8}] * 11
    groups = summarise_groups(survey, make_frame(survey, rows), "grade")
    assert [(g["group"], g["n"]) for g in groups] == [("3", 12), (None, 11)]
