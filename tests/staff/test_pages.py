"""Staff pages: what each role sees and may open."""
from __future__ import annotations

import pytest

from support import days_from_now, valid_answers


def answer_once(client, launch) -> None:
    """One parent's answers through the public JSON endpoint."""
    answers = {k: (float(v) if k == "sleep_hours" else v) for k, v in valid_answers(launch).items()}
    assert client.post(f"/api/v1/public/{launch.token}/responses",
                       json={"answers": answers}).status_code == 201


@pytest.fixture
def county(client, make_zone, make_school, make_user, make_launch):
    """Two zones with a school each; 张老师 supervises the first. The county has one parent's
    answers (school pages need some, see test_school_page_renders_before_any_answer)."""
    cg, xc = make_zone(code="CG", name="城关责任区"), make_zone(code="XC", name="新城责任区")
    county = {
        "zhang": make_user("zhang", role="supervisor", zones=[cg], display_name="张老师"),
        "cg": make_school(code="S001", name="城关镇第一小学", zone=cg),
        "xc": make_school(code="S002", name="新城中学", stage="junior", zone=xc),
    }
    answer_once(client, make_launch("sleep", school=county["cg"]))
    return county


def test_dashboard_lists_zones_and_open_launches(client, login, admin, county, make_launch):
    make_launch("sleep", school=county["cg"])
    make_launch("sleep", school=county["xc"], closes_at=days_from_now(-1))
    login(admin)
    page = client.get("/staff/")
    assert page.status_code == 200
    html = page.text
    assert "城关责任区" in html and "新城责任区" in html and "张老师" in html
    assert "城关镇第一小学" in html and "新城中学" in html
    assert "学生睡眠情况调查（家长卷）" in html


def test_supervisor_dashboard_shows_only_their_zones(client, login, county):
    login(county["zhang"])
    html = client.get("/staff/").text
    assert "城关责任区" in html and "新城责任区" not in html


def test_zone_page_lists_its_schools(client, login, admin, county):
    login(admin)
    page = client.get("/staff/zones/CG")
    assert page.status_code == 200
    assert "城关镇第一小学" in page.text and "S001" in page.text and "新城中学" not in page.text
    assert client.get("/staff/zones/NOPE").status_code == 404


def test_school_page_shows_its_launches(client, login, admin, county, make_launch):
    make_launch("sleep", school=county["cg"])
    login(admin)
    page = client.get("/staff/schools/S001")
    assert page.status_code == 200
    assert "城关镇第一小学" in page.text and "城关责任区" in page.text
    assert "学生睡眠情况调查（家长卷）" in page.text
    assert client.get("/staff/schools/NOPE").status_code == 404


@pytest.mark.parametrize("query", ["", "?audience=student"])
def test_school_page_renders_before_any_answer(client, login, admin, make_school, make_launch, query):
    school = make_school(name="城关镇第一小学")
    make_launch("sleep", school=school)
    login(admin)
    page = client.get(f"/staff/schools/{school.code}{query}")
    assert page.status_code == 200 and "城关镇第一小学" in page.text


def test_launch_page_shows_link_qr_poster_and_count(client, login, admin, county, make_launch):
    launch = make_launch("sleep", school=county["cg"])
    login(admin)
    page = client.get(f"/staff/launches/{launch.id}")
    assert page.status_code == 200
    html = page.text
    assert "城关镇第一小学" in html and "学生睡眠情况调查（家长卷）" in html
    assert f"/s/{launch.token}" in html and f"/s/{launch.token}/qr.svg" in html
    assert f"/s/{launch.token}/poster.pdf" in html
    assert f"/staff/launches/{launch.id}/close" in html
    assert client.get("/staff/launches/987654").status_code == 404


def test_supervisor_gets_404_for_another_zones_pages(client, login, county, make_launch):
    elsewhere = make_launch("sleep", school=county["xc"])
    login(county["zhang"])
    assert client.get("/staff/schools/S001").status_code == 200
    assert client.get("/staff/schools/S002").status_code == 404
    assert client.get("/staff/zones/XC").status_code == 404
    assert client.get(f"/staff/launches/{elsewhere.id}").status_code == 404


def test_viewer_reads_everything_but_cannot_launch_or_import(client, login, county, make_user,
                                                             make_launch):
    launch = make_launch("sleep", school=county["xc"])
    login(make_user("viewer", role="viewer"))
    for path in ("/staff/", "/staff/zones/XC", "/staff/schools/S002", f"/staff/launches/{launch.id}"):
        assert client.get(path).status_code == 200, path
    assert f"/staff/launches/{launch.id}/close" not in client.get(f"/staff/launches/{launch.id}").text
    assert client.get("/staff/launches/new").status_code == 403
    assert client.post("/staff/launches/new", data={"survey": "sleep"}).status_code == 403
    assert client.get("/staff/schools/import").status_code == 403


def test_supervisor_cannot_open_the_import_page(client, login, county):
    login(county["zhang"])
    assert client.get("/staff/schools/import").status_code == 403


def test_html_errors_are_pages_not_json(client, login, admin):
    login(admin)
    response = client.get("/staff/zones/NOPE")
    assert response.status_code == 404 and response.mimetype == "text/html"


def test_staff_launch_id_beyond_the_integer_range_is_404(client, login, admin):
    login(admin)
    assert client.get("/staff/launches/99999999999999999999").status_code == 404
    assert client.get("/staff/batches/99999999999999999999").status_code == 404


def test_dashboard_charts_every_indicator_with_data_for_the_callers_scope(client, login, admin,
                                                                           county):
    """The office sees one county chart per indicator; a supervisor one per indicator of their
    own zone; every chart the page links to is a PNG they may open."""
    import re

    from app.results.reports import county_report
    login(admin)
    html = client.get("/staff/").text
    keys = [i["key"] for i in county_report(None, "parent")["indicators"]
            if "." not in i["key"] and i["key"] != "satisfaction_alpha"]
    charts = re.findall(r'<img class="chart" src="([^"]+)"', html)
    assert keys and len(charts) == len(keys)
    assert all("/charts/county/" in src for src in charts)
    for src in charts:
        image = client.get(src.replace("&amp;", "&"))
        assert image.status_code == 200 and image.data[:8] == b"\x89PNG\r\n\x1a\n"
    client.post("/logout")
    login(county["zhang"])
    html = client.get("/staff/").text
    charts = re.findall(r'<img class="chart" src="([^"]+)"', html)
    assert charts and all("/charts/zone/CG/" in src for src in charts)
    assert client.get(charts[0].replace("&amp;", "&")).status_code == 200
