"""Load survey definitions: YAML file -> dict -> validated `Survey` (pure, no side effects)."""
from __future__ import annotations

import math
import re
from pathlib import Path

import yaml

from .errors import DefinitionError
from .model import (
    AUDIENCES, GRADE_VALUES, LIKERT_VALUES, MEASURES, QUESTION_TYPES, TEXT_MAX_LENGTH,
    Option, Question, ShowIf, Survey,
)

SCALES_FILE = "scales.yaml"
STANDARDS_FILE = "standards.yaml"
#: The objective visit checklist (app/visits/checklists.py reads it), not a survey.
CHECKLISTS_FILE = "checklists.yaml"
#: Files in the surveys folder that are not survey definitions.
NON_SURVEY_FILES = {SCALES_FILE, STANDARDS_FILE, CHECKLISTS_FILE}

_ID = re.compile(r"[a-z][a-z0-9_]{0,62}")
_VALUE = re.compile(r"[A-Za-z0-9_\-]{1,64}")
_SURVEY_KEYS = {"key", "title", "description", "audiences", "topic", "minutes", "questions"}
_QUESTION_KEYS = {"id", "type", "label", "help", "required", "options", "scale", "min", "max",
                  "step", "unit", "max_length", "min_choices", "max_choices", "measure",
                  "dimension", "show_if"}
_CONDITION_TYPES = {"single", "multiple", "likert", "grade"}
DEFAULT_TEXT_LENGTH = 500


def load_directory(folder: str | Path) -> list[Survey]:
    """Load every survey in a folder; the first bad file raises `DefinitionError`."""
    folder = Path(folder)
    scales = load_scales(folder / SCALES_FILE)
    surveys, seen = [], {}
    for path in sorted(folder.glob("*.yaml")):
        if path.name in NON_SURVEY_FILES:
            continue
        survey = load_file(path, scales=scales)
        if survey.key in seen:
            raise DefinitionError(f"survey key '{survey.key}' is also used by {seen[survey.key]}",
                                  source=str(path))
        seen[survey.key] = path.name
        surveys.append(survey)
    return surveys


def load_scales(path: str | Path) -> dict:
    """Read the shared answer scales (Likert labels, grade names)."""
    data = _read_yaml(Path(path))
    likert = data.get("likert") if isinstance(data, dict) else None
    grades = data.get("grades") if isinstance(data, dict) else None
    if not isinstance(likert, dict) or not isinstance(grades, dict):
        raise DefinitionError("needs a 'likert' mapping and a 'grades' mapping", source=str(path))
    for name, labels in likert.items():
        if not isinstance(labels, list) or len(labels) != len(LIKERT_VALUES):
            raise DefinitionError(f"likert scale '{name}' needs exactly 5 labels", source=str(path))
    likert = {name: [_text(label, "likert label", str(path), None) for label in labels]
              for name, labels in likert.items()}
    grade_labels = {v: _text(grades.get(v, grades.get(int(v))), f"grade {v} label", str(path), None)
                    for v in GRADE_VALUES}
    return {"likert": likert, "grades": grade_labels}


def load_file(path: str | Path, scales: dict | None = None) -> Survey:
    """Load and validate one survey file (shared scales are read from the same folder)."""
    path = Path(path)
    if scales is None:
        scales = load_scales(path.parent / SCALES_FILE)
    return parse_definition(_read_yaml(path), scales=scales, source=str(path))


def _read_yaml(path: Path):
    try:
        with path.open(encoding="utf-8") as handle:
            return yaml.safe_load(handle)
    except FileNotFoundError:
        raise DefinitionError("file not found", source=str(path)) from None
    except yaml.YAMLError as exc:
        raise DefinitionError(f"not valid YAML: {exc}", source=str(path)) from None
    except UnicodeDecodeError:
        raise DefinitionError("not UTF-8 text: save the file as UTF-8", source=str(path)) from None


def parse_definition(data, *, scales: dict, source: str | None = None) -> Survey:
    """Validate a definition dict and build the typed `Survey`."""
    if not isinstance(data, dict):
        raise DefinitionError("a survey file must be a mapping", source=source)
    unknown = set(data) - _SURVEY_KEYS
    if unknown:
        raise DefinitionError(f"unknown field(s): {', '.join(sorted(map(str, unknown)))}", source=source)
    key = data.get("key")
    if not isinstance(key, str) or not _ID.fullmatch(key):
        raise DefinitionError("'key' must be lower-case letters, digits and _", source=source)
    title = _text(data.get("title"), "title", source, None)
    description = _text(data.get("description"), "description", source, None, optional=True)
    audiences = data.get("audiences")
    if (not isinstance(audiences, list) or not audiences
            or any(a not in AUDIENCES for a in audiences) or len(set(audiences)) != len(audiences)):
        raise DefinitionError(f"'audiences' must be a non-empty list of {', '.join(AUDIENCES)}",
                              source=source)
    raw_questions = data.get("questions")
    if not isinstance(raw_questions, list) or not raw_questions:
        raise DefinitionError("'questions' must be a non-empty list", source=source)

    questions: list[Question] = []
    normalised: list[dict] = []
    by_id: dict[str, Question] = {}
    measures_seen: set[str] = set()
    for index, raw in enumerate(raw_questions, start=1):
        question, norm = _parse_question(raw, index, scales, by_id, source)
        if question.measure and not MEASURES[question.measure].repeatable:
            if question.measure in measures_seen:
                raise DefinitionError(f"measure '{question.measure}' is used twice", source=source,
                                      question=question.id)
            measures_seen.add(question.measure)
        by_id[question.id] = question
        questions.append(question)
        normalised.append(norm)

    topic = data.get("topic")
    if topic is not None and (not isinstance(topic, str) or not _ID.fullmatch(topic)):
        raise DefinitionError("'topic' must be lower-case letters, digits and _", source=source)
    minutes = data.get("minutes")
    if minutes is not None and (isinstance(minutes, bool) or not isinstance(minutes, int)
                                or not 1 <= minutes <= 60):
        raise DefinitionError("'minutes' (how long the survey takes) must be a whole number "
                              "from 1 to 60", source=source)
    normalised_source = {"key": key, "title": title, "description": description,
                         "audiences": list(audiences), "topic": topic, "questions": normalised}
    if minutes is not None:
        # Only when given, so definitions without it keep their content hash (and version).
        normalised_source["minutes"] = minutes
    return Survey(key=key, title=title, description=description, audiences=tuple(audiences),
                  topic=topic, minutes=minutes, questions=tuple(questions),
                  source=normalised_source, source_file=source)


def _parse_question(raw, index: int, scales: dict, earlier: dict[str, Question], source):
    if not isinstance(raw, dict):
        raise DefinitionError(f"question #{index} must be a mapping", source=source)
    qid = raw.get("id")
    if not isinstance(qid, str) or not _ID.fullmatch(qid):
        raise DefinitionError(f"question #{index} needs an 'id' of lower-case letters, digits and _",
                              source=source)
    if qid in earlier:
        raise DefinitionError("duplicate question id", source=source, question=qid)

    def fail(problem: str):
        raise DefinitionError(problem, source=source, question=qid)

    unknown = set(raw) - _QUESTION_KEYS
    if unknown:
        fail(f"unknown field(s): {', '.join(sorted(map(str, unknown)))}")
    qtype = raw.get("type")
    if qtype not in QUESTION_TYPES:
        fail(f"'type' must be one of {', '.join(QUESTION_TYPES)}")
    required = raw.get("required", True)
    if not isinstance(required, bool):
        fail("'required' must be true or false")

    norm: dict = {"id": qid, "type": qtype, "required": required,
                  "label": _text(raw.get("label"), "label", source, qid),
                  "help": _text(raw.get("help"), "help", source, qid, optional=True)}
    options = _parse_options(raw, qtype, scales, fail)
    if options:
        norm["options"] = [{"value": o.value, "label": o.label, "exclusive": o.exclusive}
                           for o in options]
    allowed_by_type = {
        "number": {"min", "max", "step", "unit"},
        "text": {"max_length"},
        "multiple": {"min_choices", "max_choices"},
        "likert": {"scale", "dimension"},
    }
    for name in ("min", "max", "step", "unit", "max_length", "min_choices", "max_choices",
                 "scale", "dimension"):
        if name in raw and name not in allowed_by_type.get(qtype, set()):
            fail(f"'{name}' does not apply to a {qtype} question")

    extra: dict = {}
    if qtype == "number":
        low, high, step = raw.get("min"), raw.get("max"), raw.get("step")
        if not _is_number(low) or not _is_number(high) or not low < high:
            fail("a number question needs numeric 'min' < 'max'")
        if step is not None and (not _is_number(step) or step <= 0):
            fail("'step' must be a positive number")
        extra.update(min=low, max=high, step=step,
                     unit=_text(raw.get("unit"), "unit", source, qid, optional=True))
    elif qtype == "text":
        length = raw.get("max_length", DEFAULT_TEXT_LENGTH)
        if not isinstance(length, int) or isinstance(length, bool) or not 1 <= length <= TEXT_MAX_LENGTH:
            fail(f"'max_length' must be a whole number from 1 to {TEXT_MAX_LENGTH}")
        extra["max_length"] = length
    elif qtype == "multiple":
        low, high = raw.get("min_choices"), raw.get("max_choices")
        for name, value in (("min_choices", low), ("max_choices", high)):
            if value is not None and (not isinstance(value, int) or isinstance(value, bool)
                                      or not 1 <= value <= len(options)):
                fail(f"'{name}' must be a whole number from 1 to the number of options")
        if low is not None and high is not None and low > high:
            fail("'min_choices' is larger than 'max_choices'")
        extra.update(min_choices=low, max_choices=high)
    elif qtype == "likert":
        dimension = raw.get("dimension")
        if dimension is not None and (not isinstance(dimension, str) or not _ID.fullmatch(dimension)):
            fail("'dimension' must be lower-case letters, digits and _")
        extra["dimension"] = dimension

    measure = raw.get("measure")
    if measure is not None:
        spec = MEASURES.get(measure) if isinstance(measure, str) else None
        if spec is None:
            fail(f"unknown measure '{measure}'; known: {', '.join(sorted(MEASURES))}")
        if qtype not in spec.types:
            fail(f"measure '{measure}' needs a question of type {' or '.join(sorted(spec.types))}")
        missing = spec.values - {o.value for o in options}
        if missing:
            fail(f"measure '{measure}' needs the option value(s) {', '.join(sorted(missing))}")
    extra["measure"] = measure

    show_if = None
    if "show_if" in raw:
        show_if = _parse_show_if(raw["show_if"], earlier, fail)
        norm["show_if"] = {"question": show_if.question, "in": list(show_if.values)}
    norm.update({k: v for k, v in extra.items() if v is not None})
    question = Question(id=qid, type=qtype, label=norm["label"], required=required,
                        options=tuple(options), help=norm["help"], show_if=show_if, **extra)
    return question, norm


def _parse_options(raw: dict, qtype: str, scales: dict, fail) -> list[Option]:
    given = raw.get("options")
    if qtype == "likert":
        if given is not None:
            fail("a likert question takes a 'scale', not 'options'")
        scale = raw.get("scale", "satisfaction")
        labels = scales["likert"].get(scale) if isinstance(scale, str) else None
        if labels is None:
            fail(f"unknown likert scale '{scale}'; known: {', '.join(sorted(scales['likert']))}")
        return [Option(value, dict(label)) for value, label in zip(LIKERT_VALUES, labels)]
    if qtype == "grade":
        if given is not None:
            fail("a grade question takes no 'options': grades 1-12 are built in")
        return [Option(value, dict(scales["grades"][value])) for value in GRADE_VALUES]
    if qtype not in ("single", "multiple"):
        if given is not None:
            fail(f"a {qtype} question takes no 'options'")
        return []
    if not isinstance(given, list) or len(given) < 2:
        fail("a choice question needs a list of at least 2 options")
    options, values = [], set()
    for item in given:
        if not isinstance(item, dict) or set(item) - {"value", "label", "exclusive"}:
            fail("each option is a mapping with 'value', 'label' and optionally 'exclusive'")
        value = item.get("value")
        if isinstance(value, bool) or not isinstance(value, (str, int)) or not _VALUE.fullmatch(str(value)):
            fail("an option 'value' must be letters, digits, _ or - (no spaces)")
        value = str(value)
        if value in values:
            fail(f"option value '{value}' appears twice")
        values.add(value)
        exclusive = item.get("exclusive", False)
        if not isinstance(exclusive, bool) or (exclusive and qtype != "multiple"):
            fail("'exclusive' is true or false, and only for multiple-choice options")
        label = _text(item.get("label"), f"label of option '{value}'", None, None, fail=fail)
        options.append(Option(value, label, exclusive))
    return options


def _parse_show_if(raw, earlier: dict[str, Question], fail) -> ShowIf:
    if not isinstance(raw, dict) or set(raw) - {"question", "equals", "in"} or "question" not in raw:
        fail("'show_if' needs 'question' and 'equals' (one value) or 'in' (a list)")
    target = earlier.get(raw["question"]) if isinstance(raw["question"], str) else None
    if target is None:
        fail(f"show_if refers to '{raw['question']}', which is not an earlier question")
    if target.type not in _CONDITION_TYPES:
        fail(f"show_if can only depend on a {', '.join(sorted(_CONDITION_TYPES))} question")
    if ("equals" in raw) == ("in" in raw):
        fail("'show_if' takes exactly one of 'equals' and 'in'")
    values = [raw["equals"]] if "equals" in raw else raw["in"]
    if not isinstance(values, list) or not values:
        fail("'show_if: in' must be a non-empty list")
    values = [str(v) for v in values]
    unknown = [v for v in values if v not in target.option_values]
    if unknown:
        fail(f"show_if value(s) {', '.join(unknown)} are not options of '{target.id}'")
    return ShowIf(target.id, tuple(values))


def _text(value, what: str, source, qid, *, optional: bool = False, fail=None) -> dict | None:
    """A translated text: {zh: ..., en: ...}; a plain string is taken as Chinese."""
    def problem(message):
        if fail:
            fail(message)
        raise DefinitionError(message, source=source, question=qid)

    if value is None:
        if optional:
            return None
        problem(f"'{what}' is missing")
    if isinstance(value, str):
        value = {"zh": value}
    if (not isinstance(value, dict) or not isinstance(value.get("zh"), str) or not value["zh"].strip()
            or set(value) - {"zh", "en"} or not all(isinstance(v, str) for v in value.values())):
        problem(f"'{what}' must be text, or a mapping with 'zh' (required) and 'en'")
    return {k: v.strip() for k, v in value.items()}


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def survey_from_stored(data: dict) -> Survey:
    """Rebuild a `Survey` from the normalised dict a previous load produced (already validated)."""
    questions = []
    for raw in data["questions"]:
        options = tuple(Option(o["value"], o["label"], o.get("exclusive", False))
                        for o in raw.get("options", ()))
        show_if = None
        if raw.get("show_if"):
            show_if = ShowIf(raw["show_if"]["question"], tuple(raw["show_if"]["in"]))
        extra = {name: raw[name] for name in ("min", "max", "step", "unit", "max_length",
                                              "min_choices", "max_choices", "measure", "dimension")
                 if raw.get(name) is not None}
        questions.append(Question(id=raw["id"], type=raw["type"], label=raw["label"],
                                  required=raw["required"], options=options, help=raw.get("help"),
                                  show_if=show_if, **extra))
    return Survey(key=data["key"], title=data["title"], description=data.get("description"),
                  audiences=tuple(data["audiences"]), topic=data.get("topic"),
                  minutes=data.get("minutes"), questions=tuple(questions), source=data)
