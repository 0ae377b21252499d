"""The results feedback of one launch for its school (调查结果反馈), as PDF.

Figures are `launch_summary`'s (app/results/services.py): only the launch's published steps, a
question or indicator below the group size with no figure at all, free text as a count only.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ...errors import InvalidInput, NotFound
from ...extensions import db
from ...launches.models import Launch
from ...results.services import launch_summary
from ...surveys.registry import definition_of
from .build import as_of_text
from .data import data_as_of, figure, layout, place_name, question_rows
from .pdf import render_pdf


def feedback_model(launch_id: int) -> dict:
    """What the feedback shows: the school, the survey, responses, indicators and questions."""
    if isinstance(launch_id, bool) or not isinstance(launch_id, int):
        raise InvalidInput(_l("The request is invalid."), {"launch": _l("Give a launch id.")})
    launch = db.session.get(Launch, launch_id)
    if launch is None:
        raise NotFound(_l("Not found."))
    definition = definition_of(launch.survey_version)
    summary = launch_summary(launch)
    indicators = [figure(i) for i in summary["indicators"] if i and i["key"] != "satisfaction_alpha"]
    return {"launch": launch, "school": launch.school, "survey_title": launch.survey_version.title,
            "audience_label": layout()["audiences"].get(launch.audience, launch.audience),
            "n": summary["n"], "published": summary["published"], "indicators": indicators,
            "questions": question_rows(definition, summary), "place_name": place_name(),
            "data_as_of": data_as_of(launch.audience)}


def build_launch_feedback_pdf(launch_id: int, progress) -> tuple[bytes, dict]:
    """See app.reporting.annual.build_launch_feedback_pdf."""
    progress(0.0, "读取调查结果")
    model = feedback_model(launch_id)
    progress(0.5, "排版PDF")
    title = f"{model['school'].name}{model['survey_title']}调查结果反馈"
    data = render_pdf("annual/feedback.html", m=model, title=title, as_of_text=as_of_text(model))
    progress(1.0, "完成")
    return data, {"data_as_of": model["data_as_of"].isoformat(),
                  "filename": f"{model['school'].name}-{launch_id}-调查结果反馈.pdf",
                  "content_type": "application/pdf"}
