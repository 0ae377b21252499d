"""WTForms of the report pages (CSRF-protected by Flask-WTF)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, NumberRange, Optional, Regexp

AUDIENCE_CHOICES = [("parent", _l("Parents")), ("student", _l("Students")), ("teacher", _l("Teachers"))]


class AnnualForm(FlaskForm):
    """Ask for the annual report of a scope and year."""

    year = IntegerField(_l("Year"), validators=[DataRequired(), NumberRange(2000, 2100)])
    scope = SelectField(_l("Scope"), validators=[DataRequired()])
    audience = SelectField(_l("Respondents"), choices=AUDIENCE_CHOICES, default="parent")
    format = SelectField(_l("Format"), default="pdf", choices=[
        ("pdf", _l("Report (PDF)")), ("xlsx", _l("Workbook (Excel)")), ("csv", _l("Indicator table (CSV)"))])


class ExportForm(FlaskForm):
    """Ask for a response data export of one survey in a scope."""

    survey = SelectField(_l("Survey"), validators=[DataRequired()])
    scope = SelectField(_l("Scope"), validators=[DataRequired()])
    year = IntegerField(_l("Year (empty: all years)"), validators=[Optional(), NumberRange(2000, 2100)])
    audience = SelectField(_l("Respondents"), choices=[("", _l("All"))] + AUDIENCE_CHOICES, default="")
    format = SelectField(_l("Format"), default="csv", choices=[("csv", "CSV"), ("xlsx", "Excel (XLSX)")])
    free_text = BooleanField(_l("Include free-text answers"))


class MonthlyForm(FlaskForm):
    """Ask for the monthly supervision report as PDF."""

    month = StringField(_l("Month (YYYY-MM)"), validators=[DataRequired(), Regexp(r"^\d{4}-\d{2}$")])
    scope = SelectField(_l("Scope"), validators=[DataRequired()])


class ConfirmForm(FlaskForm):
    """A bare CSRF-protected button."""
