"""Who may see which result page, chart and chart CSV, also right after someone else loaded it
(charts are cached: the cache must never answer for a viewer the page would refuse)."""
from __future__ import annotations

import pytest


@pytest.fixture
def two_zones(make_zone, make_school, make_launch, make_user, add_responses, sleep_answers):
    z1, z2 = make_zone(code="Z1", name="一区"), make_zone(code="Z2", name="二区")
    schools = {code: make_school(code=code, name=f"{code}校", zone=zone)
               for code, zone in (("A1", z1), ("A2", z1), ("B1", z2), ("B2", z2))}
    for school in schools.values():
        add_responses(make_launch("sleep", school=school), [sleep_answers("3", 10)] * 10)
    return {"sup1": make_user("sup1", "supervisor", zones=[z1]), "sup2": make_user("sup2", "supervisor", zones=[z2]),
            "admin": make_user("office", "admin"), "viewer": make_user("leader", "viewer")}


def _client(app, user):
    client = app.test_client()
    response = client.post("/login", data={"username": user.username, "password": "password123"})
    assert response.status_code == 302
    return client


ZONE_URLS = ["/staff/zones/Z2/results?year=2026", "/staff/charts/zone/Z2/sleep_compliance.png?year=2026",
             "/staff/charts/zone/Z2/sleep_compliance.csv?year=2026",
             "/staff/charts/school/B1/sleep_compliance/trend.png?year=2026",
             "/staff/charts/school/B1/sleep_compliance/trend.csv?year=2026"]
COUNTY_URLS = ["/staff/county?year=2026", "/staff/charts/county/sleep_compliance.png?year=2026",
               "/staff/charts/county/sleep_compliance.csv?year=2026"]


@pytest.mark.parametrize("url", ZONE_URLS)
def test_another_zones_results_are_refused_even_after_their_supervisor_loaded_them(app, two_zones, url):
    first = _client(app, two_zones["sup2"]).get(url)
    assert first.status_code == 200 and len(first.data) > 0
    assert _client(app, two_zones["sup1"]).get(url).status_code == 404
    for role in ("admin", "viewer"):
        assert _client(app, two_zones[role]).get(url).status_code == 200


@pytest.mark.parametrize("url", COUNTY_URLS)
def test_county_results_are_for_the_office_and_viewers_only_even_when_cached(app, two_zones, url):
    for role in ("admin", "viewer"):
        response = _client(app, two_zones[role]).get(url)
        assert response.status_code == 200 and len(response.data) > 0
    for supervisor in ("sup1", "sup2"):
        assert _client(app, two_zones[supervisor]).get(url).status_code == 403


def test_a_supervisor_sees_their_own_zone_and_its_charts(app, two_zones):
    client = _client(app, two_zones["sup1"])
    for url in ZONE_URLS:
        assert client.get(url.replace("Z2", "Z1").replace("B1", "A1")).status_code == 200


def test_signed_out_visitors_get_no_result_or_chart(app, two_zones):
    _client(app, two_zones["admin"]).get(COUNTY_URLS[1])   # cached now
    client = app.test_client()
    for url in ZONE_URLS + COUNTY_URLS:
        assert client.get(url).status_code in (302, 401)
