"""Typed, immutable survey definitions and the vocabulary they are written in."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

#: Question types and what an answer to each looks like.
QUESTION_TYPES = ("single", "multiple", "likert", "number", "time", "grade", "text")

#: Who a survey can be aimed at.
AUDIENCES = ("parent", "student", "teacher")

#: Option values of a `grade` question: 1-6 primary, 7-9 junior high, 10-12 senior high.
GRADE_VALUES = tuple(str(g) for g in range(1, 13))

#: Option values of every Likert item (5 = the most positive end of the scale).
LIKERT_VALUES = ("1", "2", "3", "4", "5")

#: The grades a school of each stage teaches; a form offers only these.
STAGE_GRADES = {
    "primary": GRADE_VALUES[0:6],
    "junior": GRADE_VALUES[6:9],
    "senior": GRADE_VALUES[9:12],
    "nine_year": GRADE_VALUES[0:9],
    "twelve_year": GRADE_VALUES[0:12],
    "kindergarten": (),
}

#: Hard upper bound on any text answer, whatever a definition asks for.
TEXT_MAX_LENGTH = 2000


@dataclass(frozen=True)
class MeasureSpec:
    """What a question feeding an indicator must look like."""

    types: frozenset[str]
    #: For categorical measures, the option values the statistics rely on (all must be offered).
    values: frozenset[str] = frozenset()
    #: Whether a survey may hold several questions with this measure (items of a scale).
    repeatable: bool = False


#: The measures indicators are computed from. Statistics read `measure`, never wording.
MEASURES: dict[str, MeasureSpec] = {
    "grade": MeasureSpec(frozenset({"grade"})),
    "sleep_hours": MeasureSpec(frozenset({"number"})),
    "bedtime": MeasureSpec(frozenset({"time"})),
    "homework_minutes": MeasureSpec(frozenset({"number"})),
    "phone_handling": MeasureSpec(
        frozenset({"single"}), frozenset({"not_brought", "handed_in", "kept_by_child"})
    ),
    "activity_school_minutes": MeasureSpec(frozenset({"number"})),
    "activity_outside_minutes": MeasureSpec(frozenset({"number"})),
    "reading_pressure": MeasureSpec(frozenset({"single"}), frozenset({"yes", "no"})),
    "after_school_offered": MeasureSpec(frozenset({"single"}), frozenset({"yes", "no"})),
    "satisfaction": MeasureSpec(frozenset({"likert"}), repeatable=True),
}


def pick(text: dict[str, str] | None, lang: str) -> str | None:
    """Return the text in `lang`, falling back to Simplified Chinese."""
    if not text:
        return None
    return text.get(lang) or text.get("zh")


@dataclass(frozen=True)
class Option:
    """One choice of a single, multiple, likert or grade question."""

    value: str
    label: dict[str, str]
    #: In a `multiple` question, an option that cannot be combined with others ("none of these").
    exclusive: bool = False


@dataclass(frozen=True)
class ShowIf:
    """Show a question only when an earlier answer is one of `values`."""

    question: str
    values: tuple[str, ...]

    def holds(self, answers: dict) -> bool:
        """Whether the condition is met by the (already validated) answers."""
        given = answers.get(self.question)
        if given is None:
            return False
        if isinstance(given, list):
            return any(str(v) in self.values for v in given)
        return str(given) in self.values


@dataclass(frozen=True)
class Question:
    """One question, identified by an id that stays stable across versions."""

    id: str
    type: str
    label: dict[str, str]
    required: bool = True
    options: tuple[Option, ...] = ()
    help: dict[str, str] | None = None
    min: float | None = None
    max: float | None = None
    step: float | None = None
    unit: dict[str, str] | None = None
    max_length: int | None = None
    min_choices: int | None = None
    max_choices: int | None = None
    measure: str | None = None
    #: Satisfaction items: the dimension of the index the item belongs to (teaching, safety ...).
    dimension: str | None = None
    show_if: ShowIf | None = None
    option_values: frozenset[str] = field(default=frozenset(), compare=False, repr=False)

    def __post_init__(self):
        object.__setattr__(self, "option_values", frozenset(o.value for o in self.options))

    def options_for(self, grades: tuple[str, ...] | None) -> tuple[Option, ...]:
        """The options a form shows; a grade question offers only the school's grades."""
        if self.type == "grade" and grades is not None:
            allowed = set(grades)
            return tuple(o for o in self.options if o.value in allowed)
        return self.options

    def to_public(self, lang: str = "zh", options: tuple[Option, ...] | None = None) -> dict:
        """The question as the API shows it, labels in `lang`, with every rule an answer must
        meet (`options` narrows the choices, e.g. to the grades a school teaches)."""
        data: dict = {"id": self.id, "type": self.type, "required": self.required,
                      "label": pick(self.label, lang)}
        if options is None:
            options = self.options
        if self.options:
            data["options"] = [_public_option(o, lang) for o in options]
        for name in ("min", "max", "step", "max_length", "min_choices", "max_choices",
                     "measure", "dimension"):
            value = getattr(self, name)
            if value is not None:
                data[name] = value
        if self.type == "text":
            data["max_length"] = min(self.max_length or TEXT_MAX_LENGTH, TEXT_MAX_LENGTH)

        if self.unit:
            data["unit"] = pick(self.unit, lang)
        if self.help:
            data["help"] = pick(self.help, lang)
        if self.show_if:
            # "in" lists every value that shows the question; "equals" is the same rule for the
            # common single-value case. Either way: shown when the earlier answer (or, for a
            # multiple-choice question, any option chosen in it) is one of them.
            data["show_if"] = {"question": self.show_if.question, "in": list(self.show_if.values)}
            if len(self.show_if.values) == 1:
                data["show_if"]["equals"] = self.show_if.values[0]
        return data


def _public_option(option: Option, lang: str) -> dict:
    """One option as the API shows it."""
    data = {"value": option.value, "label": pick(option.label, lang)}
    if option.exclusive:
        data["exclusive"] = True
    return data


@dataclass(frozen=True)
class Survey:
    """A validated survey definition. The version number is assigned by the database on sync."""

    key: str
    title: dict[str, str]
    audiences: tuple[str, ...]
    questions: tuple[Question, ...]
    description: dict[str, str] | None = None
    #: The topic this survey belongs to (satisfaction, homework, sleep, phone ...), for grouping.
    topic: str | None = None
    #: About how many minutes answering takes (posters and the form say so); None: not stated.
    minutes: int | None = None
    #: The normalised source dict: what is stored and hashed, so a version can be rebuilt exactly.
    source: dict = field(default_factory=dict, compare=False, repr=False)
    source_file: str | None = field(default=None, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "_by_id", {q.id: q for q in self.questions})

    def question(self, question_id: str) -> Question | None:
        """The question with that id, or None."""
        return self._by_id.get(question_id)  # type: ignore[attr-defined]

    def questions_measuring(self, measure: str) -> list[Question]:
        """All questions whose `measure` is the given one."""
        return [q for q in self.questions if q.measure == measure]

    @property
    def content_hash(self) -> str:
        """A stable digest of the definition: a changed hash means a changed survey."""
        canonical = json.dumps(self.source, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    def to_public(self, version: int | None = None, lang: str = "zh",
                  grades: tuple[str, ...] | None = None) -> dict:
        """The definition as the API shows it; with `grades` (a launch's school), a grade
        question offers only those grades and is left out when the school has none."""
        data = {"key": self.key, "version": version, "title": pick(self.title, lang),
                "audiences": list(self.audiences)}
        if self.description:
            data["description"] = pick(self.description, lang)
        if self.minutes:
            data["minutes"] = self.minutes
        data["questions"] = [q.to_public(lang, q.options_for(grades)) for q in self.questions
                             if not (q.type == "grade" and grades is not None and not grades)]
        return data
