"""POST /api/v1/launches: one school or a whole zone, links that work, unguessable tokens."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest

from app.extensions import db
from app.launches.models import Launch, LaunchBatch, as_utc

LINK_KEYS = {"id", "token", "form_url", "qr_png_url", "qr_svg_url", "poster_pdf_url"}
SHANGHAI = ZoneInfo("Asia/Shanghai")


def launch(client, headers, **body):
    """POST a launch with sensible defaults."""
    return client.post("/api/v1/launches", json={"survey": "sleep", "audience": "parent", **body},
                       headers=headers)


def local_day(days: int) -> date:
    """A calendar day in the county's time zone."""
    return (datetime.now(SHANGHAI) + timedelta(days=days)).date()


def test_launch_at_a_school_is_201_with_its_links(client, admin_headers, make_school):
    school = make_school()
    response = launch(client, admin_headers, school=school.code)
    assert response.status_code == 201
    links = response.json
    assert set(links) == LINK_KEYS
    stored = db.session.get(Launch, links["id"])
    assert stored.token == links["token"] and stored.school_id == school.id
    assert stored.audience == "parent" and stored.closes_at is None and stored.closed_at is None
    assert stored.survey_version.survey.key == "sleep"
    assert links["form_url"].endswith(f"/s/{links['token']}")
    for key in ("form_url", "qr_png_url", "qr_svg_url", "poster_pdf_url"):
        assert urlsplit(links[key]).scheme in ("http", "https") and links["token"] in links[key]


def test_every_link_of_a_launch_serves_its_content_type(client, admin_headers, make_school):
    links = launch(client, admin_headers, school=make_school(name="城关镇第一小学").code).json
    form = client.get(links["form_url"])
    assert form.status_code == 200 and form.mimetype == "text/html"
    assert "城关镇第一小学" in form.text
    png = client.get(links["qr_png_url"])
    assert png.status_code == 200 and png.mimetype == "image/png"
    assert png.data.startswith(b"\x89PNG\r\n\x1a\n")
    svg = client.get(links["qr_svg_url"])
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml" and b"<svg" in svg.data
    pdf = client.get(links["poster_pdf_url"])
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF-")


def test_links_use_the_public_base_url_when_set(make_app, make_school, make_user, token_for):
    school = make_school()
    headers = token_for(make_user("admin"))
    client = make_app(PUBLIC_BASE_URL="https://dudao.example.gov.cn").test_client()
    links = launch(client, headers, school=school.code).json
    assert links["form_url"] == f"https://dudao.example.gov.cn/s/{links['token']}"
    assert links["poster_pdf_url"].startswith("https://dudao.example.gov.cn/s/")


def test_tokens_carry_at_least_80_bits_and_never_repeat(client, admin_headers, make_school, make_zone):
    zone = make_zone(code="BIG")
    for _ in range(15):
        make_school(zone=zone)
    tokens = [link["token"] for _ in range(3)
              for link in launch(client, admin_headers, zone="BIG").json["launches"]]
    tokens += [launch(client, admin_headers, school=zone.schools[0].code).json["token"]
               for _ in range(5)]
    assert len(tokens) == 50
    assert len(set(tokens)) == 50
    for token in tokens:
        assert re.fullmatch(r"[A-Za-z0-9_\-]{16,}", token), token


def test_closing_date_closes_at_the_end_of_that_local_day(client, admin_headers, make_school):
    day = local_day(3)
    response = launch(client, admin_headers, school=make_school().code, closes_at=day.isoformat())
    assert response.status_code == 201
    closes = as_utc(db.session.get(Launch, response.json["id"]).closes_at)
    expected = datetime(day.year, day.month, day.day, 23, 59, 59, tzinfo=SHANGHAI)
    assert closes == expected.astimezone(timezone.utc)


def test_closing_time_is_accepted_as_iso_datetime(client, admin_headers, make_school):
    school, day = make_school(), local_day(5)
    for suffix, utc_hour in (("T18:00:00+08:00", 10), ("T18:00:00Z", 18), ("T18:00", 10),
                             ("T18:00:00", 10)):
        response = launch(client, admin_headers, school=school.code, closes_at=day.isoformat() + suffix)
        assert response.status_code == 201, suffix
        closes = as_utc(db.session.get(Launch, response.json["id"]).closes_at)
        assert (closes.date(), closes.hour, closes.minute) == (day, utc_hour, 0), suffix


def test_basic_format_date_also_closes_at_the_end_of_that_day(client, admin_headers, make_school):
    day = local_day(3)
    response = launch(client, admin_headers, school=make_school().code, closes_at=day.strftime("%Y%m%d"))
    assert response.status_code == 201
    closes = as_utc(db.session.get(Launch, response.json["id"]).closes_at)
    expected = datetime(day.year, day.month, day.day, 23, 59, 59, tzinfo=SHANGHAI)
    assert closes == expected.astimezone(timezone.utc)


def test_past_closing_time_is_422(client, admin_headers, make_school):
    school = make_school()
    for closes_at in ("2020-01-01", "2020-01-01T08:00:00+08:00", local_day(-1).isoformat()):
        response = launch(client, admin_headers, school=school.code, closes_at=closes_at)
        assert response.status_code == 422 and "closes_at" in response.json["fields"], closes_at
    assert db.session.query(Launch).count() == 0


def test_closing_before_opening_is_422(client, admin_headers, make_school):
    response = launch(client, admin_headers, school=make_school().code,
                      opens_at=local_day(10).isoformat(), closes_at=local_day(5).isoformat())
    assert response.status_code == 422 and "closes_at" in response.json["fields"]


def test_scheduled_launch_opens_at_the_start_of_its_local_day(client, admin_headers, make_school):
    day = local_day(2)
    response = launch(client, admin_headers, school=make_school().code, opens_at=day.isoformat())
    assert response.status_code == 201
    stored = db.session.get(Launch, response.json["id"])
    expected = datetime(day.year, day.month, day.day, tzinfo=SHANGHAI).astimezone(timezone.utc)
    assert as_utc(stored.opens_at) == expected
    assert client.get(response.json["form_url"]).status_code == 403


def test_unreadable_closing_time_is_422(client, admin_headers, make_school):
    school = make_school()
    for closes_at in ("next week", "2026-13-45", "2026-12", 20261201, True, ["2030-01-01"],
                      {"date": "2030-01-01"}):
        response = launch(client, admin_headers, school=school.code, closes_at=closes_at)
        assert response.status_code == 422 and "closes_at" in response.json["fields"], closes_at
    assert db.session.query(Launch).count() == 0


def test_unknown_survey_is_422(client, admin_headers, make_school):
    response = launch(client, admin_headers, school=make_school().code, survey="no_such_survey")
    assert response.status_code == 422 and "survey" in response.json["fields"]
    assert db.session.query(Launch).count() == 0


def test_unknown_school_is_422(client, admin_headers, make_school):
    make_school(code="S1")
    for school in ("NOPE", "s1", "", None, 1):
        response = launch(client, admin_headers, school=school)
        assert response.status_code == 422 and "school" in response.json["fields"], school
    assert db.session.query(Launch).count() == 0


def test_audience_the_survey_is_not_for_is_422(client, admin_headers, make_school):
    school = make_school()
    for survey, audience in (("sleep", "student"), ("sleep", "teacher"), ("sleep_student", "parent"),
                             ("sleep", "pupil")):
        response = launch(client, admin_headers, school=school.code, survey=survey, audience=audience)
        assert response.status_code == 422 and "audience" in response.json["fields"], audience
    assert db.session.query(Launch).count() == 0


def test_missing_audience_defaults_to_the_only_one_the_survey_has(client, admin_headers, make_school):
    response = client.post("/api/v1/launches", json={"survey": "sleep_student",
                                                     "school": make_school().code},
                           headers=admin_headers)
    assert response.status_code == 201
    assert db.session.get(Launch, response.json["id"]).audience == "student"


def test_zone_launch_creates_one_launch_per_school_of_the_zone(client, admin_headers, make_school,
                                                               make_zone):
    zone, other = make_zone(code="CG"), make_zone(code="XC")
    schools = [make_school(zone=zone) for _ in range(3)]
    make_school(zone=other)
    response = launch(client, admin_headers, zone="CG")
    assert response.status_code == 201
    assert set(response.json) == {"batch", "launches"}
    assert all(set(link) == LINK_KEYS for link in response.json["launches"])
    launches = db.session.query(Launch).all()
    assert sorted(l.school_id for l in launches) == sorted(s.id for s in schools)
    batch = db.session.get(LaunchBatch, response.json["batch"])
    assert batch.scope == "zone:CG" and len(batch.launches) == 3
    assert {l.batch_id for l in launches} == {batch.id}


def test_county_launch_covers_every_school(client, admin_headers, make_school):
    schools = [make_school() for _ in range(3)]
    response = client.post("/api/v1/launches", json={"survey": "sleep", "county": True},
                           headers=admin_headers)
    assert response.status_code == 201 and len(response.json["launches"]) == 3
    assert {l.school_id for l in db.session.query(Launch)} == {s.id for s in schools}


def test_zone_launch_to_an_unknown_or_empty_zone_is_422(client, admin_headers, make_zone):
    make_zone(code="EMPTY")
    for zone in ("NOPE", "EMPTY"):
        response = launch(client, admin_headers, zone=zone)
        assert response.status_code == 422 and "zone" in response.json["fields"], zone
    assert db.session.query(Launch).count() == db.session.query(LaunchBatch).count() == 0


def test_zone_launch_with_a_bad_survey_creates_nothing(client, admin_headers, make_school, make_zone):
    make_school(zone=make_zone(code="CG"))
    response = launch(client, admin_headers, zone="CG", survey="sleep", audience="teacher")
    assert response.status_code == 422
    assert db.session.query(Launch).count() == db.session.query(LaunchBatch).count() == 0


def test_launching_a_survey_of_each_audience(client, admin_headers, make_school):
    school = make_school(stage="junior")
    for survey, audience in (("satisfaction", "parent"), ("homework_student", "student"),
                             ("phone", "parent")):
        response = launch(client, admin_headers, school=school.code, survey=survey, audience=audience)
        assert response.status_code == 201, survey
        assert client.get(response.json["form_url"]).status_code == 200


@pytest.mark.parametrize("field, value", [
    ("opens_at", "0001-01-01"), ("opens_at", "0001-01-01T00:00"), ("closes_at", "9999-12-31"),
    ("closes_at", "9999-12-31T23:59:59-14:00"), ("closes_at", "9999-12-31T23:59:59+14:00"),
    ("closes_at", "2101-01-01"), ("opens_at", "1999-12-31T23:00"),
])
def test_dates_outside_2000_to_2100_are_422_naming_the_field(client, admin_headers, make_school, field,
                                                              value):
    response = launch(client, admin_headers, school=make_school().code, **{field: value})
    assert response.status_code == 422, response.text
    assert set(response.json) == {"error", "fields"} and set(response.json["fields"]) == {field}
    assert "2000" in response.json["fields"][field] and "2100" in response.json["fields"][field]
    assert db.session.query(Launch).count() == 0


def test_closing_at_the_end_of_2100_with_any_offset_is_accepted(client, admin_headers, make_school):
    response = launch(client, admin_headers, school=make_school().code,
                      closes_at="2100-12-31T23:59:59-14:00")
    assert response.status_code == 201, response.text
    assert as_utc(db.session.get(Launch, response.json["id"]).closes_at) == datetime(
        2101, 1, 1, 13, 59, 59, tzinfo=timezone.utc)


ANSWERS = {"grade": "3", "sleep_hours": 9.5, "bedtime": "21:00", "wake_time": "06:40"}


def test_closing_a_launch_through_the_api_makes_later_answers_410(client, admin_headers, make_school):
    created = launch(client, admin_headers, school=make_school().code).json
    submit = lambda: client.post(f"/api/v1/public/{created['token']}/responses", json={"answers": ANSWERS})
    assert submit().status_code == 201
    closed = client.post(f"/api/v1/launches/{created['id']}/close", headers=admin_headers)
    assert closed.status_code == 200 and closed.json["state"] == "closed"
    assert submit().status_code == 410
    assert client.post(f"/api/v1/launches/{created['id']}/close", headers=admin_headers).status_code == 200


def test_closing_is_for_the_zones_supervisors_and_admins_only(client, admin_headers, make_school, make_zone,
                                                              make_user, token_for):
    mine, other = make_zone(), make_zone()
    created = launch(client, admin_headers, school=make_school(zone=other).code).json
    url = f"/api/v1/launches/{created['id']}/close"
    assert client.post(url, headers=token_for(make_user("sup", "supervisor", zones=[mine]))).status_code == 403
    assert client.post(url, headers=token_for(make_user("viewer", "viewer"))).status_code == 403
    assert client.post("/api/v1/launches/999999/close", headers=admin_headers).status_code == 404
    assert client.post(url).status_code == 401
    assert db.session.get(Launch, created["id"]).closed_at is None
