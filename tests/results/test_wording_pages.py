"""Result pages, CSVs, dashboard and targets in plain words (read in English for exact text)."""
from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta, timezone

import pytest

from app.extensions import db


@pytest.fixture
def zone_z(make_zone, make_school, make_launch, make_user, add_responses, sleep_answers):
    """Zone Z in 2026: BIG (30 answers, 20 meet), OTHER (25, none meet), MID (20) and TINY (4:
    too few for the disclosure gate to publish, so hidden). BIG also has 30 answers in 2025
    (10 meet), for a change from last year."""
    zone = make_zone(code="Z", name="测试区")
    schools = {code: make_school(code=code, name=f"{code}校", stage="primary", zone=zone)
               for code in ("BIG", "OTHER", "MID", "TINY")}
    launches = {code: make_launch("sleep", school=s) for code, s in schools.items()}
    add_responses(launches["BIG"], [sleep_answers("4", 10)] * 20 + [sleep_answers("4", 9)] * 10)
    add_responses(launches["OTHER"], [sleep_answers("4", 8)] * 25)
    add_responses(launches["MID"], [sleep_answers("5", 10)] * 12 + [sleep_answers("5", 8)] * 8)
    add_responses(launches["TINY"], [sleep_answers("2", 9.7)] * 4)
    add_responses(launches["BIG"], [sleep_answers("4", 10)] * 10 + [sleep_answers("4", 9)] * 20,
                  when=datetime(2025, 6, 15, 9, tzinfo=timezone.utc))
    supervisor = make_user("sup", "supervisor", zones=[zone])
    return {"admin": make_user("office", "admin"), "supervisor": supervisor, "launches": launches}


def login(client, user):
    response = client.post("/login", data={"username": user.username, "password": "password123"})
    assert response.status_code == 302
    client.get("/staff/?lang=en")  # staff keep the language in their session


def test_zone_page_says_whether_schools_differ_in_words_and_labels_ranks(client, zone_z):
    login(client, zone_z["supervisor"])
    page = client.get("/staff/zones/Z/results?year=2026").text
    assert "The schools differ significantly (p&lt;0.001)" in page
    assert "p=0.000" not in page and "V=" not in page
    assert re.search(r"Rank 1 in the zone · group \d", page)
    assert "Ranks are within each zone" in page  # the line saying what a group is
    # The standard with its grade bands and units, under the indicator's name.
    assert "Grades 1-6: at least 10 hours a day" in page


def test_zone_page_draws_a_chart_for_every_indicator(client, zone_z):
    login(client, zone_z["supervisor"])
    page = client.get("/staff/zones/Z/results?year=2026").text
    charts = set(re.findall(r'<img class="chart" src="/staff/charts/zone/Z/([a-z_.]+)\.png', page))
    table_keys = set(re.findall(r"/staff/charts/zone/Z/([a-z_.]+)\.csv", page))
    assert charts and charts == table_keys


PARTNER_NOTE = "so that the results of a school with few answers cannot be worked out"


def test_a_small_school_is_marked_too_few_and_not_as_a_partner(client, zone_z):
    login(client, zone_z["admin"])
    tiny = client.get("/staff/schools/TINY?year=2026").text
    big = client.get("/staff/schools/BIG?year=2026").text
    assert "Too few responses" in tiny and PARTNER_NOTE not in tiny
    assert PARTNER_NOTE not in big


@pytest.mark.parametrize("item, partner", [
    ({"key": "sleep_compliance", "suppressed": True, "n": 24, "value": None}, True),
    ({"key": "sleep_compliance", "suppressed": True, "n": 4, "value": None}, False),
    ({"key": "sleep_compliance", "suppressed": False, "n": 24, "value": 0.5, "ci_low": 0.3, "ci_high": 0.7}, False),
])
def test_the_figure_cell_explains_a_partner_hidden_figure(app, item, partner):
    """A school with enough answers can still be hidden, as the partner of a small one (the
    complementary rule): its cell says why, and shows no figure."""
    from flask import render_template_string
    with app.test_request_context("/?lang=en"):
        cell = render_template_string('{% from "results/macros.html" import figure %}'
                                      '{{ figure(item, "sleep_compliance") }}', item=item)
    assert (PARTNER_NOTE in cell) == partner
    if item["suppressed"]:
        assert "%" not in cell
    else:
        assert "50.0%" in cell


def test_partner_hidden_figures_are_named_so_in_the_csv(app):
    from app.results.blueprint import figure_cells
    with app.test_request_context("/?lang=en"):
        partner = figure_cells({"suppressed": True, "n": 24, "value": None}, "sleep_compliance")
        small = figure_cells({"suppressed": True, "n": 4, "value": None}, "sleep_compliance")
        shown = figure_cells({"suppressed": False, "n": 24, "value": 0.456, "ci_low": 0.3,
                              "ci_high": 0.61}, "sleep_compliance")
        minutes = figure_cells({"suppressed": False, "n": 24, "value": 52.34, "ci_low": 40.0,
                                "ci_high": 61.0}, "homework_minutes_mean")
    assert partner[:4] == ["", "", "", "Yes"] and partner[4] not in ("", small[4])
    assert small == ["", "", "", "Yes", "Too few responses"]
    assert shown == ["45.6%", "30.0%", "61.0%", "No", ""]
    assert minutes[:3] == ["52.3", "40.0", "61.0"]


def test_school_page_has_a_target_column_and_the_change_in_words(client, zone_z):
    login(client, zone_z["admin"])
    page = client.get("/staff/schools/BIG?year=2026").text
    header = re.search(r"<tr><th>Indicator</th>(.*?)</tr>", page).group(1)
    assert "<th>Target</th>" in header
    row = re.search(r"<tr><td>Sleep time meets the standard.*?</tr>", page, re.S).group(0)
    cells = row.split("<td>")
    assert cells[3].startswith("90.0%")  # the target, in the column after the school's figure
    # 66.7% this year against 33.3% last year.
    assert "Up 33.3 percentage points on last year, a significant difference" in row
    assert "p=0.000" not in page


def test_csv_has_percentages_hidden_flags_in_words_and_the_reason(client, zone_z):
    login(client, zone_z["supervisor"])
    response = client.get("/staff/charts/zone/Z/sleep_compliance.csv?year=2026")
    rows = {r[0]: r for r in csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")))}
    assert rows["Group"] == ["Group", "n", "Value", "95% CI low", "95% CI high", "Suppressed", "Note"]
    assert rows["BIG校"][1:3] == ["30", "66.7%"] and re.fullmatch(r"\d+\.\d%", rows["BIG校"][3])
    assert rows["BIG校"][5:] == ["No", ""]
    assert rows["OTHER校"][2] == "0.0%"
    assert rows["TINY校"][2:] == ["", "", "", "Yes", "Too few responses"]


def test_chart_marks_hidden_figures_as_the_csv_and_table_do(client, zone_z, monkeypatch):
    from app.reporting import charts
    seen = {}

    def fake(labels, values, lows, highs, **options):
        seen.update(labels=labels, values=values, mask=options["suppressed_mask"],
                    marks=options["suppressed_labels"])
        return b"\x89PNG\r\n\x1a\n"
    monkeypatch.setattr(charts, "bar_chart_with_intervals", fake)
    login(client, zone_z["supervisor"])
    assert client.get("/staff/charts/zone/Z/sleep_compliance.png?year=2026").status_code == 200
    rows = {r[0]: r for r in csv.reader(io.StringIO(
        client.get("/staff/charts/zone/Z/sleep_compliance.csv?year=2026").get_data(as_text=True).lstrip("\ufeff")))}
    page = client.get("/staff/zones/Z/results?year=2026").text
    for label, value, hidden, mark in zip(seen["labels"], seen["values"], seen["mask"], seen["marks"]):
        assert hidden == (rows[label][5] == "Yes")
        assert mark == rows[label][6]
        if hidden:
            assert value is None and mark in page


def test_dashboard_lists_open_and_recently_closed_launches_apart(client, make_user, make_launch, make_school):
    from app.launches.models import Launch
    school = make_school(code="S1")
    past = datetime.now(timezone.utc) - timedelta(days=2)
    open_launch = make_launch("sleep", school=school)
    closed = make_launch("homework", school=school, closes_at=past)
    login(client, make_user("office", "admin"))
    page = client.get("/staff/").text
    sections = {m.group(1): m.group(2) for m in re.finditer(r"<h2>([^<(]+?)\s*(?:\(\d+\))?</h2>(.*?)(?=<h2>|$)",
                                                          page, re.S)}
    open_ids = set(re.findall(r"/staff/launches/(\d+)", sections["Open surveys"]))
    closed_ids = set(re.findall(r"/staff/launches/(\d+)", sections["Recently closed"]))
    assert open_ids == {str(open_launch.id)} and closed_ids == {str(closed.id)}
    assert db.session.get(Launch, closed.id).survey_version.version is not None
    assert not re.search(r">v\d+<", page)  # no version number after survey names


def test_targets_page_marks_only_the_targets_changed_by_a_save(client, make_user):
    from app.results.models import CountyTarget
    from app.results.targets import current_targets
    login(client, make_user("office", "admin"))
    page = client.get("/staff/targets").text
    boxes = dict(re.findall(r'name="([a-z_]+)" value="([^"]*)"', page))
    assert boxes["sleep_compliance"] == "90.0"
    # Post the form back as shown, with one box changed.
    response = client.post("/staff/targets", data={**boxes, "sleep_compliance": "85"})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).text
    assert re.findall(r'data-changed="([a-z_.]+)"', page) == ["sleep_compliance"]
    assert [t.key for t in db.session.query(CountyTarget)] == ["sleep_compliance"]
    assert current_targets()["sleep_compliance"]["value"] == pytest.approx(0.85)
    # Saving again without a change marks nothing and keeps the one custom target.
    boxes = dict(re.findall(r'name="([a-z_]+)" value="([^"]*)"', page))
    response = client.post("/staff/targets", data=boxes)
    assert re.findall(r'data-changed="', client.get(response.headers["Location"]).text) == []
    assert [t.key for t in db.session.query(CountyTarget)] == ["sleep_compliance"]
    # Typing the default back restores it: the target is no longer marked as the county's own.
    response = client.post("/staff/targets", data={**boxes, "sleep_compliance": "90"})
    assert re.findall(r'data-changed="([a-z_.]+)"', client.get(response.headers["Location"]).text) == [
        "sleep_compliance"]
    assert db.session.query(CountyTarget).count() == 0


def test_audience_mismatch_names_the_audience_in_words(app):
    from app.i18n import audience_name
    from app.launches.services import parse_launch_request
    from app.errors import InvalidInput
    with app.test_request_context("/?lang=en"):
        with pytest.raises(InvalidInput) as caught:
            parse_launch_request({"survey": "sleep", "audience": "teacher"})
        message = str(caught.value.fields["audience"])
        assert audience_name("parent") in message and "parent" not in message
