"""The public plaque page, its report form, the follow-up page, QR codes and posters."""
from __future__ import annotations

import io
import re
import subprocess
import zipfile

import pytest
from PIL import Image
from sqlalchemy import text

from app.extensions import db
from app.plaque.models import Complaint
from tests.support import days_from_now, require_tool

needs_pdftotext = require_tool("pdftotext", package="poppler-utils")


def _count() -> int:
    return db.session.scalar(text("SELECT count(*) FROM complaints"))


def _ticket(html: str) -> str:
    return re.search(r'name="_ticket" value="([^"]+)"', html).group(1)


def test_plaque_page_shows_school_supervisor_and_open_surveys_by_audience(client, county,
                                                                          plaque_token, make_launch):
    school = county["school_a"]
    parent = make_launch("sleep", school=school, audience="parent")
    teacher = make_launch("sleep", school=school, audience="teacher")
    closed = make_launch("sleep", school=school, audience="student", closes_at=days_from_now(-1))
    elsewhere = make_launch("sleep", school=county["school_b"])
    response = client.get(f"/s/p/{plaque_token(school)}")
    assert response.status_code == 200
    page = response.text
    assert "城关镇第一小学" in page and "李督学" in page and "赵督学" not in page
    links = re.findall(r'class="go" href="/s/([^"]+)"', page)
    assert links == [parent.token, teacher.token]  # parent before teacher; closed and others absent
    assert closed.token not in page and elsewhere.token not in page
    assert 'name="kind"' in page and 'maxlength="2000"' in page
    # Light and self-contained: no script, nothing loaded from another site.
    assert "<script" not in page
    assert not re.search(r'(src|href)="(https?:)?//', page)


def test_plaque_page_without_open_surveys_still_offers_the_form(client, county, plaque_token):
    page = client.get(f"/s/p/{plaque_token(county['school_a'])}").text
    assert 'class="go"' not in page
    assert 'class="none"' in page  # the "nothing open now" notice
    assert 'name="text"' in page


def test_the_form_files_a_report_and_shows_the_code_once(client, county, plaque_token):
    token = plaque_token(county["school_a"])
    ticket = _ticket(client.get(f"/s/p/{token}").text)
    response = client.post(f"/s/p/{token}", data={
        "_ticket": ticket, "kind": "complaint", "category": "bullying", "text": "有同学被欺负。",
        "contact": ""})
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"
    code = re.search(r'class="code">([A-Z0-9-]+)<', response.text).group(1)
    row = db.session.scalars(db.select(Complaint)).one()
    assert (row.kind, row.category, row.contact) == ("complaint", "bullying", None)
    assert row.receipt in response.text
    # The follow-up page finds it by the code (sent by POST, never in the URL).
    follow = client.post("/s/followup", data={"code": code.lower().replace("-", " ")})
    assert follow.status_code == 200 and 'class="status"' in follow.text
    added = client.post("/s/followup", data={"code": code, "action": "add", "text": "补充：在操场。"})
    assert added.status_code == 200 and "补充：在操场。" in added.text
    assert client.post("/s/followup", data={"code": "WRONG-CODE-0000"}).status_code == 404


def test_bad_form_input_is_422_keeps_the_text_and_stores_nothing(client, county, plaque_token):
    token = plaque_token(county["school_a"])
    ticket = _ticket(client.get(f"/s/p/{token}").text)
    response = client.post(f"/s/p/{token}", data={"_ticket": ticket, "kind": "complaint",
                                                   "text": "太长" * 1001})
    assert response.status_code == 422
    assert 'class="err"' in response.text and "太长太长" in response.text
    assert _count() == 0


def test_the_honeypot_and_a_missing_ticket_store_nothing(client, county, plaque_token):
    token = plaque_token(county["school_a"])
    ticket = _ticket(client.get(f"/s/p/{token}").text)
    bot = client.post(f"/s/p/{token}", data={"_ticket": ticket, "kind": "complaint", "text": "spam",
                                             "_hp_website": "http://spam.example"})
    assert bot.status_code == 200 and 'class="code"' not in bot.text
    assert client.post(f"/s/p/{token}", data={"kind": "complaint", "text": "x"}).status_code == 400
    # A ticket served for another school's plaque does not fit this one.
    other = _ticket(client.get(f"/s/p/{plaque_token(county['school_b'])}").text)
    assert client.post(f"/s/p/{token}", data={"_ticket": other, "kind": "complaint",
                                              "text": "x"}).status_code == 400
    assert _count() == 0


def test_a_too_quick_form_is_shown_again(make_app, county):
    from app.plaque.services import live_plaque
    app = make_app(FORM_MIN_SECONDS=60)
    with app.app_context():
        token = live_plaque(db.session.get(type(county["school_a"]), county["school_a"].id)).token
        client = app.test_client()
        ticket = _ticket(client.get(f"/s/p/{token}").text)
        response = client.post(f"/s/p/{token}", data={"_ticket": ticket, "kind": "complaint",
                                                      "text": "快"})
        assert response.status_code == 400 and ticket in response.text
        assert _count() == 0


def test_a_retired_plaque_shows_a_clear_page_pointing_to_the_new_one(client, county, plaque_token):
    from app.plaque.services import regenerate_plaque
    old = plaque_token(county["school_a"])
    new = regenerate_plaque(county["sup_a"], county["school_a"]).token
    response = client.get(f"/s/p/{old}")
    assert response.status_code == 410
    assert f'href="/s/p/{new}"' in response.text
    assert client.post(f"/s/p/{old}", data={"kind": "complaint", "text": "x"}).status_code == 410
    assert client.get(f"/s/p/{old}/qr.png").status_code == 410
    assert client.get("/s/p/unknowntoken42").status_code == 404


def test_the_qr_code_decodes_to_the_plaque_url(client, county, token_for):
    zxingcpp = pytest.importorskip("zxingcpp")
    links = client.get(f"/api/v1/schools/{county['school_a'].code}/plaque",
                       headers=token_for(county["sup_a"])).get_json()
    token = links["url"].rsplit("/", 1)[1]
    assert links["url"].endswith(f"/s/p/{token}")
    png = client.get(links["qr_png_url"].replace("http://localhost", ""))
    assert png.status_code == 200 and png.mimetype == "image/png"
    decoded = [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(png.data)))]
    assert decoded == [links["url"]]
    svg = client.get(links["qr_svg_url"].replace("http://localhost", ""))
    assert svg.mimetype == "image/svg+xml" and b"<path" in svg.data
    # The page itself answers at the URL the code holds.
    assert client.get(links["url"].replace("http://localhost", "")).status_code == 200


def _pdftotext(pdf: bytes) -> str:
    return subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True,
                          check=True).stdout.decode()


@needs_pdftotext
def test_the_poster_names_school_supervisor_office_and_link_in_a4_and_a3(make_app, county):
    from app.plaque.services import live_plaque, plaque_links
    app = make_app(OFFICE_NAME="某某县人民政府教育督导室")
    with app.app_context(), app.test_request_context():
        school = db.session.get(type(county["school_a"]), county["school_a"].id)
        link = live_plaque(school)
        url = plaque_links(link)["url"]
    client = app.test_client()
    a4 = client.get(f"/s/p/{link.token}/poster.pdf")
    assert a4.status_code == 200 and a4.mimetype == "application/pdf"
    words = _pdftotext(a4.data)
    for expected in ("城关镇第一小学", "李督学", "某某县人民政府教育督导室", link.token):
        assert expected in words.replace("\n", "")
    a3 = client.get(f"/s/p/{link.token}/poster.pdf?size=a3")
    info = subprocess.run(["pdfinfo", "-"], input=a3.data, capture_output=True).stdout.decode()
    assert "(A3)" in info
    info4 = subprocess.run(["pdfinfo", "-"], input=a4.data, capture_output=True).stdout.decode()
    assert "(A4)" in info4
    assert url.startswith("http")


def test_zone_zip_holds_one_poster_per_school(client, county, make_school, login):
    make_school(zone=county["zone_a"], name="城关镇第二小学")
    login(county["sup_a"])
    response = client.get(f"/staff/zones/{county['zone_a'].code}/plaques.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(response.data)).namelist()
    assert len(names) == 2 and all(n.endswith(".pdf") for n in names)
    assert any("城关镇第二小学" in n for n in names)
    # Another zone's supervisor cannot download zone A's posters; the county ZIP is for admins.
    assert client.get(f"/staff/zones/{county['zone_b'].code}/plaques.zip").status_code == 404
    assert client.get("/staff/plaques.zip").status_code == 403
