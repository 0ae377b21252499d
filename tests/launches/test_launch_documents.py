"""The public QR codes and poster of a launch."""
from __future__ import annotations

import os
import subprocess
from datetime import datetime, timezone
from urllib.parse import quote

import pytest

from app.launches.services import launch_links
from app.reporting.qr import qr_png, qr_svg
from support import require_tool

needs_pdftotext = require_tool("pdftotext", package="poppler-utils")


def pdf_text(pdf: bytes) -> str:
    return subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()


@pytest.fixture
def launch(make_launch, make_school, make_zone, make_user):
    """A sleep survey at 城关镇第一小学, closing 2099-12-20, zone supervised by 张老师."""
    zone = make_zone(code="CG", name="城关责任区")
    make_user("zhang", role="supervisor", zones=[zone], display_name="张老师")
    school = make_school(code="S001", name="城关镇第一小学", zone=zone)
    return make_launch("sleep", school=school,
                       closes_at=datetime(2099, 12, 20, 15, 59, 59, tzinfo=timezone.utc))


def test_qr_codes_encode_the_form_url(client, launch):
    with client.application.test_request_context():
        form_url = launch_links(launch)["form_url"]
    png = client.get(f"/s/{launch.token}/qr.png")
    svg = client.get(f"/s/{launch.token}/qr.svg")
    assert png.status_code == svg.status_code == 200
    assert png.data == qr_png(form_url)
    assert svg.data == qr_svg(form_url)


def test_qr_codes_and_poster_from_the_request_host_are_never_stored_by_any_cache(client, launch):
    for suffix in ("qr.png", "qr.svg", "poster.pdf"):
        response = client.get(f"/s/{launch.token}/{suffix}", headers={"Host": "forged.example"})
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "private, no-store", suffix


def test_qr_codes_from_the_configured_base_ignore_the_host_header_and_may_be_cached(make_app, launch):
    client = make_app(sync=False, PUBLIC_BASE_URL="https://dudao.example.gov.cn").test_client()
    png = client.get(f"/s/{launch.token}/qr.png", headers={"Host": "forged.example"})
    assert png.status_code == 200
    assert png.data == qr_png(f"https://dudao.example.gov.cn/s/{launch.token}")
    assert png.headers["Cache-Control"].startswith("public")
    poster = client.get(f"/s/{launch.token}/poster.pdf")
    assert "public" not in poster.headers["Cache-Control"] and "private" in poster.headers["Cache-Control"]


def test_poster_of_a_school_whose_name_has_line_breaks_has_a_safe_download_header(client, launch):
    from app.extensions import db
    launch.school.name = "城关\r\n第一小学\x07"   # stored before names were checked
    db.session.commit()
    response = client.get(f"/s/{launch.token}/poster.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF-")
    disposition = response.headers["Content-Disposition"]
    assert disposition.isprintable() and disposition.isascii()
    assert "filename*=UTF-8''" + quote("S001-城关第一小学-学生睡眠情况调查（家长卷）.pdf", safe="") in disposition


def test_poster_is_an_inline_pdf_named_after_school_and_survey(client, launch):
    response = client.get(f"/s/{launch.token}/poster.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF-") and response.data.rstrip().endswith(b"%%EOF")
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("inline;")
    assert "filename*=UTF-8''" + quote("S001-城关镇第一小学-学生睡眠情况调查（家长卷）.pdf") in disposition


@needs_pdftotext
def test_poster_shows_school_survey_supervisor_closing_date_and_link(client, launch):
    text = pdf_text(client.get(f"/s/{launch.token}/poster.pdf").data)
    flat = "".join(text.split())
    assert "城关镇第一小学" in flat
    assert "学生睡眠情况调查" in flat
    assert "张老师" in flat
    assert "2099年12月20日" in flat
    assert launch.token in flat


@needs_pdftotext
def test_poster_without_a_closing_date_or_supervisor(client, make_launch):
    launch = make_launch("sleep")
    text = "".join(pdf_text(client.get(f"/s/{launch.token}/poster.pdf").data).split())
    assert launch.school.name in text and "张老师" not in text and "2099" not in text


def test_unknown_token_is_404(client, launch):
    for suffix in ("qr.png", "qr.svg", "poster.pdf"):
        for token in ("unknown-token", "x" * 500, launch.token.upper()):
            assert client.get(f"/s/{token}/{suffix}").status_code == 404, (token, suffix)


def test_token_with_a_nul_character_is_refused(client, launch):
    for suffix in ("qr.png", "qr.svg", "poster.pdf"):
        assert client.get(f"/s/ab%00c/{suffix}").status_code == 400, suffix
