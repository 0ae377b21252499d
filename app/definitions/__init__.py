"""Survey definitions: pure Python, no Flask, no database.

Loading is a one-way pipeline: YAML file -> dict -> typed, validated objects.
"""
from .errors import AnswerError, DefinitionError
from .loader import load_directory, load_file, parse_definition, survey_from_stored
from .model import (
    AUDIENCES,
    GRADE_VALUES,
    LIKERT_VALUES,
    MEASURES,
    QUESTION_TYPES,
    STAGE_GRADES,
    Option,
    Question,
    ShowIf,
    Survey,
)
from .answers import validate_answers

__all__ = [
    "AUDIENCES", "GRADE_VALUES", "LIKERT_VALUES", "MEASURES", "QUESTION_TYPES", "STAGE_GRADES",
    "AnswerError", "DefinitionError", "Option", "Question", "ShowIf", "Survey",
    "load_directory", "load_file", "parse_definition", "survey_from_stored", "validate_answers",
]
