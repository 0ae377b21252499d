"""Small groups never show a figure: launch summary, scope APIs, pages, charts, CSV, comments."""
from __future__ import annotations

import pytest


@pytest.fixture
def small_and_large(make_zone, make_school, make_launch, make_user, add_responses, sleep_answers):
    """Zone Z: school BIG with 30 answers, MID with 20, TINY with 4 (all 9.7 h at TINY)."""
    zone = make_zone(code="Z", name="测试区")
    schools = {code: make_school(code=code, name=f"{code}校", stage="primary", zone=zone)
               for code in ("BIG", "MID", "TINY")}
    launches = {code: make_launch("sleep", school=s) for code, s in schools.items()}
    add_responses(launches["BIG"], [sleep_answers("4", 10)] * 20 + [sleep_answers("4", 9)] * 10)
    add_responses(launches["MID"], [sleep_answers("5", 10)] * 12 + [sleep_answers("5", 8)] * 8)
    tiny = [dict(sleep_answers("2", 9.7), comments="我孩子在二班，班主任姓王") for _ in range(4)]
    add_responses(launches["TINY"], tiny)
    admin = make_user("office", "admin")
    supervisor = make_user("sup", "supervisor", zones=[zone])
    return {"launches": launches, "admin": admin, "supervisor": supervisor}


def login(client, user):
    response = client.post("/login", data={"username": user.username, "password": "password123"})
    assert response.status_code == 302


def test_launch_summary_of_a_small_launch_shows_only_counts_of_respondents(client, small_and_large, token_for):
    launch = small_and_large["launches"]["TINY"]
    summary = client.get(f"/api/v1/launches/{launch.id}/summary",
                         headers=token_for(small_and_large["admin"])).json
    assert summary["n"] == 4
    for question in summary["questions"]:
        assert question["suppressed"] is True
        assert all(question.get(k) is None for k in ("counts", "percentages", "mean", "median",
                                                        "ci_low", "ci_high"))
    assert summary["indicators"] and all(i["suppressed"] and i["value"] is None and i["ci_low"] is None
                                         for i in summary["indicators"])


def test_large_enough_question_shows_all_option_counts_even_small_ones(client, small_and_large, token_for):
    launch = small_and_large["launches"]["BIG"]
    summary = client.get(f"/api/v1/launches/{launch.id}/summary",
                         headers=token_for(small_and_large["admin"])).json
    grade = next(q for q in summary["questions"] if q["id"] == "grade")
    assert grade["suppressed"] is False and grade["counts"]["4"] == 30 and grade["counts"]["1"] == 0
    hours = next(q for q in summary["questions"] if q["id"] == "sleep_hours")
    assert hours["mean"] == pytest.approx((20 * 10 + 10 * 9) / 30)


def test_small_school_is_suppressed_and_counted_in_no_zone_figure(client, small_and_large, token_for):
    report = client.get("/api/v1/zones/Z/indicators?year=2026", headers=token_for(small_and_large["admin"])).json
    sleep = {s["code"]: next(i for i in s["indicators"] if i["key"] == "sleep_compliance")
             for s in report["schools"]}
    assert sleep["TINY"]["suppressed"] and sleep["TINY"]["value"] is None and sleep["TINY"]["n"] == 0
    assert next(s["n"] for s in report["schools"] if s["code"] == "TINY") == 4   # responded: shown
    # TINY's 4 answers are in no published figure, so zone − BIG − MID recovers nothing.
    zone_total = next(i for i in report["indicators"] if i["key"] == "sleep_compliance")
    assert not zone_total["suppressed"] and zone_total["n"] == sleep["BIG"]["n"] + sleep["MID"]["n"] == 50
    assert zone_total["value"] == pytest.approx((20 + 12) / 50)


def test_small_school_page_and_api_show_no_figures(client, small_and_large, token_for):
    report = client.get("/api/v1/schools/TINY/indicators?year=2026", headers=token_for(small_and_large["admin"])).json
    assert report["n"] == 4
    assert all(i["suppressed"] and i["value"] is None for i in report["indicators"])
    assert all(i["verdict"] in (None, "insufficient_data") for i in report["indicators"])
    login(client, small_and_large["admin"])
    page = client.get("/staff/schools/TINY?year=2026").text
    rows = page.split("<h2>")[1].split("</table>")[0].split("<tr>")[2:]  # the standards table
    assert len(rows) == len(report["indicators"])
    for row in rows:  # the school's own cell is the second one; zone and county stay visible
        assert row.split("<td>")[2].startswith('<span class="suppressed">')


def test_zone_chart_data_has_no_figures_for_hidden_schools(client, small_and_large):
    login(client, small_and_large["supervisor"])
    csv_text = client.get("/staff/charts/zone/Z/sleep_compliance.csv?year=2026").get_data(as_text=True)
    rows = {line.split(",")[0].lstrip("\ufeff"): line.split(",") for line in csv_text.strip().splitlines()}
    assert rows["TINY校"][2:5] == ["", "", ""] and rows["TINY校"][5] in ("是", "Yes")  # the hidden flag in words
    png = client.get("/staff/charts/zone/Z/sleep_compliance.png?year=2026")
    assert png.status_code == 200 and png.data[:8] == b"\x89PNG\r\n\x1a\n"


def test_comments_of_a_small_launch_are_never_shown(client, small_and_large):
    login(client, small_and_large["admin"])
    page = client.get(f"/staff/launches/{small_and_large['launches']['TINY'].id}").text
    assert "班主任姓王" not in page


def test_comments_are_shown_to_zone_staff_only(app, small_and_large, add_responses, sleep_answers,
                                              make_user):
    launch = small_and_large["launches"]["BIG"]
    add_responses(launch, [dict(sleep_answers("4", 10), comments="希望少留作业")])
    viewer = make_user("leader", "viewer")
    for user, visible in ((small_and_large["supervisor"], True), (small_and_large["admin"], True),
                          (viewer, False)):
        client = app.test_client()
        login(client, user)
        assert ("希望少留作业" in client.get(f"/staff/launches/{launch.id}").text) is visible


def test_a_small_school_enters_every_figure_at_once_when_it_reaches_the_threshold(
        client, small_and_large, token_for, add_responses, sleep_answers):
    headers = token_for(small_and_large["admin"])
    add_responses(small_and_large["launches"]["TINY"], [sleep_answers("2", 9.7)] * 6)
    zone = client.get("/api/v1/zones/Z/indicators?year=2026", headers=headers).json
    total = next(i for i in zone["indicators"] if i["key"] == "sleep_compliance")
    assert total["n"] == 60 and total["value"] == pytest.approx((20 + 12) / 60)
    report = client.get("/api/v1/schools/TINY/indicators?year=2026", headers=headers).json
    sleep = next(i for i in report["indicators"] if i["key"] == "sleep_compliance")
    assert sleep["n"] == 10 and sleep["value"] == 0.0 and not sleep["suppressed"]


@pytest.mark.parametrize("below", [True, False], ids=["one-under-the-threshold", "at-the-threshold"])
def test_comments_appear_exactly_when_the_launch_reaches_the_threshold(
        app, make_launch, make_user, add_responses, sleep_answers, below):
    """MIN_GROUP_SIZE - 1 respondents: no comment is shown; MIN_GROUP_SIZE: they are."""
    threshold = app.config["MIN_GROUP_SIZE"]
    launch = make_launch("sleep")
    count = threshold - 1 if below else threshold
    add_responses(launch, [dict(sleep_answers("3", 9.5), comments=f"第{i}条意见：午休太短")
                           for i in range(count)])
    client = app.test_client()
    login(client, make_user("office", "admin"))
    page = client.get(f"/staff/launches/{launch.id}")
    assert page.status_code == 200
    shown = sum(f"第{i}条意见：午休太短" in page.text for i in range(count))
    assert shown == (0 if below else count)
