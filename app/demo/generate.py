"""Plausible synthetic answers for any survey definition (for the demo and for benchmarks)."""
from __future__ import annotations

import random

from ..definitions import STAGE_GRADES, Survey, validate_answers
from ..definitions.answers import is_shown

#: Typical values by measure: (mean, sd) by grade band, so indicators come out realistic.
SLEEP_BY_BAND = {"primary": (9.6, 0.7), "junior": (8.6, 0.8), "senior": (7.4, 0.8)}
HOMEWORK_BY_BAND = {"low": (10, 15), "primary": (55, 25), "junior": (95, 30), "senior": (150, 40)}
BEDTIME_BY_BAND = {"primary": (21 * 60 + 15, 25), "junior": (22 * 60, 30), "senior": (23 * 60, 35)}


def band(grade: int | None) -> str:
    """The grade band a grade number belongs to."""
    if grade is None or grade <= 6:
        return "primary"
    return "junior" if grade <= 9 else "senior"


def fake_answers(survey: Survey, stage: str, rng: random.Random, *, quality: float = 0.0,
                 comments: list[str] = ()) -> dict:
    """One respondent's answers; `quality` (-1..1) shifts a school's results up or down."""
    grades = STAGE_GRADES[stage]
    answers: dict = {}
    grade = int(rng.choice(grades)) if grades else None
    # A respondent's general mood moves all their Likert answers together, as in real scales.
    mood = rng.gauss(0, 0.6)
    for q in survey.questions:
        if not is_shown(q, answers, grades):
            continue
        if not q.required and rng.random() < (0.7 if q.type == "text" else 0.2):
            continue
        value = _value(q, grade, rng, quality, comments, mood)
        if value is not None:
            answers[q.id] = value
    clean, errors = validate_answers(survey, answers, grades=grades)
    return clean


def _value(q, grade, rng: random.Random, quality: float, comments, mood: float = 0.0):
    kind = band(grade)
    if q.type == "grade":
        return str(grade) if grade else None
    if q.measure == "sleep_hours":
        mean, sd = SLEEP_BY_BAND[kind]
        return _clip(round(rng.gauss(mean + 0.3 * quality, sd) * 2) / 2, q.min, q.max)
    if q.measure == "homework_minutes":
        mean, sd = HOMEWORK_BY_BAND["low" if grade and grade <= 2 else kind]
        return _clip(round(rng.gauss(mean - 10 * quality, sd) / 5) * 5, q.min, q.max)
    if q.measure in ("activity_school_minutes", "activity_outside_minutes"):
        return _clip(round(rng.gauss(65 + 10 * quality, 20) / 5) * 5, q.min, q.max)
    if q.type == "number":
        return _clip(round(rng.uniform(q.min, min(q.max, q.min + (q.max - q.min) / 3))), q.min, q.max)
    if q.type == "time":
        mean, sd = BEDTIME_BY_BAND[kind]
        minutes = int(rng.gauss(mean - 10 * quality, sd)) % (24 * 60)
        return f"{minutes // 60:02d}:{minutes % 60:02d}"
    if q.type == "likert":
        centre = 4.0 + 0.5 * quality + mood
        return str(min(5, max(1, round(rng.gauss(centre, 0.6)))))
    if q.measure == "phone_handling":
        return rng.choices(["not_brought", "handed_in", "kept_by_child"],
                           weights=[70, 22, 8 - 4 * quality])[0]
    if q.measure in ("reading_pressure",):
        return "yes" if rng.random() < 0.06 - 0.04 * quality else "no"
    if q.measure in ("after_school_offered",):
        return "yes" if rng.random() < 0.93 + 0.05 * quality else "no"
    if q.type == "single":
        weights = [max(0.05, 1.0 / (i + 1)) for i in range(len(q.options))]
        return rng.choices([o.value for o in q.options], weights=weights)[0]
    if q.type == "multiple":
        plain = [o.value for o in q.options if not o.exclusive]
        exclusive = [o.value for o in q.options if o.exclusive]
        if exclusive and rng.random() < 0.4:
            return [exclusive[0]]
        count = rng.randint(1, min(2, len(plain)))
        return rng.sample(plain, count)
    if q.type == "text":
        return rng.choice(comments) if comments else None
    return None


def _clip(value, low, high):
    return min(high, max(low, value))
