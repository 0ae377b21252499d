"""Indicators per school, zone and county through the API: values, comparisons, access."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from statsmodels.stats.proportion import proportion_confint

from app.extensions import db


def indicator(report, key):
    return next(i for i in report["indicators"] if i["key"] == key)


@pytest.fixture
def county(make_zone, make_school, make_user, make_launch, add_responses, sleep_answers):
    """Two zones; school A (nine-year) with known sleep answers in 2025 and 2026."""
    north, south = make_zone(code="N", name="北区"), make_zone(code="S", name="南区")
    a = make_school(code="A", name="甲校", stage="nine_year", zone=north)
    b = make_school(code="B", name="乙校", stage="primary", zone=north)
    c = make_school(code="C", name="丙校", stage="primary", zone=south)
    launch_a, launch_b, launch_c = (make_launch("sleep", school=s) for s in (a, b, c))
    # 2026 at A: 12 grade-3 children sleep 9.5 h (primary needs 10: fail), 8 grade-8 children
    # sleep 9.5 h (junior needs 9: pass), 10 grade-4 children sleep 10 h (pass) -> 18 of 30.
    add_responses(launch_a, [sleep_answers("3", 9.5)] * 12 + [sleep_answers("8", 9.5)] * 8
                  + [sleep_answers("4", 10)] * 10)
    # 2025 at A: 10 of 20 pass.
    add_responses(launch_a, [sleep_answers("3", 10.5)] * 10 + [sleep_answers("3", 8)] * 10,
                  when=datetime(2025, 5, 1, 9, tzinfo=timezone.utc))
    add_responses(launch_b, [sleep_answers("2", 10)] * 25)
    add_responses(launch_c, [sleep_answers("5", 9)] * 15)
    admin = make_user("office", "admin")
    supervisor = make_user("north_sup", "supervisor", zones=[north])
    other = make_user("south_sup", "supervisor", zones=[south])
    viewer = make_user("leader", "viewer")
    return {"a": a, "b": b, "c": c, "admin": admin, "supervisor": supervisor, "other": other,
            "viewer": viewer, "launch_a": launch_a}


def test_school_sleep_compliance_uses_each_childs_own_grade(client, county, token_for):
    report = client.get("/api/v1/schools/A/indicators?year=2026", headers=token_for(county["admin"])).json
    sleep = indicator(report, "sleep_compliance")
    assert (sleep["n"], sleep["value"]) == (30, 18 / 30)
    low, high = proportion_confint(18, 30, method="wilson")
    assert sleep["ci_low"] == pytest.approx(low, abs=1e-12) and sleep["ci_high"] == pytest.approx(high, abs=1e-12)
    assert sleep["suppressed"] is False and sleep["target"] == 0.9 and sleep["verdict"] == "does_not_meet"
    assert report["n"] == 30 and report["year"] == 2026 and report["years"] == [2025, 2026]


def test_school_is_compared_with_zone_county_and_last_year(client, county, token_for):
    report = client.get("/api/v1/schools/A/indicators?year=2026", headers=token_for(county["admin"])).json
    sleep = indicator(report, "sleep_compliance")
    assert sleep["zone"]["n"] == 55 and sleep["zone"]["value"] == pytest.approx((18 + 25) / 55)
    assert sleep["county"]["n"] == 70 and sleep["county"]["value"] == pytest.approx((18 + 25) / 70)
    previous = sleep["previous"]
    assert previous["year"] == 2025 and previous["value"] == 0.5
    assert previous["difference"] == pytest.approx(18 / 30 - 0.5)
    assert previous["ci_low"] < previous["difference"] < previous["ci_high"]
    assert 0 < previous["p_value"] < 1
    assert [p["period"] for p in sleep["trend"]["periods"]] == [2025, 2026]


def test_zone_report_ranks_schools_with_intervals(client, county, token_for):
    report = client.get("/api/v1/zones/N/indicators?year=2026", headers=token_for(county["supervisor"])).json
    assert report["n"] == 55 and [s["code"] for s in report["schools"]] == ["A", "B"]
    by_code = {s["code"]: indicator(s, "sleep_compliance") for s in report["schools"]}
    assert by_code["B"]["value"] == 1.0 and by_code["B"]["rank"] == 1
    assert by_code["A"]["rank"] == 2
    # Intervals do not overlap (0.42-0.75 vs 0.87-1.0): two separate tie groups.
    assert by_code["A"]["tie_group"] != by_code["B"]["tie_group"]


def test_county_report_lists_zones_and_schools(client, county, token_for):
    for user in ("admin", "viewer"):
        report = client.get("/api/v1/county/indicators?year=2026", headers=token_for(county[user])).json
        assert report["n"] == 70
        assert [z["code"] for z in report["zones"]] == ["N", "S"]
        assert {s["code"] for s in report["schools"]} == {"A", "B", "C"}


def test_access_to_scopes_follows_roles(client, county, token_for):
    other = token_for(county["other"])
    assert client.get("/api/v1/schools/A/indicators", headers=other).status_code == 403
    assert client.get("/api/v1/zones/N/indicators", headers=other).status_code == 403
    assert client.get("/api/v1/county/indicators", headers=other).status_code == 403
    assert client.get("/api/v1/schools/C/indicators", headers=other).status_code == 200
    assert client.get("/api/v1/schools/NOPE/indicators", headers=other).status_code == 404
    assert client.get("/api/v1/county/indicators").status_code == 401


@pytest.mark.parametrize("query, field", [("year=abc", "year"), ("year=1800", "year"),
                                          ("audience=robots", "audience")])
def test_bad_scope_parameters_are_422(client, county, token_for, query, field):
    response = client.get(f"/api/v1/county/indicators?{query}", headers=token_for(county["admin"]))
    assert response.status_code == 422 and field in response.json["fields"]


def test_openapi_describes_the_indicator_endpoints(client):
    spec = client.get("/api/v1/openapi.json").json
    for path in ("/api/v1/schools/{code}/indicators", "/api/v1/zones/{code}/indicators",
                 "/api/v1/county/indicators", "/api/v1/launches/{id}/summary",
                 "/api/v1/public/{token}/responses"):
        assert path in spec["paths"]


def test_new_responses_refresh_cached_results(client, county, token_for, add_responses, sleep_answers):
    headers = token_for(county["admin"])
    before = client.get("/api/v1/schools/C/indicators?year=2026", headers=headers).json
    add_responses(db.session.merge(county["launch_a"]), [sleep_answers("3", 11)] * 10)
    after = client.get("/api/v1/schools/A/indicators?year=2026", headers=headers).json
    assert indicator(after, "sleep_compliance")["n"] == 40
    assert indicator(before, "sleep_compliance")["n"] == 15


def test_fewer_new_responses_than_the_threshold_move_no_figure(client, county, token_for, add_responses,
                                                               sleep_answers):
    headers = token_for(county["admin"])
    before = client.get("/api/v1/schools/A/indicators?year=2026", headers=headers).json
    add_responses(db.session.merge(county["launch_a"]), [sleep_answers("3", 6)] * 9)
    after = client.get("/api/v1/schools/A/indicators?year=2026", headers=headers).json
    assert indicator(after, "sleep_compliance") == indicator(before, "sleep_compliance")
    add_responses(db.session.merge(county["launch_a"]), [sleep_answers("3", 6)])
    moved = client.get("/api/v1/schools/A/indicators?year=2026", headers=headers).json
    assert indicator(moved, "sleep_compliance")["n"] == indicator(before, "sleep_compliance")["n"] + 10


def test_pages_and_reports_of_an_audience_nobody_answered_are_empty_not_errors(client, make_school, make_user, token_for):
    make_school(code="E", name="空校")
    admin = make_user("office", "admin")
    report = client.get("/api/v1/schools/E/indicators?audience=teacher", headers=token_for(admin)).json
    assert (report["n"], report["indicators"], report["years"]) == (0, [], [])
    assert client.post("/login", data={"username": "office", "password": "password123"}).status_code == 302
    for page in ("/staff/schools/E?audience=teacher", "/staff/county?audience=student",
                 f"/staff/zones/{report['scope']['zone']}/results?audience=teacher"):
        assert client.get(page).status_code == 200, page


def test_zone_report_tests_whether_schools_differ(client, county, token_for):
    report = client.get("/api/v1/zones/N/indicators?year=2026", headers=token_for(county["admin"])).json
    sleep_test = report["differences"]["sleep_compliance"]
    # A: 18 of 30 meet the standard, B: 25 of 25 -> a clear difference.
    from scipy.stats import chi2_contingency
    chi2, p, _dof, _expected = chi2_contingency([[18, 12], [25, 0]], correction=False)
    assert sleep_test["test"] == "chi_square" and sleep_test["p_value"] == pytest.approx(p)
    assert sleep_test["cramers_v"] == pytest.approx((chi2 / 55) ** 0.5)
