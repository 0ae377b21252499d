"""Office staff set the county's targets; verdicts follow them at once."""
from __future__ import annotations

from tests.results.test_indicator_reports import county, indicator  # noqa: F401  (fixture)


def sign_in(app, user):
    client = app.test_client()
    assert client.post("/login", data={"username": user.username, "password": "password123"}).status_code == 302
    return client


def test_a_lower_target_turns_a_verdict_to_meets(app, county, token_for):  # noqa: F811
    headers = token_for(county["admin"])
    before = indicator(app.test_client().get("/api/v1/schools/A/indicators?year=2026", headers=headers).json,
                       "sleep_compliance")
    assert (before["target"], before["verdict"]) == (0.9, "does_not_meet")  # 18 of 30 = 60%
    client = sign_in(app, county["admin"])
    page = client.post("/staff/targets", data={"sleep_compliance": "55", "satisfaction_index": ""})
    assert page.status_code == 302
    after = indicator(client.get("/api/v1/schools/A/indicators?year=2026", headers=headers).json,
                      "sleep_compliance")
    assert (after["target"], after["verdict"]) == (0.55, "meets")
    assert 'value="55.0"' in client.get("/staff/targets").text


def test_an_empty_box_restores_the_default(app, county, token_for):  # noqa: F811
    client = sign_in(app, county["admin"])
    client.post("/staff/targets", data={"sleep_compliance": "55"})
    client.post("/staff/targets", data={"sleep_compliance": ""})
    report = client.get("/api/v1/schools/A/indicators?year=2026", headers=token_for(county["admin"])).json
    assert indicator(report, "sleep_compliance")["target"] == 0.9


def test_bad_targets_change_nothing(app, county):  # noqa: F811
    client = sign_in(app, county["admin"])
    for value in ("abc", "120", "-1"):
        response = client.post("/staff/targets", data={"sleep_compliance": value})
        assert response.status_code == 422 and "field-error" in response.text
    from app.results.models import CountyTarget
    from app.extensions import db
    assert db.session.query(CountyTarget).count() == 0


def test_only_office_staff_set_targets(app, county):  # noqa: F811
    for role in ("supervisor", "viewer"):
        client = sign_in(app, county[role])
        assert client.get("/staff/targets").status_code == 200
        assert client.post("/staff/targets", data={"sleep_compliance": "10"}).status_code == 403
