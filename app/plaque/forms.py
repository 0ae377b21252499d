"""WTForms of the staff pages for reports and plaques (CSRF-protected by Flask-WTF)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from .services import MAX_NOTE, MAX_TEXT


class TransitionForm(FlaskForm):
    """Move a report on, with a note for the file and an optional reply to the reporter."""

    status = SelectField(_l("New status"), validators=[DataRequired()])
    note = TextAreaField(_l("Note (staff only)"), validators=[Optional(), Length(max=MAX_NOTE)])
    reply = TextAreaField(_l("Reply to the reporter (shown on the follow-up page)"),
                          validators=[Optional(), Length(max=MAX_TEXT)])
    spam = BooleanField(_l("This is spam"))


class ReplyForm(FlaskForm):
    """Write or change the reply alone."""

    reply = TextAreaField(_l("Reply to the reporter"), validators=[DataRequired(), Length(max=MAX_TEXT)])


class ProblemForm(FlaskForm):
    """Raise a rectification problem from a substantiated report."""

    category = SelectField(_l("Problem category"), validators=[DataRequired()])
    description = TextAreaField(_l("What the school must put right"),
                                validators=[DataRequired(), Length(max=4000)])
    requirement = TextAreaField(_l("Requirement (optional)"), validators=[Optional(), Length(max=4000)])
    deadline = DateField(_l("Deadline"), validators=[Optional()])
    immediate = BooleanField(_l("Rectify at once"))


class RegenerateForm(FlaskForm):
    """A bare CSRF-protected button."""
