"""Launching from the staff pages: one school, a whole zone with a ZIP of posters, closing early."""
from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest

from app.extensions import db
from app.launches.models import Launch, LaunchBatch, as_utc


def form(**fields) -> dict:
    """The launch form's fields, with defaults for one school."""
    return {"survey": "sleep", "audience": "parent", "scope": "school", "school": "", "zone": "",
            "closes_at": "", **fields}


@pytest.fixture
def zone_cg(make_zone, make_school):
    """Zone CG with two schools."""
    zone = make_zone(code="CG", name="城关责任区")
    make_school(code="S001", name="城关镇第一小学", zone=zone)
    make_school(code="S002", name="城关镇第二小学", zone=zone)
    return zone


def test_new_launch_page_offers_surveys_schools_and_zones(client, login, admin, zone_cg):
    login(admin)
    page = client.get("/staff/launches/new?school=S001")
    assert page.status_code == 200
    html = page.text
    assert 'value="sleep"' in html and 'value="satisfaction"' in html
    assert "城关镇第一小学" in html and "城关责任区" in html
    assert re.search(r'<option (selected value="S001"|value="S001" selected)', html)


def test_launch_at_one_school_from_the_form(client, login, admin, zone_cg):
    login(admin)
    closes = (datetime.now(ZoneInfo("Asia/Shanghai")) + timedelta(days=7)).date()
    response = client.post("/staff/launches/new",
                           data=form(school="S001", closes_at=closes.isoformat()))
    assert response.status_code == 302
    launch = db.session.query(Launch).one()
    assert urlsplit(response.headers["Location"]).path == f"/staff/launches/{launch.id}"
    assert launch.school.code == "S001" and launch.audience == "parent" and launch.batch_id is None
    assert launch.created_by_id == admin.id
    local_close = as_utc(launch.closes_at).astimezone(ZoneInfo("Asia/Shanghai"))
    assert (local_close.date(), local_close.hour, local_close.minute) == (closes, 23, 59)
    page = client.get(response.headers["Location"])
    assert page.status_code == 200 and "城关镇第一小学" in page.text and launch.token in page.text
    assert client.get(f"/s/{launch.token}").status_code == 200


def test_launch_for_a_zone_makes_a_batch_with_a_zip_of_posters(client, login, admin, zone_cg,
                                                              make_school, make_zone):
    make_school(code="S900", name="别区学校", zone=make_zone(code="XC"))
    login(admin)
    response = client.post("/staff/launches/new", data=form(scope="zone", zone="CG"))
    assert response.status_code == 302
    batch = db.session.query(LaunchBatch).one()
    assert urlsplit(response.headers["Location"]).path == f"/staff/batches/{batch.id}"
    assert sorted(l.school.code for l in batch.launches) == ["S001", "S002"]
    page = client.get(f"/staff/batches/{batch.id}")
    assert page.status_code == 200
    assert "城关镇第一小学" in page.text and "城关镇第二小学" in page.text and "别区学校" not in page.text
    assert f"/staff/batches/{batch.id}/posters.zip" in page.text

    download = client.get(f"/staff/batches/{batch.id}/posters.zip")
    assert download.status_code == 200 and download.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(download.data))
    assert archive.testzip() is None
    names = sorted(archive.namelist())
    assert len(names) == 2 and all(n.endswith(".pdf") for n in names)
    assert any("城关镇第一小学" in n for n in names) and any("城关镇第二小学" in n for n in names)
    assert all(archive.read(n).startswith(b"%PDF-") for n in names)


def test_county_wide_launch_from_the_form(client, login, admin, zone_cg, make_school):
    make_school(code="S900")
    login(admin)
    response = client.post("/staff/launches/new", data=form(scope="county"))
    assert response.status_code == 302
    assert db.session.query(Launch).count() == 3


def test_zone_scope_without_a_zone_is_refused(client, login, admin, zone_cg):
    login(admin)
    response = client.post("/staff/launches/new", data=form(scope="zone"))
    assert response.status_code == 400
    assert db.session.query(Launch).count() == 0


BAD_FORMS = [
    ({"school": ""}, 422),                              # no school chosen
    ({"school": "S001", "audience": "teacher"}, 422),   # the sleep survey is for parents
    ({"school": "S001", "closes_at": "2020-01-01"}, 422),
    ({"school": "S001", "closes_at": "not a date"}, 400),
    ({"school": "NOT-OFFERED"}, 400),
    ({"school": "S001", "survey": "no_such_survey"}, 400),
]


def test_bad_launch_form_is_shown_again_and_creates_nothing(client, login, admin, zone_cg):
    login(admin)
    for fields, status in BAD_FORMS:
        response = client.post("/staff/launches/new", data=form(**fields))
        assert response.status_code == status, fields
        assert response.mimetype == "text/html" and "<form" in response.text
    assert db.session.query(Launch).count() == 0


def test_supervisor_is_offered_and_may_launch_only_in_their_zones(client, login, zone_cg, make_user,
                                                                 make_school, make_zone):
    make_school(code="S900", name="别区学校", zone=make_zone(code="XC"))
    login(make_user("zhang", role="supervisor", zones=[zone_cg]))
    page = client.get("/staff/launches/new").text
    assert "城关镇第一小学" in page and "别区学校" not in page
    assert client.post("/staff/launches/new", data=form(school="S900")).status_code == 400
    assert client.post("/staff/launches/new", data=form(scope="county")).status_code == 403
    assert db.session.query(Launch).count() == 0
    assert client.post("/staff/launches/new", data=form(scope="zone", zone="CG")).status_code == 302
    assert db.session.query(Launch).count() == 2


def test_close_now_stops_the_public_form(client, login, admin, make_launch):
    launch = make_launch("sleep")
    login(admin)
    assert client.get(f"/s/{launch.token}").status_code == 200
    response = client.post(f"/staff/launches/{launch.id}/close", data={"confirm": "y"})
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == f"/staff/launches/{launch.id}"
    assert launch.closed_at is not None
    assert client.get(f"/s/{launch.token}").status_code == 410
    assert client.post(f"/api/v1/public/{launch.token}/responses", json={"answers": {}}).status_code == 410
    page = client.get(f"/staff/launches/{launch.id}").text
    assert f"/staff/launches/{launch.id}/close" not in page


def test_supervisor_cannot_close_another_zones_launch(client, login, make_launch, make_user, make_zone):
    launch = make_launch("sleep")
    login(make_user("zhang", role="supervisor", zones=[make_zone()]))
    assert client.post(f"/staff/launches/{launch.id}/close").status_code in (403, 404)
    assert launch.closed_at is None


def test_viewer_cannot_close_a_launch(client, login, make_launch, make_user):
    launch = make_launch("sleep")
    login(make_user("viewer", role="viewer"))
    assert client.post(f"/staff/launches/{launch.id}/close").status_code == 403
    assert launch.closed_at is None


def test_supervisor_cannot_open_another_zones_batch(client, login, admin, zone_cg, make_user,
                                                    make_zone):
    login(admin)
    client.post("/staff/launches/new", data=form(scope="zone", zone="CG"))
    batch = db.session.query(LaunchBatch).one()
    client.post("/logout")
    login(make_user("li", role="supervisor", zones=[make_zone()]))
    assert client.get(f"/staff/batches/{batch.id}").status_code == 404
    assert client.get(f"/staff/batches/{batch.id}/posters.zip").status_code == 404


WARNING = "PUBLIC_BASE_URL"


def test_launch_pages_warn_when_public_base_url_is_not_set(client, login, admin, zone_cg, make_launch):
    login(admin)
    launch = make_launch("sleep", school=zone_cg.schools[0])
    for path in ("/staff/launches/new", f"/staff/launches/{launch.id}"):
        page = client.get(path)
        assert page.status_code == 200 and WARNING in page.text, path


def test_launch_pages_do_not_warn_when_public_base_url_is_set(make_app, admin, zone_cg, make_launch):
    client = make_app(sync=False, PUBLIC_BASE_URL="https://dudao.example.gov.cn").test_client()
    client.post("/login", data={"username": "admin", "password": "password123"})  # literal: reading admin here pins an old SQLite snapshot
    launch = make_launch("sleep", school=zone_cg.schools[0])
    for path in ("/staff/launches/new", f"/staff/launches/{launch.id}"):
        page = client.get(path)
        assert page.status_code == 200 and WARNING not in page.text, path


@pytest.mark.parametrize("closes_at", ["9999-12-31", "2101-01-01"])
def test_closing_date_beyond_2100_on_the_form_is_a_422_page(client, login, admin, zone_cg, closes_at):
    login(admin)
    response = client.post("/staff/launches/new", data=form(school="S001", closes_at=closes_at))
    assert response.status_code == 422
    assert "2100" in response.text
    assert db.session.query(Launch).count() == 0
