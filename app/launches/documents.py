"""QR codes and posters of launches, with their wording from the translation layer."""
from __future__ import annotations

from flask import current_app
from flask_babel import format_date, gettext as _

from ..definitions.model import pick
from ..downloads import clean_filename
from ..i18n import audience_name, current_lang
from ..reporting.poster import poster_pdf, posters_zip
from ..surveys.registry import definition_of
from .models import Launch, LaunchBatch
from .services import launch_links, local_time

def launch_poster(launch: Launch) -> bytes:
    """The A4 poster PDF for one launch."""
    definition = definition_of(launch.survey_version)
    closes = local_time(launch.closes_at)
    supervisor = next((u.display_name or u.username for u in launch.school.zone.supervisors), None)
    return poster_pdf(
        school_name=launch.school.name,
        survey_title=pick(definition.title, current_lang()),
        form_url=launch_links(launch)["form_url"],
        closes_at=closes,
        audience_label=_("For %(audience)s", audience=audience_name(launch.audience)),
        supervisor_name=_("Responsible supervisor: %(name)s", name=supervisor) if supervisor else None,
        promise_text=_("Anonymous: we never ask for your name, phone number or any other personal "
                       "information, and nothing can trace your answers back to you."),
        scan_text=(_("Scan with WeChat or your phone camera to answer (about %(n)d minutes)",
                     n=definition.minutes) if definition.minutes
                   else _("Scan with WeChat or your phone camera to answer")),
        closes_text=(_("Open until %(date)s", date=format_date(closes, "long")) if closes else None),
        footer_text=current_app.config["OFFICE_NAME"] or _("County Education Supervision Office"),
    )


def poster_filename(launch: Launch) -> str:
    """A download name people recognise: school and survey."""
    title = pick(definition_of(launch.survey_version).title, current_lang())
    return clean_filename(f"{launch.school.code}-{launch.school.name}-{title}.pdf")


def batch_posters_zip(batch: LaunchBatch) -> bytes:
    """Every poster of a batch launch in one ZIP."""
    return posters_zip([(poster_filename(launch), launch_poster(launch)) for launch in batch.launches])
