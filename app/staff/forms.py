"""WTForms for staff pages (CSRF-protected by Flask-WTF)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, DateField, PasswordField, RadioField, SelectField
from wtforms.validators import DataRequired, Length, Optional


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
    #: Ticked after the page warned that the same survey is already running there.
    confirm_duplicate = BooleanField(_l("Launch anyway"))


class CloseConfirmForm(FlaskForm):
    """Close a launch now, once the confirm box is ticked (works without JavaScript)."""

    confirm = BooleanField(_l("Yes, stop accepting answers now"),
                           validators=[DataRequired(_l("Tick the box to confirm."))])


class ClosingDateForm(FlaskForm):
    """A new closing date for reopening or extending a launch; empty keeps it open until
    closed by hand."""

    closes_at = DateField(_l("Open until (inclusive)"), validators=[Optional()])


class ImportForm(FlaskForm):
    """Upload a school list."""

    file = FileField(_l("School list (.xlsx or .csv)"), validators=[
        FileRequired(_l("Choose a file to upload: no file was sent.")), FileAllowed(["xlsx", "csv"], _l("Upload a .csv or .xlsx file."))])
    encoding = SelectField(_l("Text encoding (CSV only)"), default="auto", choices=[
        ("auto", _l("Detect")), ("utf-8", "UTF-8"), ("gbk", "GBK / GB18030")])


class CloseForm(FlaskForm):
    """A bare CSRF-protected button."""


class PasswordResetForm(FlaskForm):
    """An admin sets a new password for a staff account."""

    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(min=8, max=256)])
