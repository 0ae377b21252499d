"""The Summary JSON of a launch (or any group of responses): every question, then the indicators.

Shape (ACCEPTANCE.md, "Summary JSON"), all numbers unrounded Python floats/ints, never NaN:

    {"n": responses,
     "questions": [{"id", "type", "n", "suppressed", ...per type...}],
     "indicators": [{"key", "value", "ci_low", "ci_high", "n", "standard", "suppressed"}]}

Per question type, besides id/type/n/suppressed (n = respondents who answered it):

* single, grade, multiple: `counts` (every option value, zeros included) and `percentages`
  (count / n · 100; for multiple they can add up to more than 100).
* likert: as single, plus `mean`, `median`, `sd`, `ci_low`, `ci_high` on the values 1–5 and
  `top_two_box`, the share (0–1) answering 4 or 5.
* number: `mean`, `median`, `sd`, `ci_low`, `ci_high`.
* time: `mean`, `median`, `ci_low`, `ci_high` as "HH:MM" strings, the same as unrounded minutes
  since midnight in `mean_minutes`, `median_minutes`, `ci_low_minutes`, `ci_high_minutes`
  (0 ≤ m < 1440; an interval across midnight has ci_low_minutes > ci_high_minutes) and `sd` in
  minutes. Times are averaged on the clock face, see `timeofday`.
* text: n only (the answers are read elsewhere, never summarised here).

A question answered by fewer than `min_group_size` respondents has `suppressed: true` and every
figure except n set to None; the keys stay so the shape never changes.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from app.definitions import Question, Survey

from .frames import as_numbers, measure_frame, satisfaction_items
from .indicators import indicator_table, table_records
from .intervals import t_interval
from .jsonsafe import plain, to_float
from .standards import Standards
from .suppression import MIN_GROUP_SIZE, complementary_suppression, too_small
from .timeofday import MINUTES_PER_DAY, circular_centre, format_hhmm, unwrap

#: Answers on the Likert scale counted as positive by `top_two_box`.
TOP_TWO = ("4", "5")
_MOMENTS = ("mean", "median", "sd", "ci_low", "ci_high")
_TIME_MINUTES = ("mean_minutes", "median_minutes", "ci_low_minutes", "ci_high_minutes")
#: The figure keys each question type carries (all None when suppressed).
FIGURES = {
    "single": ("counts", "percentages"),
    "grade": ("counts", "percentages"),
    "multiple": ("counts", "percentages"),
    "likert": ("counts", "percentages") + _MOMENTS + ("top_two_box",),
    "number": _MOMENTS,
    "time": _MOMENTS + _TIME_MINUTES,
    "text": (),
}


def summarise(survey: Survey, frame: pd.DataFrame, min_group_size: int = MIN_GROUP_SIZE, *,
              standards: Standards | None = None) -> dict:
    """The Summary JSON of the responses in a survey frame (see `frames.build_frame`)."""
    table, specs = indicator_table(measure_frame(survey, frame), [], standards,
                                    satisfaction_items(survey), min_group_size, False)
    return {"n": int(len(frame)),
            "questions": [summarise_question(q, frame[q.id], min_group_size) for q in survey.questions],
            "indicators": table_records(table, specs)}


def summarise_question(question: Question, answers: pd.Series,
                       min_group_size: int = MIN_GROUP_SIZE) -> dict:
    """One question's entry of the Summary JSON."""
    figures = _SUMMARISERS[question.type](question, answers)
    n = figures.pop("n")
    entry = {"id": question.id, "type": question.type, "n": n,
             "suppressed": bool(too_small(n, min_group_size))}
    if entry["suppressed"]:
        figures = dict.fromkeys(figures)
    entry.update(figures)
    return entry


def _choices(question: Question, answers: pd.Series) -> dict:
    """Counts and percentages of a single, grade (or likert) question."""
    # The survey frame holds these as Categoricals over the option values: value_counts lists
    # every option, zeros included, in definition order.
    counts = answers.value_counts(sort=False).reindex([o.value for o in question.options], fill_value=0)
    n = int(counts.sum())
    return {"n": n, **_count_figures(counts, n)}


def _multiple(question: Question, answers: pd.Series) -> dict:
    """Counts and percentages of a multiple-choice question, per respondent."""
    # explode turns [] into a missing row, so respondents are the distinct rows left.
    chosen = answers.explode().dropna()
    counts = chosen.value_counts().reindex([o.value for o in question.options], fill_value=0)
    n = int(chosen.index.nunique())
    return {"n": n, **_count_figures(counts, n)}


def _count_figures(counts: pd.Series, n: int) -> dict:
    """Option counts and their percentages of n as JSON-safe dicts."""
    shares = counts.to_numpy(dtype=float) * 100 / n if n else np.full(len(counts), np.nan)
    return {"counts": {str(k): int(v) for k, v in counts.items()},
            "percentages": {str(k): to_float(v) for k, v in zip(counts.index, shares)}}


def _likert(question: Question, answers: pd.Series) -> dict:
    """Counts plus mean, median, sd, interval and top-two box on the values 1-5."""
    figures = _choices(question, answers)
    counts, n = figures["counts"], figures["n"]
    figures.update(moments(as_numbers(answers)))
    figures["top_two_box"] = to_float(sum(counts[v] for v in TOP_TWO) / n) if n else None
    return figures


def _number(question: Question, answers: pd.Series) -> dict:
    """Mean, median, sd and t interval of a number question."""
    values = answers.astype(float)
    return {"n": int(values.notna().sum()), **moments(values)}


def _time(question: Question, answers: pd.Series) -> dict:
    """Clock-time statistics, unwrapped around the circular mean (see `timeofday`)."""
    minutes = answers.astype(float).to_numpy()
    minutes = minutes[np.isfinite(minutes)]
    linear = moments(unwrap(minutes, circular_centre(minutes)))
    figures = {"n": int(minutes.size)}
    for name in ("mean", "median", "ci_low", "ci_high"):
        value = linear[name]
        figures[name] = format_hhmm(value) if value is not None else None
        figures[f"{name}_minutes"] = value % MINUTES_PER_DAY if value is not None else None
    figures["sd"] = linear["sd"]
    return figures


def _text(question: Question, answers: pd.Series) -> dict:
    """Only how many wrote something."""
    return {"n": int((answers.astype("string").str.strip().str.len() > 0).sum())}


def moments(values) -> dict:
    """Mean, median, sd (ddof 1) and Student's t 95% interval of the non-missing values."""
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    n = values.size
    if n == 0:
        return dict.fromkeys(_MOMENTS)
    mean = values.mean()
    sd = values.std(ddof=1) if n > 1 else np.nan
    low, high = t_interval(mean, sd, n)
    return {"mean": to_float(mean), "median": to_float(np.median(values)), "sd": to_float(sd),
            "ci_low": to_float(low), "ci_high": to_float(high)}


_SUMMARISERS = {"single": _choices, "grade": _choices, "multiple": _multiple, "likert": _likert,
                "number": _number, "time": _time, "text": _text}


def summarise_groups(survey: Survey, frame: pd.DataFrame, by: str,
                     min_group_size: int = MIN_GROUP_SIZE, *,
                     standards: Standards | None = None) -> list[dict]:
    """A breakdown (e.g. by grade): one Summary JSON per group, each with its `group` value.

    Respondents without a value form their own group (group None), since the whole-launch
    figures would reveal them by subtraction anyway. Complementary suppression runs per
    question and per indicator across the groups, so no hidden group can be recovered from
    the launch total.
    """
    summaries = [{"group": plain(label),
                  **summarise(survey, part, min_group_size, standards=standards)}
                 for label, part in frame.groupby(frame[by], dropna=False, sort=True, observed=True)]
    _complement(summaries, "questions", "id", lambda entry: FIGURES[entry["type"]])
    _complement(summaries, "indicators", "key", lambda entry: ("value", "ci_low", "ci_high"))
    return summaries


def _complement(summaries: list[dict], section: str, id_key: str, figures) -> None:
    """In place: hide a second group's entry wherever only one group's entry is hidden."""
    rows = pd.DataFrame([{"group": i, "item": entry[id_key], "n": entry["n"],
                          "suppressed": entry["suppressed"]}
                         for i, summary in enumerate(summaries) for entry in summary[section]])
    if rows.empty:
        return
    flags = complementary_suppression(rows, ["group"], fixed=["item"])
    newly = rows[flags & ~rows["suppressed"]]
    for group, item in zip(newly["group"], newly["item"]):
        entry = next(e for e in summaries[group][section] if e[id_key] == item)
        entry["suppressed"] = True
        entry.update(dict.fromkeys(figures(entry)))

