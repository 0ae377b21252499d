"""GET /api/v1/launches/ID/summary: shape, access and suppression of small groups."""
from __future__ import annotations

from app.surveys.registry import definition_of
from support import valid_answers


def respond(client, launch, seed: int, **overrides) -> None:
    """Store one response through the public JSON endpoint."""
    survey = definition_of(launch.survey_version)
    answers = valid_answers(launch, seed=seed, **overrides)
    typed = {k: (float(v) if survey.question(k).type == "number" else v) for k, v in answers.items()}
    response = client.post(f"/api/v1/public/{launch.token}/responses", json={"answers": typed})
    assert response.status_code == 201, response.json


def test_summary_of_a_launch_without_responses(client, admin_headers, make_launch):
    launch = make_launch("sleep")
    response = client.get(f"/api/v1/launches/{launch.id}/summary", headers=admin_headers)
    assert response.status_code == 200
    summary = response.json
    assert {"n", "questions", "indicators"} <= set(summary)
    assert summary["n"] == 0
    survey = definition_of(launch.survey_version)
    assert [q["id"] for q in summary["questions"]] == [q.id for q in survey.questions]


def test_small_launch_shows_n_but_suppresses_every_figure(client, admin_headers, make_launch):
    launch = make_launch("sleep")
    for seed in range(3):
        respond(client, launch, seed, grade="3", sleep_hours="9.5")
    summary = client.get(f"/api/v1/launches/{launch.id}/summary", headers=admin_headers).json
    assert summary["n"] == 3
    for question in summary["questions"]:
        assert question["suppressed"] is True, question["id"]
        hidden = ("counts", "percentages", "mean", "median", "ci_low", "ci_high")
        assert all(question.get(name) is None for name in hidden), question
    indicators = {i["key"]: i for i in summary["indicators"]}
    assert "sleep_compliance" in indicators
    assert indicators["sleep_compliance"]["suppressed"] is True
    assert indicators["sleep_compliance"].get("value") is None


def test_summary_counts_appear_once_the_group_is_large_enough(make_app, make_launch, make_user,
                                                              token_for):
    launch = make_launch("sleep")
    headers = token_for(make_user("admin"))
    client = make_app(MIN_GROUP_SIZE=2).test_client()
    for seed, hours in enumerate(("9.5", "10", "11")):
        respond(client, launch, seed, grade="3", sleep_hours=hours)
    summary = client.get(f"/api/v1/launches/{launch.id}/summary", headers=headers).json
    questions = {q["id"]: q for q in summary["questions"]}
    assert summary["n"] == 3
    assert questions["grade"]["suppressed"] is False and questions["grade"]["counts"]["3"] == 3
    assert questions["sleep_hours"]["mean"] == (9.5 + 10 + 11) / 3
    compliance = {i["key"]: i for i in summary["indicators"]}["sleep_compliance"]
    assert compliance["suppressed"] is False and compliance["value"] == 2 / 3


def test_summary_of_an_unknown_launch_is_404(client, admin_headers):
    response = client.get("/api/v1/launches/987654/summary", headers=admin_headers)
    assert response.status_code == 404 and set(response.json) == {"error", "fields"}


def test_supervisor_of_another_zone_is_refused_the_summary(client, supervisor_headers, make_launch):
    launch = make_launch("sleep")
    response = client.get(f"/api/v1/launches/{launch.id}/summary", headers=supervisor_headers)
    assert response.status_code == 403 and set(response.json) == {"error", "fields"}


def test_supervisor_and_viewer_read_summaries_they_may_see(client, supervisor, supervisor_headers,
                                                          viewer_headers, make_launch, make_school):
    launch = make_launch("sleep", school=make_school(zone=supervisor.zones[0]))
    for headers in (supervisor_headers, viewer_headers):
        response = client.get(f"/api/v1/launches/{launch.id}/summary", headers=headers)
        assert response.status_code == 200 and response.json["n"] == 0
