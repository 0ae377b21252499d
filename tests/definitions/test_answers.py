"""validate_answers: normalises valid answers and reports each invalid one with a stable code."""
import math
import re
from pathlib import Path

import pytest

from app.definitions import STAGE_GRADES, validate_answers

EVERY_TYPE = """
- {id: grade, type: grade, measure: grade, label: 孩子读几年级？}
- {id: minutes, type: number, measure: homework_minutes, min: 0, max: 300, step: 5, label: 作业几分钟？}
- {id: hours, type: number, min: 4, max: 14, step: 0.5, required: false, label: 睡几个小时？}
- {id: bedtime, type: time, measure: bedtime, label: 几点睡觉？}
- {id: overall, type: likert, measure: satisfaction, dimension: overall, label: 您满意吗？}
- id: phone
  type: single
  measure: phone_handling
  label: 手机怎么处理？
  options:
    - {value: not_brought, label: 不带}
    - {value: handed_in, label: 交给学校}
    - {value: kept_by_child, label: 孩子自己拿着}
- id: in_class
  type: single
  show_if: {question: phone, equals: kept_by_child}
  label: 上课用手机吗？
  options: [{value: never, label: 不用}, {value: often, label: 经常用}]
- id: why_late
  type: multiple
  required: false
  label: 睡得晚的原因？
  options:
    - {value: homework, label: 作业多}
    - {value: screens, label: 玩手机}
    - {value: other, label: 其他}
    - {value: not_late, label: 不晚睡, exclusive: true}
- id: which_screens
  type: multiple
  show_if: {question: why_late, in: [screens]}
  min_choices: 2
  max_choices: 3
  label: 哪些屏幕？
  options:
    - {value: phone, label: 手机}
    - {value: tv, label: 电视}
    - {value: tablet, label: 平板}
    - {value: console, label: 游戏机}
- {id: note, type: text, required: false, max_length: 2000, label: 建议}
"""

COMPLETE = {"grade": "4", "minutes": 60, "bedtime": "21:00", "overall": "5", "phone": "not_brought"}


@pytest.fixture
def survey(make_survey):
    return make_survey(EVERY_TYPE)


def codes(errors):
    return {qid: error.code for qid, error in errors.items()}


def check(survey, changes, **options):
    """Validate the complete answer set with `changes` applied (None removes an answer)."""
    answers = {**COMPLETE, **changes}
    return validate_answers(survey, {k: v for k, v in answers.items() if v is not None}, **options)


def test_a_complete_answer_set_comes_back_unchanged(survey):
    clean, errors = validate_answers(survey, COMPLETE)
    assert (clean, errors) == (COMPLETE, {})


@pytest.mark.parametrize("question, given, expected", [
    ("grade", 7, "7"),
    ("grade", " 12 ", "12"),
    ("overall", 3, "3"),
    ("overall", "1", "1"),
    ("phone", " handed_in ", "handed_in"),
    ("minutes", 0, 0),
    ("minutes", 300, 300),
    ("minutes", 45.0, 45),
    ("minutes", 12.5, 12.5),
    ("hours", 9.5, 9.5),
    ("bedtime", "9:05", "09:05"),
    ("bedtime", " 21:30 ", "21:30"),
    ("bedtime", "00:00", "00:00"),
    ("bedtime", "23:59", "23:59"),
    ("why_late", "homework", ["homework"]),
    ("why_late", ["other", "homework"], ["homework", "other"]),
    ("why_late", ["not_late"], ["not_late"]),
    ("note", "  老师很负责。\n", "老师很负责。"),
])
def test_valid_answer_is_normalised(survey, question, given, expected):
    clean, errors = check(survey, {question: given})
    assert errors == {}
    assert clean[question] == expected
    assert type(clean[question]) is type(expected)


# (question, answer, error code, error params): one row per way an answer can be wrong.
INVALID = [
    ("grade", "13", "invalid_option", {}),
    ("grade", True, "not_a_choice", {}),
    ("grade", 7.0, "not_a_choice", {}),
    ("grade", ["7"], "not_a_choice", {}),
    ("overall", "6", "invalid_option", {}),
    ("overall", 0, "invalid_option", {}),
    ("phone", "lost", "invalid_option", {}),
    ("phone", {"value": "handed_in"}, "not_a_choice", {}),
    ("why_late", {"homework": True}, "not_a_list", {}),
    ("why_late", True, "not_a_list", {}),
    ("why_late", ["homework", "sleepy"], "invalid_option", {}),
    ("why_late", ["homework", None], "invalid_option", {}),
    ("why_late", ["homework", "homework"], "duplicate_choice", {}),
    ("why_late", ["homework", "not_late"], "exclusive_choice", {"option": "not_late"}),
    ("minutes", "60", "not_a_number", {}),
    ("minutes", True, "not_a_number", {}),
    ("minutes", False, "not_a_number", {}),
    ("minutes", math.nan, "not_a_number", {}),
    ("minutes", math.inf, "not_a_number", {}),
    ("minutes", -math.inf, "not_a_number", {}),
    ("minutes", [60], "not_a_number", {}),
    ("minutes", -1, "out_of_range", {"min": 0, "max": 300}),
    ("minutes", 300.5, "out_of_range", {"min": 0, "max": 300}),
    ("hours", 3.5, "out_of_range", {"min": 4, "max": 14}),
    ("bedtime", "24:00", "not_a_time", {}),
    ("bedtime", "21:60", "not_a_time", {}),
    ("bedtime", "9:5", "not_a_time", {}),
    ("bedtime", "21.30", "not_a_time", {}),
    ("bedtime", "晚上九点", "not_a_time", {}),
    ("bedtime", 2130, "not_a_time", {}),
    ("note", 42, "not_text", {}),
    ("note", ["好"], "not_text", {}),
    ("note", "字" * 2001, "too_long", {"max": 2000}),
]


@pytest.mark.parametrize("question, given, code, params", INVALID,
                         ids=[f"{q}-{c}-{i}" for i, (q, _, c, _) in enumerate(INVALID)])
def test_invalid_answer_is_reported_with_its_code(survey, question, given, code, params):
    clean, errors = check(survey, {question: given})
    assert codes(errors) == {question: code}
    assert errors[question].params == params
    assert question not in clean
    assert set(clean) == set(COMPLETE) - {question}


def test_too_few_and_too_many_choices_report_the_limit(survey):
    _, errors = check(survey, {"why_late": ["screens"], "which_screens": ["tv"]})
    assert codes(errors) == {"which_screens": "too_few_choices"}
    assert errors["which_screens"].params == {"min": 2}
    _, errors = check(survey, {"why_late": ["screens"], "which_screens": ["tv", "phone", "tablet", "console"]})
    assert codes(errors) == {"which_screens": "too_many_choices"}
    assert errors["which_screens"].params == {"max": 3}
    ok, errors = check(survey, {"why_late": ["screens"], "which_screens": ["tablet", "phone"]})
    assert errors == {}
    assert ok["which_screens"] == ["phone", "tablet"]


@pytest.mark.parametrize("blank", [None, "", "   ", []])
def test_blank_answer_to_a_required_question_is_required(survey, blank):
    clean, errors = validate_answers(survey, {**COMPLETE, "minutes": blank})
    assert codes(errors) == {"minutes": "required"}


@pytest.mark.parametrize("blank", [None, "", "  ", []])
def test_blank_answer_to_an_optional_question_is_left_out(survey, blank):
    clean, errors = validate_answers(survey, {**COMPLETE, "note": blank, "why_late": blank})
    assert (clean, errors) == (COMPLETE, {})


def test_every_missing_required_answer_is_reported_at_once(survey):
    clean, errors = validate_answers(survey, {})
    assert clean == {}
    assert codes(errors) == {q: "required" for q in ("grade", "minutes", "bedtime", "overall", "phone")}


def test_unknown_question_ids_are_errors_and_valid_answers_are_still_cleaned(survey):
    clean, errors = validate_answers(survey, {**COMPLETE, "name": "王小明", "phone_number": "13800000000"})
    assert codes(errors) == {"name": "unknown_question", "phone_number": "unknown_question"}
    assert clean == COMPLETE


def test_text_of_exactly_2000_characters_is_accepted(survey):
    clean, errors = check(survey, {"note": "字" * 2000})
    assert errors == {}
    assert len(clean["note"]) == 2000


def test_text_length_is_counted_after_trimming_spaces(survey):
    clean, errors = check(survey, {"note": "  " + "字" * 2000 + "\n"})
    assert errors == {}
    assert clean["note"] == "字" * 2000


def test_text_of_2001_characters_is_refused(survey):
    clean, errors = check(survey, {"note": "a" * 2001})
    assert codes(errors) == {"note": "too_long"}
    assert "note" not in clean


def test_text_uses_the_default_limit_of_500_when_none_is_given(make_survey):
    survey = make_survey([{"id": "note", "type": "text", "label": "建议"}])
    assert validate_answers(survey, {"note": "a" * 500}) == ({"note": "a" * 500}, {})
    assert codes(validate_answers(survey, {"note": "a" * 501})[1]) == {"note": "too_long"}


def test_grades_are_restricted_to_the_schools_stage(survey):
    junior = STAGE_GRADES["junior"]
    assert [o.value for o in survey.question("grade").options_for(junior)] == ["7", "8", "9"]
    clean, errors = check(survey, {"grade": "8"}, grades=junior)
    assert (clean["grade"], errors) == ("8", {})
    clean, errors = check(survey, {"grade": "4"}, grades=junior)
    assert codes(errors) == {"grade": "grade_not_offered"}
    assert "grade" not in clean


def test_grade_outside_the_twelve_is_invalid_before_the_stage_is_considered(survey):
    clean, errors = check(survey, {"grade": "0"}, grades=STAGE_GRADES["primary"])
    assert codes(errors) == {"grade": "invalid_option"}


def test_without_grades_every_grade_1_to_12_is_accepted(survey):
    assert [o.value for o in survey.question("grade").options_for(None)] == [str(g) for g in range(1, 13)]
    for grade in range(1, 13):
        assert check(survey, {"grade": str(grade)})[1] == {}


def test_kindergarten_hides_the_grade_question(survey):
    assert survey.question("grade").options_for(STAGE_GRADES["kindergarten"]) == ()
    clean, errors = check(survey, {"grade": None}, grades=STAGE_GRADES["kindergarten"])
    assert errors == {}
    assert "grade" not in clean
    clean, errors = check(survey, {"grade": "3"}, grades=STAGE_GRADES["kindergarten"])
    assert errors == {}
    assert "grade" not in clean


def test_show_if_drops_the_answer_to_a_hidden_follow_up(survey):
    clean, errors = check(survey, {"phone": "handed_in", "in_class": "often"})
    assert errors == {}
    assert "in_class" not in clean


def test_show_if_does_not_validate_a_hidden_follow_up(survey):
    clean, errors = check(survey, {"phone": "not_brought", "in_class": "nonsense"})
    assert errors == {}
    assert "in_class" not in clean


def test_show_if_requires_a_shown_follow_up(survey):
    clean, errors = check(survey, {"phone": "kept_by_child"})
    assert codes(errors) == {"in_class": "required"}
    clean, errors = check(survey, {"phone": "kept_by_child", "in_class": "often"})
    assert errors == {}
    assert clean["in_class"] == "often"


def test_show_if_hides_a_follow_up_when_its_condition_answer_is_invalid(survey):
    clean, errors = check(survey, {"phone": "in_my_bag", "in_class": "often"})
    assert codes(errors) == {"phone": "invalid_option"}
    assert "in_class" not in clean


def test_show_if_on_a_multiple_choice_holds_when_any_chosen_value_matches(survey):
    clean, errors = check(survey, {"why_late": ["homework", "screens"]})
    assert codes(errors) == {"which_screens": "required"}
    clean, errors = check(survey, {"why_late": ["homework"], "which_screens": ["tv", "phone"]})
    assert errors == {}
    assert "which_screens" not in clean


def test_show_if_chains_through_a_hidden_question(make_survey):
    survey = make_survey("""
      - {id: offered, type: single, label: 有课后服务吗？, options: [{value: "yes", label: 有}, {value: "no", label: 没有}]}
      - {id: joins, type: single, label: 参加吗？, show_if: {question: offered, equals: "yes"},
         options: [{value: "yes", label: 参加}, {value: "no", label: 不参加}]}
      - {id: happy, type: likert, label: 满意吗？, show_if: {question: joins, equals: "yes"}}
    """)
    clean, errors = validate_answers(survey, {"offered": "no", "joins": "yes", "happy": "5"})
    assert (clean, errors) == ({"offered": "no"}, {})
    clean, errors = validate_answers(survey, {"offered": "yes", "joins": "yes"})
    assert codes(errors) == {"happy": "required"}


def test_show_if_on_the_grade_is_hidden_at_a_kindergarten(make_survey):
    survey = make_survey("""
      - {id: grade, type: grade, label: 几年级？}
      - {id: written, type: single, label: 一二年级有书面作业吗？, show_if: {question: grade, in: ["1", "2"]},
         options: [{value: "yes", label: 有}, {value: "no", label: 没有}]}
    """)
    assert codes(validate_answers(survey, {"grade": 1})[1]) == {"written": "required"}
    assert validate_answers(survey, {"grade": "5"}) == ({"grade": "5"}, {})
    assert validate_answers(survey, {}, grades=()) == ({}, {})


def test_exclusive_choice_stands_alone_but_other_choices_combine(survey):
    assert check(survey, {"why_late": ["not_late"]})[1] == {}
    assert check(survey, {"why_late": ["homework", "screens", "other"]})[0]["why_late"] == [
        "homework", "screens", "other"]
    assert codes(check(survey, {"why_late": ["not_late", "other"]})[1]) == {"why_late": "exclusive_choice"}


@pytest.mark.parametrize("given, expected", [("60", 60), (" 7.5 ", 7.5), ("0", 0), ("300.0", 300), ("1e2", 100)])
def test_from_form_parses_number_strings(survey, given, expected):
    clean, errors = check(survey, {"minutes": given}, from_form=True)
    assert errors == {}
    assert clean["minutes"] == expected
    assert type(clean["minutes"]) is type(expected)


@pytest.mark.parametrize("given, code", [("六十", "not_a_number"), ("60分钟", "not_a_number"),
                                         ("nan", "not_a_number"), ("inf", "not_a_number"),
                                         ("-inf", "not_a_number"), ("1e999", "not_a_number"),
                                         ("301", "out_of_range"), ("-5", "out_of_range")])
def test_from_form_refuses_bad_number_strings(survey, given, code):
    clean, errors = check(survey, {"minutes": given}, from_form=True)
    assert codes(errors) == {"minutes": code}


def test_from_form_treats_an_empty_number_field_as_unanswered(survey):
    clean, errors = check(survey, {"minutes": "  ", "hours": ""}, from_form=True)
    assert codes(errors) == {"minutes": "required"}
    assert "hours" not in clean


def test_number_strings_are_refused_outside_a_form(survey):
    assert codes(check(survey, {"minutes": "60"})[1]) == {"minutes": "not_a_number"}


def test_every_error_code_in_answers_is_covered_by_these_tests():
    source = (Path(__file__).resolve().parents[2] / "app" / "definitions" / "answers.py").read_text(encoding="utf-8")
    in_code = set(re.findall(r'AnswerError\("([a-z_]+)"', source))
    covered = {code for _, _, code, _ in INVALID} | {
        "required", "unknown_question", "grade_not_offered", "too_few_choices", "too_many_choices"}
    assert in_code == covered


def test_a_time_with_full_width_digits_is_refused_or_normalised_to_ascii(survey):
    clean, errors = check(survey, {"bedtime": "9:3０"})
    assert clean.get("bedtime") in (None, "09:30")
