"""WTForms for the office's admin pages (CSRF-protected by Flask-WTF)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from .models import STAGES
from .services import MAX_ENROLMENT, MIN_PASSWORD_LENGTH

#: Role labels, shared by the forms and the pages.
ROLE_LABELS = {"admin": _l("County office"), "supervisor": _l("Supervisor"),
               "viewer": _l("County-wide viewer")}


def role_choices():
    """(value, label) pairs for a role select."""
    return list(ROLE_LABELS.items())


def stage_choices():
    """(value, label) pairs for a stage select, in Chinese."""
    from ..i18n import stage_name
    return [(stage, stage_name(stage)) for stage in STAGES]


class UserCreateForm(FlaskForm):
    """A new staff account: sign-in name, display name, role and an initial password."""

    username = StringField(_l("Username"), validators=[
        DataRequired(_l("Required.")),
        Regexp(r"^[A-Za-z0-9_.\-]{2,64}$", message=_l("Use 2-64 letters, digits, '.', '-' or '_'."))])
    display_name = StringField(_l("Name"), validators=[Optional(), Length(max=64)])
    role = SelectField(_l("Role"), choices=role_choices, default="supervisor")
    password = PasswordField(_l("Initial password"), validators=[
        DataRequired(_l("Required.")),
        Length(min=MIN_PASSWORD_LENGTH, max=256,
               message=_l("The password must have 8 to 256 characters."))])


class RoleForm(FlaskForm):
    """Change an account's role."""

    role = SelectField(_l("Role"), choices=role_choices)


class AssignZoneForm(FlaskForm):
    """Make a supervisor responsible for one more zone."""

    zone = SelectField(_l("Zone"), validators=[DataRequired(_l("Choose a zone."))])


class ZoneForm(FlaskForm):
    """A new zone: code and name."""

    code = StringField(_l("Code"), validators=[
        DataRequired(_l("Required.")),
        Regexp(r"^[A-Za-z0-9_\-]{1,32}$", message=_l("Use 1-32 letters, digits, - or _."))])
    name = StringField(_l("Name"), validators=[DataRequired(_l("Required.")), Length(max=100)])


class ZoneRenameForm(FlaskForm):
    """A zone's new display name."""

    name = StringField(_l("Name"), validators=[DataRequired(_l("Required.")), Length(max=100)])


class SchoolForm(FlaskForm):
    """A school's name, stage, enrolment and zone (the code only when creating)."""

    code = StringField(_l("Code"), validators=[
        Optional(), Regexp(r"^[A-Za-z0-9_\-]{1,32}$", message=_l("Use 1-32 letters, digits, - or _."))])
    name = StringField(_l("Name"), validators=[DataRequired(_l("Required.")), Length(max=100)])
    stage = SelectField(_l("Stage"), choices=stage_choices)
    enrolment = IntegerField(_l("Pupils on roll"), validators=[
        Optional(), NumberRange(0, MAX_ENROLMENT, message=_l(
            "Enter a whole number from 0 to %(n)d, or leave it empty.", n=MAX_ENROLMENT))])
    zone = SelectField(_l("Zone"), validators=[DataRequired(_l("Choose a zone."))])
