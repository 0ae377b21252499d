"""WTForms for staff pages (CSRF-protected by Flask-WTF)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import DateField, RadioField, SelectField
from wtforms.validators import DataRequired, Optional


class LaunchForm(FlaskForm):
    """Launch a survey at one school, a zone or the whole county."""

    survey = SelectField(_l("Survey"), validators=[DataRequired()])
    audience = SelectField(_l("Who answers"), choices=[
        ("parent", _l("Parents")), ("student", _l("Students")), ("teacher", _l("Teachers"))])
    scope = RadioField(_l("Where"), default="school", choices=[
        ("school", _l("One school")), ("zone", _l("Every school of a zone")),
        ("county", _l("Every school of the county"))])
    school = SelectField(_l("School"), validators=[Optional()])
    zone = SelectField(_l("Zone"), validators=[Optional()])
    closes_at = DateField(_l("Open until (inclusive)"), validators=[Optional()])


class ImportForm(FlaskForm):
    """Upload a school list."""

    file = FileField(_l("School list (.xlsx or .csv)"), validators=[
        FileRequired(), FileAllowed(["xlsx", "csv"], _l("Upload a .csv or .xlsx file."))])


class CloseForm(FlaskForm):
    """A bare CSRF-protected button."""
