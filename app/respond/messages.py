"""Answer error codes from app.definitions in words, through the translation layer."""
from __future__ import annotations

from flask_babel import gettext as _

from ..definitions import AnswerError, Question, Survey
from ..definitions.model import pick
from ..i18n import current_lang


def answer_message(error: AnswerError, question: Question | None = None) -> str:
    """The message for one invalid answer (`question` lets it name an option)."""
    code, params = error.code, error.params
    if code == "required":
        return _("Please answer this question.")
    if code == "unknown_question":
        return _("There is no question with this id in the survey.")
    if code in ("invalid_option", "not_a_choice"):
        return _("Please choose one of the options given.")
    if code == "grade_not_offered":
        return _("This school does not have that grade.")
    if code == "not_a_list":
        return _("Please give a list of options.")
    if code == "duplicate_choice":
        return _("An option was chosen twice.")
    if code == "exclusive_choice":
        option = question and next((o for o in question.options if o.value == params.get("option")),
                                   None)
        if option is not None:
            return _("“%(option)s” cannot be chosen together with other options.",
                     option=pick(option.label, current_lang()))
        return _("This option cannot be combined with the others.")
    if code == "too_few_choices":
        return _("Please choose at least %(n)s options.", n=params["min"])
    if code == "too_many_choices":
        return _("Please choose at most %(n)s options.", n=params["max"])
    if code == "not_a_number":
        return _("Please enter a number.")
    if code == "out_of_range":
        return _("Please enter a number from %(min)s to %(max)s.", min=_number(params["min"]),
                 max=_number(params["max"]))
    if code == "not_a_time":
        return _("Please enter a time such as 21:30.")
    if code == "not_text":
        return _("Please enter text.")
    if code == "too_long":
        return _("Please keep this under %(n)s characters.", n=params["max"])
    return _("This answer is not valid.")


def _number(value) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def answer_messages(errors: dict[str, AnswerError], survey: Survey | None = None) -> dict[str, str]:
    """Messages for every invalid answer, by question id."""
    return {qid: answer_message(error, survey.question(qid) if survey else None)
            for qid, error in errors.items()}
