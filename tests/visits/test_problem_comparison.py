"""Before/after on a problem that concerns an indicator: the baseline, the school's figure in a
later year, the difference with its interval and significance; suppression respected."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from app.statistics.compare import difference_in_proportions

BEFORE = datetime(2025, 5, 1, 9, tzinfo=timezone.utc)


@pytest.fixture
def baseline_year(make_launch, school, add_responses, sleep_answers):
    """2025 at S100: 10 of 20 children sleep enough."""
    launch = make_launch("sleep", school=school)
    add_responses(launch, [sleep_answers("3", 10.5)] * 10 + [sleep_answers("3", 8)] * 10, when=BEFORE)
    return launch


def raise_sleep_problem(client, headers, visit):
    body = {"category": "sleep", "description": "睡眠不足", "deadline": "2026-06-30",
            "indicator": "sleep_compliance"}
    response = client.post(f"/api/v1/visits/{visit.id}/problems", json=body, headers=headers)
    assert response.status_code == 201
    return response.get_json()


def test_before_and_after_with_difference(client, token_for, supervisor, visit, baseline_year,
                                          add_responses, sleep_answers):
    headers = token_for(supervisor)
    problem = raise_sleep_problem(client, headers, visit)
    assert problem["audience"] == "parent"
    first = problem["comparison"]
    assert first["before"]["value"] == 0.5 and first["before"]["n"] == 20 and first["before"]["year"] == 2025
    assert first["after"] is None and first["difference"] is None    # nothing since yet
    add_responses(baseline_year, [sleep_answers("3", 10.5)] * 27 + [sleep_answers("3", 8)] * 3)   # 2026
    c = client.get(f"/api/v1/problems/{problem['id']}", headers=headers).get_json()["comparison"]
    assert c["after"]["year"] == 2026 and c["after"]["n"] == 30 and c["after"]["value"] == pytest.approx(0.9)
    expected = difference_in_proportions(27, 30, 10, 20)
    assert c["difference"] == pytest.approx(0.4)
    assert (c["ci_low"], c["ci_high"], c["p_value"]) == pytest.approx(
        (expected["ci_low"], expected["ci_high"], expected["p_value"]))
    assert c["significant"] is True and c["improved"] is True


def test_a_suppressed_after_hides_every_figure(client, token_for, supervisor, visit, baseline_year,
                                               add_responses, sleep_answers):
    headers = token_for(supervisor)
    problem = raise_sleep_problem(client, headers, visit)
    add_responses(baseline_year, [sleep_answers("3", 10.5)] * 4)   # 2026: too few to show
    c = client.get(f"/api/v1/problems/{problem['id']}", headers=headers).get_json()["comparison"]
    # As on the school page: the year is listed, its figure hidden (nothing published for 4 answers).
    assert c["suppressed"] is True and c["after"]["suppressed"] is True and c["after"]["year"] == 2026
    for side in (c["before"], c["after"]):
        assert side["value"] is None and side["ci_low"] is None and side["ci_high"] is None
    assert c["difference"] is None and c["p_value"] is None and c["ci_low"] is None


def test_a_suppressed_baseline_is_stored_without_figures(client, token_for, supervisor, visit, make_launch,
                                                         school, add_responses, sleep_answers):
    add_responses(make_launch("sleep", school=school), [sleep_answers("3", 10.5)] * 3, when=BEFORE)
    problem = raise_sleep_problem(client, token_for(supervisor), visit)
    before = problem["comparison"]["before"]
    assert before["suppressed"] is True and before["value"] is None and before["ci_low"] is None


def test_baseline_comes_from_the_submitted_visits_frozen_evidence(client, token_for, supervisor, make_visit,
                                                                   baseline_year):
    frozen = [{"audience": "parent", "year": 2025, "n": 20, "as_of": "2025-06-01T00:00:00+00:00",
               "indicators": [{"key": "sleep_compliance", "value": 0.45, "ci_low": 0.25, "ci_high": 0.65,
                               "n": 20, "suppressed": False}]}]
    visit = make_visit(status="submitted", evidence=frozen, flags=[])
    problem = raise_sleep_problem(client, token_for(supervisor), visit)
    before = problem["comparison"]["before"]
    # The frozen 0.45, not the live 0.5.
    assert (before["value"], before["as_of"], before["year"]) == (0.45, "2025-06-01T00:00:00+00:00", 2025)


def test_the_problem_page_shows_before_and_after(client, supervisor, visit, baseline_year, add_responses,
                                                 sleep_answers, token_for):
    problem = raise_sleep_problem(client, token_for(supervisor), visit)
    add_responses(baseline_year, [sleep_answers("3", 10.5)] * 27 + [sleep_answers("3", 8)] * 3)
    client.post("/login", data={"username": supervisor.username, "password": "password123"})
    page = client.get(f"/staff/problems/{problem['id']}")
    assert page.status_code == 200
    assert "50.0%" in page.text and "90.0%" in page.text and "+40.0%" in page.text
