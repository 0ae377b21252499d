"""Property: whatever JSON a client sends, validate_answers returns (clean, errors) and never raises."""
import math
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from app.definitions import AnswerError, STAGE_GRADES, load_directory, validate_answers
from app.definitions.answers import is_shown

SURVEYS = load_directory(Path(__file__).resolve().parents[2] / "surveys")
CODES = {"required", "unknown_question", "not_a_choice", "invalid_option", "grade_not_offered",
         "not_a_list", "duplicate_choice", "exclusive_choice", "too_few_choices", "too_many_choices",
         "not_a_number", "out_of_range", "not_a_time", "not_text", "too_long"}

# JSON numbers as Python's json module returns them. Integers here stay below 2**1024 (the float
# range); larger ones get an answer error too, never an OverflowError, which
# test_a_huge_integer_is_an_error_not_a_crash checks on its own.
json_scalars = st.one_of(
    st.none(), st.booleans(),
    st.integers(min_value=-(2**64), max_value=2**64), st.sampled_from([10**300, -(10**300)]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.one_of(st.lists(children, max_size=5),
                               st.dictionaries(st.text(max_size=10), children, max_size=5)),
    max_leaves=10,
)


@st.composite
def plausible_values(draw, survey):
    """Values close to valid ones (real option values, numbers near the range, time-like text)."""
    question = draw(st.sampled_from(survey.questions))
    values = sorted(question.option_values) or ["x"]
    candidate = draw(st.one_of(
        st.sampled_from(values),
        st.lists(st.sampled_from(values), max_size=4),
        st.floats(min_value=-10, max_value=800, allow_nan=False),
        st.from_regex(r"\A[0-9]{1,2}:[0-9]{1,2}\Z"),
        st.sampled_from(["字" * 2000, "字" * 2001, " " + "a" * 2000 + " ", "a" * 501]),
    ))
    return question.id, candidate


@st.composite
def submissions(draw):
    survey = draw(st.sampled_from(SURVEYS))
    ids = [q.id for q in survey.questions]
    answers = draw(st.dictionaries(st.one_of(st.sampled_from(ids), st.text(max_size=12)),
                                   json_values, max_size=len(ids) + 3))
    for qid, value in draw(st.lists(plausible_values(survey), max_size=6)):
        answers[qid] = value
    grades = draw(st.one_of(st.none(), st.sampled_from(sorted(STAGE_GRADES.values()))))
    return survey, answers, grades, draw(st.booleans())


def well_formed(question, value) -> bool:
    """Whether a cleaned value has the shape the statistics expect for its question type."""
    if question.type in ("single", "likert", "grade"):
        return isinstance(value, str) and value in question.option_values
    if question.type == "multiple":
        return (isinstance(value, list) and value and len(set(value)) == len(value)
                and set(value) <= question.option_values)
    if question.type == "number":
        return (isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
                and question.min <= value <= question.max)
    if question.type == "time":
        return isinstance(value, str) and len(value) == 5 and value[2] == ":"
    return isinstance(value, str) and value == value.strip() and len(value) <= question.max_length


@settings(max_examples=200, deadline=None)
@given(submissions())
def test_validate_answers_returns_clean_answers_and_errors_for_any_json(submission):
    survey, answers, grades, from_form = submission
    result = validate_answers(survey, answers, grades=grades, from_form=from_form)

    assert isinstance(result, tuple) and len(result) == 2
    clean, errors = result
    assert isinstance(clean, dict) and isinstance(errors, dict)
    ids = {q.id for q in survey.questions}
    assert set(clean) <= ids
    assert not set(clean) & set(errors)
    assert all(isinstance(e, AnswerError) and e.code in CODES for e in errors.values())
    assert {str(k) for k in answers if k not in ids} <= set(errors)
    assert all(errors[k].code == "unknown_question" for k in errors if k not in ids)
    for qid, value in clean.items():
        question = survey.question(qid)
        assert well_formed(question, value), (qid, value)
        assert is_shown(question, clean, grades)
        if question.type == "grade" and grades is not None:
            assert value in grades
    for question in survey.questions:
        if question.required and is_shown(question, clean, grades):
            assert question.id in clean or question.id in errors


@settings(max_examples=100, deadline=None)
@given(submissions())
def test_clean_answers_validate_again_to_themselves(submission):
    survey, answers, grades, _ = submission
    clean, _ = validate_answers(survey, answers, grades=grades)
    again, errors = validate_answers(survey, clean, grades=grades)
    assert again == clean
    assert {e.code for e in errors.values()} <= {"required"}


def test_a_huge_integer_is_an_error_not_a_crash():
    survey = next(s for s in SURVEYS if s.key == "sleep")
    clean, errors = validate_answers(survey, {"sleep_hours": 10**400})
    assert errors["sleep_hours"].code in ("not_a_number", "out_of_range")
