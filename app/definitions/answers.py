"""Check a respondent's answers against a survey definition (pure, fast, no I/O)."""
from __future__ import annotations

import math
import re

from .errors import AnswerError
from .model import Question, Survey

_TIME = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)", re.ASCII)


def validate_answers(survey: Survey, answers: dict, *, grades: tuple[str, ...] | None = None,
                     from_form: bool = False) -> tuple[dict, dict[str, AnswerError]]:
    """Return (clean answers, errors by question id).

    `grades` limits a grade question to the school's grades (an empty tuple hides it).
    `from_form` accepts the strings an HTML form sends for numbers. Answers to questions
    hidden by `show_if` are dropped; required applies only to questions that are shown.
    """
    errors: dict[str, AnswerError] = {}
    for key in answers:
        if survey.question(key) is None:
            errors[str(key)] = AnswerError("unknown_question")
    clean: dict = {}
    for question in survey.questions:
        if not is_shown(question, clean, grades):
            continue
        value = answers.get(question.id)
        if _is_blank(value):
            if question.required:
                errors[question.id] = AnswerError("required")
            continue
        try:
            clean[question.id] = _CHECKS[question.type](question, value, grades, from_form)
        except AnswerError as exc:
            errors[question.id] = exc
    return clean, errors


def is_shown(question: Question, answers: dict, grades: tuple[str, ...] | None) -> bool:
    """Whether the question applies, given earlier answers and the school's grades."""
    if question.type == "grade" and grades is not None and not grades:
        return False
    return question.show_if is None or question.show_if.holds(answers)


def _is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


def _choice(question: Question, value, grades, from_form) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise AnswerError("not_a_choice")
    value = str(value).strip()
    if value not in question.option_values:
        raise AnswerError("invalid_option")
    if question.type == "grade" and grades is not None and value not in grades:
        raise AnswerError("grade_not_offered")
    return value


def _multiple(question: Question, value, grades, from_form) -> list[str]:
    if isinstance(value, (str, int)) and not isinstance(value, bool):
        value = [value]
    if not isinstance(value, list):
        raise AnswerError("not_a_list")
    chosen = []
    for item in value:
        if isinstance(item, bool) or not isinstance(item, (str, int)) or str(item) not in question.option_values:
            raise AnswerError("invalid_option")
        chosen.append(str(item))
    if len(set(chosen)) != len(chosen):
        raise AnswerError("duplicate_choice")
    exclusive = [o.value for o in question.options if o.exclusive and o.value in chosen]
    if len(chosen) > 1 and exclusive:
        raise AnswerError("exclusive_choice", option=exclusive[0])
    if question.min_choices and len(chosen) < question.min_choices:
        raise AnswerError("too_few_choices", min=question.min_choices)
    if question.max_choices and len(chosen) > question.max_choices:
        raise AnswerError("too_many_choices", max=question.max_choices)
    order = {o.value: i for i, o in enumerate(question.options)}
    return sorted(chosen, key=order.__getitem__)


def _number(question: Question, value, grades, from_form) -> int | float:
    if from_form and isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            raise AnswerError("not_a_number") from None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise AnswerError("not_a_number")
    try:
        finite = math.isfinite(value)
    except OverflowError:  # an integer too large for a float, e.g. 10**400 from JSON
        finite = False
    if not finite:
        raise AnswerError("not_a_number")
    if not question.min <= value <= question.max:
        raise AnswerError("out_of_range", min=question.min, max=question.max)
    return int(value) if float(value).is_integer() else float(value)


def _time(question: Question, value, grades, from_form) -> str:
    match = _TIME.fullmatch(value.strip()) if isinstance(value, str) else None
    if not match:
        raise AnswerError("not_a_time")
    return f"{int(match.group(1)):02d}:{match.group(2)}"


def _text(question: Question, value, grades, from_form) -> str:
    if not isinstance(value, str):
        raise AnswerError("not_text")
    # NUL cannot be stored by PostgreSQL and never belongs in a comment.
    value = value.replace("\x00", "").strip()
    if len(value) > question.max_length:
        raise AnswerError("too_long", max=question.max_length)
    return value


_CHECKS = {"single": _choice, "likert": _choice, "grade": _choice, "multiple": _multiple,
           "number": _number, "time": _time, "text": _text}
