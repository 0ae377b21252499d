"""The monthly report and the launch feedback PDFs, built by the same machinery as the annual report."""
from __future__ import annotations

from datetime import date

import pytest

from app.extensions import db
from tests.reporting.test_annual_report import county, noop, pdf_text, percent  # noqa: F401 (fixture)
from tests.support import require_tool


@require_tool("pdftotext", package="poppler-utils")
def test_monthly_pdf_has_a_row_per_supervisor_and_the_schools_not_visited(app, county, make_user, tmp_path):
    from app.reporting.annual import build_monthly_pdf
    from app.visits.models import Visit
    supervisor = make_user("north_sup", "supervisor", zones=[county["north"]], display_name="王督学")
    visit = Visit(school_id=county["a"].id, date=date(2026, 3, 10), kind="routine", status="submitted")
    visit.supervisors.append(supervisor)
    db.session.add(visit)
    db.session.commit()
    calls = []
    data, meta = build_monthly_pdf("2026-03", "N", lambda f, label: calls.append(f))
    text = pdf_text(data, tmp_path)
    assert "王督学" in text and "北区" in text and "1/2" in text   # one of the zone's two schools visited
    assert "B（共1所）" in text and "丙校" not in text
    assert meta["filename"] == "北区-2026-03-督导月报.pdf" and calls[-1] == 1.0


def test_monthly_pdf_refuses_a_bad_month(app, county):
    from app.errors import InvalidInput
    from app.reporting.annual import build_monthly_pdf
    with pytest.raises(InvalidInput):
        build_monthly_pdf("2026-13", None, noop)


@require_tool("pdftotext", package="poppler-utils")
def test_launch_feedback_shows_the_launch_summary(client, county, token_for, tmp_path):
    from app.launches.models import Launch
    from app.reporting.annual import build_launch_feedback_pdf
    launch = db.session.scalar(db.select(Launch).where(Launch.school_id == county["a"].id)
                               .order_by(Launch.opens_at.desc()))
    summary = client.get(f"/api/v1/launches/{launch.id}/summary", headers=token_for(county["admin"])).json
    sleep = next(i for i in summary["indicators"] if i["key"] == "sleep_compliance")
    data, meta = build_launch_feedback_pdf(launch.id, noop)
    text = pdf_text(data, tmp_path)
    assert percent(sleep["value"]) in text and f"共收到{summary['n']}份" in text
    assert "甲校" in text and "乙校" not in text and meta["filename"].startswith("甲校-")


@require_tool("pdftotext", package="poppler-utils")
def test_launch_feedback_of_a_small_launch_shows_no_figure(app, county, tmp_path):
    from app.launches.models import Launch
    from app.reporting.annual import build_launch_feedback_pdf
    launch = db.session.scalar(db.select(Launch).where(Launch.school_id == county["d"].id))
    text = pdf_text(build_launch_feedback_pdf(launch.id, noop)[0], tmp_path)
    assert "%" not in text.replace("95%", "") and "样本不足" in text


def test_launch_feedback_of_an_unknown_launch_is_not_found(app):
    from app.errors import NotFound
    from app.reporting.annual import build_launch_feedback_pdf
    with pytest.raises(NotFound):
        build_launch_feedback_pdf(999_999, noop)
