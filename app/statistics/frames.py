"""Stored responses → tidy DataFrames (one row per response), typed once so statistics stay vectorised.

Two frames flow through the package:

* the *survey frame* (`build_frame`): meta columns plus one column per question id, used for the
  question-by-question summary. Column types: single/likert/grade → pandas Categorical whose
  categories are the option values in definition order (an answer that is no longer an option
  becomes missing); multiple → Python lists of option values (missing = NaN); number → float;
  time → float minutes since midnight (see `timeofday`); text → str.
* the *measure frame* (`measure_frame`, or `frame_from_columns` for columns the app extracted
  itself, e.g. with SQL JSON functions over a whole county): meta columns plus one column per
  measure, named by the measure (`grade`, `sleep_hours`, `bedtime` ...), and one column per
  satisfaction item named `satisfaction:<question id>`. Indicators read only this frame, so both
  paths share them. Types: grade, numbers and items → float; bedtime → float minutes since
  midnight; categorical measures → str.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from app.definitions import MEASURES, Survey

from .timeofday import parse_minutes

#: Columns describing where a response came from (never an answer).
META_COLUMNS = ("response_id", "school_id", "zone_id", "launch_id", "period")
#: Satisfaction items are repeatable, so their measure-frame columns are named by question id.
ITEM_PREFIX = "satisfaction:"
#: Measures read as numbers (grade included: grade bands are ranges of numbers).
NUMERIC_MEASURES = frozenset(name for name, spec in MEASURES.items()
                             if spec.types & {"number", "grade"})
#: Measures read as clock times.
TIME_MEASURES = frozenset(name for name, spec in MEASURES.items() if spec.types == {"time"})
#: Measures read as option values.
CHOICE_MEASURES = frozenset(name for name, spec in MEASURES.items()
                            if spec.types == {"single"})


def build_frame(survey: Survey, records: Iterable[Mapping]) -> pd.DataFrame:
    """Stored responses ({response_id, school_id, launch_id, period, answers}) → the survey frame."""
    records = list(records)
    ids = [q.id for q in survey.questions]
    answers = pd.DataFrame([r.get("answers") or {} for r in records], columns=ids)
    # A question id equal to a meta name keeps the answers; the meta column gives way.
    meta = pd.DataFrame(records, columns=[c for c in META_COLUMNS if c not in ids])
    columns = {q.id: typed_answers(q.type, answers[q.id], [o.value for o in q.options])
               for q in survey.questions}
    return pd.concat([meta, pd.DataFrame(columns, index=answers.index)], axis=1)


def typed_answers(qtype: str, raw: pd.Series, option_values: list[str]) -> pd.Series:
    """One question's raw answers → the column type the survey frame uses for that question type."""
    if qtype in ("single", "likert", "grade"):
        # Strings first so an integer stored by an older client still matches its option value.
        return pd.Series(pd.Categorical(raw.astype("string"), categories=option_values),
                         index=raw.index)
    if qtype == "number":
        return pd.to_numeric(raw, errors="coerce").astype(float)
    if qtype == "time":
        return parse_minutes(raw)
    return raw.astype(object)


def item_column(question_id: str) -> str:
    """The measure-frame column of one satisfaction item."""
    return ITEM_PREFIX + question_id


def satisfaction_items(survey: Survey) -> dict[str, str | None]:
    """Measure-frame column → dimension for every satisfaction item of the survey, in order."""
    return {item_column(q.id): q.dimension for q in survey.questions_measuring("satisfaction")}


def measure_frame(survey: Survey, frame: pd.DataFrame) -> pd.DataFrame:
    """The survey frame → the measure frame (columns renamed from question ids to measures)."""
    columns = {c: frame[c] for c in META_COLUMNS if c in frame}
    for question in survey.questions:
        if question.measure == "satisfaction":
            columns[item_column(question.id)] = frame[question.id]
        elif question.measure:
            columns[question.measure] = frame[question.id]
    return frame_from_columns(pd.DataFrame(columns, index=frame.index))


def frame_from_columns(data) -> pd.DataFrame:
    """Columns named by measure (a DataFrame or dict, e.g. from SQL) → a typed measure frame.

    Accepts grade as "7" or 7, bedtime as "HH:MM" or minutes, items as "1".."5" or numbers;
    unknown columns (zone names, counts ...) pass through untouched.
    """
    frame = data if isinstance(data, pd.DataFrame) else pd.DataFrame(data)
    # Convert into a new dict and build once: assigning column by column re-blocks a 1M-row frame.
    return pd.DataFrame({name: _typed_measure(name, frame[name]) for name in frame.columns},
                        index=frame.index)


def _typed_measure(name, column: pd.Series) -> pd.Series:
    """One measure-frame column in the type indicators expect (others unchanged)."""
    if name in NUMERIC_MEASURES or str(name).startswith(ITEM_PREFIX):
        return as_numbers(column)
    if name in TIME_MEASURES:
        return parse_minutes(column)
    if name in CHOICE_MEASURES:
        return as_text(column)
    return column


def as_numbers(series: pd.Series) -> pd.Series:
    """Any answer column → float (NaN for missing or non-numeric), fast for Categoricals."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        categories = pd.to_numeric(pd.Series(series.cat.categories.astype(str)),
                                   errors="coerce").to_numpy(dtype=float)
        codes = series.cat.codes.to_numpy()
        if categories.size == 0:
            return pd.Series(np.nan, index=series.index)
        return pd.Series(np.where(codes >= 0, categories[codes], np.nan), index=series.index)
    if pd.api.types.is_numeric_dtype(series.dtype):
        return series.astype(float)
    # Answers repeat ("1".."5", grades): convert each distinct value once, then spread by code.
    codes, uniques = pd.factorize(series)
    numbers = np.append(pd.to_numeric(pd.Series(uniques, dtype=object), errors="coerce")
                        .to_numpy(dtype=float), np.nan)
    return pd.Series(numbers[codes], index=series.index)


def as_text(series: pd.Series) -> pd.Series:
    """Any choice column → object strings with None for missing (so `isin` compares text)."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        return series.astype(object).where(series.notna(), None)
    return series.astype("string").astype(object).where(series.notna(), None)
