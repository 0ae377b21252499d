"""The served definition JSON carries every rule the validator enforces.

A client (app, kiosk) that renders only `GET /api/v1/surveys/KEY` or, for a launch,
`GET /api/v1/public/TOKEN` must always be able to produce an answer the server accepts.
"""
import re
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from app.definitions import STAGE_GRADES, load_directory, validate_answers

SURVEYS_DIR = Path(__file__).resolve().parents[2] / "surveys"
SURVEYS = {s.key: s for s in load_directory(SURVEYS_DIR)}
ANSWERS_SOURCE = (Path(__file__).resolve().parents[2] / "app" / "definitions" / "answers.py")

#: Every error code the validator can raise, and the served field that lets a client avoid it.
RULE_FIELDS = {
    "unknown_question": "questions[].id",
    "required": "required",
    "not_a_choice": "options",
    "invalid_option": "options",
    "grade_not_offered": "options of the launch's definition",
    "not_a_list": "type multiple",
    "duplicate_choice": "type multiple",
    "exclusive_choice": "options[].exclusive",
    "too_few_choices": "min_choices",
    "too_many_choices": "max_choices",
    "not_a_number": "type number",
    "out_of_range": "min, max",
    "not_a_time": "type time",
    "not_text": "type text",
    "too_long": "max_length",
}


def shown(question: dict, answers: dict) -> bool:
    """The served `show_if` rule, read as a client would read the JSON."""
    rule = question.get("show_if")
    if rule is None:
        return True
    given_value = answers.get(rule["question"])
    values = rule["in"]
    assert rule.get("equals", values[0]) in values
    if isinstance(given_value, list):
        return any(v in values for v in given_value)
    return given_value in values


@st.composite
def answers_from_json(draw, definition: dict) -> dict:
    """Answers built from the served JSON alone: each shown question answered within its rules
    (optional ones sometimes skipped)."""
    answers: dict = {}
    for question in definition["questions"]:
        if not shown(question, answers):
            continue
        if not question["required"] and draw(st.booleans()):
            continue
        answers[question["id"]] = draw(value_for(question))
    return answers


def value_for(question: dict):
    """A strategy of values that obey the served rules of one question."""
    kind = question["type"]
    if kind in ("single", "likert", "grade"):
        return st.sampled_from([o["value"] for o in question["options"]])
    if kind == "multiple":
        exclusive = [o["value"] for o in question["options"] if o.get("exclusive")]
        others = [o["value"] for o in question["options"] if not o.get("exclusive")]
        low = max(question.get("min_choices") or 1, 1)
        high = min(question.get("max_choices") or len(others), len(others))
        combined = (st.lists(st.sampled_from(others), min_size=low, max_size=high, unique=True)
                    if others and low <= high else st.nothing())
        alone = st.sampled_from(exclusive).map(lambda v: [v]) if exclusive and low <= 1 else st.nothing()
        return st.one_of(combined, alone)
    if kind == "number":
        low, high = Decimal(str(question["min"])), Decimal(str(question["max"]))
        step = Decimal(str(question.get("step") or 1))
        steps = int((high - low) / step)
        return st.integers(0, steps).map(lambda k: _plain(low + k * step))
    if kind == "time":
        return st.builds(lambda h, m: f"{h:02d}:{m:02d}", st.integers(0, 23), st.integers(0, 59))
    if kind == "text":
        return st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1,
                       max_size=min(question["max_length"], 300)).filter(str.strip)
    raise AssertionError(f"a question type the served JSON does not explain: {kind}")


def _plain(value: Decimal):
    """A JSON number as a client sends it."""
    return int(value) if value == value.to_integral_value() else float(value)


CASES = [(key, stage) for key in sorted(SURVEYS) for stage in (None, *sorted(STAGE_GRADES))]


@pytest.mark.parametrize(("key", "stage"), CASES, ids=[f"{k}-{s or 'any'}" for k, s in CASES])
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_answers_built_only_from_the_served_json_are_always_accepted(key, stage, data):
    survey = SURVEYS[key]
    grades = STAGE_GRADES[stage] if stage else None
    definition = survey.to_public(grades=grades)
    answers = data.draw(answers_from_json(definition))
    clean, errors = validate_answers(survey, answers, grades=grades)
    assert errors == {}
    assert set(clean) == set(answers)


def test_every_code_the_validator_raises_is_explained_by_a_served_field():
    raised = set(re.findall(r'AnswerError\("([a-z_]+)"', ANSWERS_SOURCE.read_text(encoding="utf-8")))
    assert raised == set(RULE_FIELDS), "map each new validator rule to the JSON field serving it"


@pytest.mark.parametrize("key", sorted(SURVEYS))
def test_every_rule_of_each_question_appears_in_the_served_json(key):
    survey = SURVEYS[key]
    served = {q["id"]: q for q in survey.to_public()["questions"]}
    assert list(served) == [q.id for q in survey.questions]
    for question in survey.questions:
        data = served[question.id]
        assert data["required"] is question.required
        if question.options:
            assert [o["value"] for o in data["options"]] == [o.value for o in question.options]
            assert [o.get("exclusive", False) for o in data["options"]] == \
                [o.exclusive for o in question.options]
        for name in ("min", "max", "step", "min_choices", "max_choices"):
            assert data.get(name) == getattr(question, name)
        if question.type == "number":
            assert "min" in data and "max" in data
        if question.type == "text":
            assert data["max_length"] >= 1
        if question.show_if is not None:
            assert data["show_if"]["question"] == question.show_if.question
            assert data["show_if"]["in"] == list(question.show_if.values)
        else:
            assert "show_if" not in data


def test_a_launch_definition_offers_only_its_schools_grades():
    survey = SURVEYS["sleep"]
    primary = survey.to_public(grades=STAGE_GRADES["primary"])
    [grade] = [q for q in primary["questions"] if q["type"] == "grade"]
    assert [o["value"] for o in grade["options"]] == list(STAGE_GRADES["primary"])
    kindergarten = survey.to_public(grades=STAGE_GRADES["kindergarten"])
    assert not [q for q in kindergarten["questions"] if q["type"] == "grade"]


def test_an_exclusive_option_is_marked_and_choosing_it_with_another_is_refused():
    survey = next(s for s in SURVEYS.values()
                  if any(o.exclusive for q in s.questions for o in q.options))
    question = next(q for q in survey.questions if any(o.exclusive for o in q.options))
    served = next(q for q in survey.to_public()["questions"] if q["id"] == question.id)
    exclusive = next(o["value"] for o in served["options"] if o.get("exclusive"))
    other = next(o["value"] for o in served["options"] if not o.get("exclusive"))
    answers = {question.id: [exclusive, other]}
    if question.show_if is not None:  # make the question apply
        condition = survey.question(question.show_if.question)
        value = question.show_if.values[0]
        answers[condition.id] = [value] if condition.type == "multiple" else value
    _, errors = validate_answers(survey, answers)
    assert errors[question.id].code == "exclusive_choice"
    assert errors[question.id].params == {"option": exclusive}
