"""Public-side fixes: real errors before "too quick", the timer never restarts, error links use
the printed question numbers, named exclusive options, the launch definition JSON, privacy back
link, icons without emoji, favicon, compression, the poster's stated duration."""
from __future__ import annotations

import gzip
import re
import time

from app.surveys.registry import definition_of
from support import count_responses, form_ticket, valid_answers


def sleep_ok(launch) -> dict:
    return valid_answers(launch, grade="3", sleep_hours="9.5", bedtime="21:10")


def test_a_quick_submission_with_empty_required_answers_hears_please_answer_not_too_fast(
        make_app, make_launch):
    app = make_app(FORM_MIN_SECONDS=3)
    with app.app_context():
        launch = make_launch("sleep")
        client = app.test_client()
        ticket = form_ticket(client.get(f"/s/{launch.token}").text)
        response = client.post(f"/s/{launch.token}", data={"_ticket": ticket})
        assert response.status_code == 422
        assert "请回答此题" in response.text
        assert "很快" not in response.text and "too quick" not in response.text.lower()
        assert count_responses() == 0


def test_an_error_page_keeps_the_first_ticket_so_a_corrected_form_is_not_refused_again(
        make_app, make_launch, monkeypatch):
    app = make_app(FORM_MIN_SECONDS=3)
    with app.app_context():
        launch = make_launch("sleep")
        client = app.test_client()
        first = form_ticket(client.get(f"/s/{launch.token}").text)
        broken = {**sleep_ok(launch), "sleep_hours": "99"}
        error_page = client.post(f"/s/{launch.token}", data={"_ticket": first, **broken})
        assert error_page.status_code == 422
        assert form_ticket(error_page.text) == first  # the clock keeps running from the first serve
        real = time.time
        monkeypatch.setattr(time, "time", lambda: real() + 4)
        fixed = client.post(f"/s/{launch.token}", data={"_ticket": form_ticket(error_page.text),
                                                        **sleep_ok(launch)})
        assert fixed.status_code == 200
        assert count_responses() == 1


def test_a_too_quick_but_valid_form_is_shown_again_with_the_same_ticket(make_app, make_launch):
    app = make_app(FORM_MIN_SECONDS=3)
    with app.app_context():
        launch = make_launch("sleep")
        client = app.test_client()
        first = form_ticket(client.get(f"/s/{launch.token}").text)
        response = client.post(f"/s/{launch.token}", data={"_ticket": first, **sleep_ok(launch)})
        assert response.status_code == 400
        assert form_ticket(response.text) == first
        assert count_responses() == 0


def test_error_summary_links_use_the_question_numbers_printed_on_the_page(client, make_launch):
    launch = make_launch("sleep")
    survey = definition_of(launch.survey_version)
    page = client.get(f"/s/{launch.token}").text
    printed = dict(re.findall(r'id="q-([a-z_0-9]+)".*?<span class="num">(\d+)\.</span>', page, re.S))
    # Leave the last two required, always-shown questions empty.
    required = [q.id for q in survey.questions if q.required and q.show_if is None
                and q.type != "grade"][-2:]
    answers = {k: v for k, v in sleep_ok(launch).items() if k not in required}
    response = client.post(f"/s/{launch.token}", data={"_ticket": form_ticket(page), **answers})
    assert response.status_code == 422
    summary = re.search(r'<div class="errsum".*?</div>', response.text, re.S).group(0)
    links = re.findall(r'href="#q-([a-z_0-9]+)">([^<]+)</a>', summary)
    assert [qid for qid, _ in links] == required
    for qid, text in links:
        assert re.findall(r"\d+", text) == [printed[qid]]


def test_an_exclusive_option_error_names_that_option(client, make_launch, token_for, make_user):
    launch = make_launch("sleep")
    survey = definition_of(launch.survey_version)
    question = next(q for q in survey.questions if any(o.exclusive for o in q.options))
    exclusive = next(o for o in question.options if o.exclusive)
    other = next(o for o in question.options if not o.exclusive)
    answers = dict(sleep_ok(launch))
    if question.show_if is not None:
        condition = survey.question(question.show_if.question)
        value = question.show_if.values[0]
        answers[condition.id] = [value] if condition.type == "multiple" else value
    answers[question.id] = [exclusive.value, other.value]
    response = client.post(f"/api/v1/public/{launch.token}/responses", json={"answers": answers})
    assert response.status_code == 422
    assert exclusive.label["zh"] in response.json["fields"][question.id]
    assert count_responses() == 0


def test_the_launch_definition_json_offers_its_schools_grades_and_round_trips(
        client, make_launch, make_school):
    launch = make_launch("sleep", school=make_school(stage="junior"))
    definition = client.get(f"/api/v1/public/{launch.token}").json
    [grade] = [q for q in definition["questions"] if q["type"] == "grade"]
    assert [o["value"] for o in grade["options"]] == ["7", "8", "9"]
    assert definition["submit_url"] == f"/api/v1/public/{launch.token}/responses"
    assert definition["minutes"] == 2
    assert client.get("/api/v1/public/nosuchtoken").status_code == 404


def test_the_privacy_page_links_back_to_the_form_it_was_opened_from(client, make_launch):
    launch = make_launch("sleep")
    form = client.get(f"/s/{launch.token}").text
    link = re.search(r'href="(/privacy[^"]*)"', form).group(1).replace("&amp;", "&")
    assert f"back={launch.token}" in link
    privacy = client.get(link).text
    assert f'href="/s/{launch.token}"' in privacy
    # Only launch-token shapes are linked back to: no open redirect.
    assert "//evil" not in client.get("/privacy?back=//evil.example").text


def test_result_pages_draw_their_icons_instead_of_using_emoji(client, make_launch):
    from support import days_from_now
    closed = make_launch("sleep", closes_at=days_from_now(-1))
    page = client.get(f"/s/{closed.token}").text
    assert "<svg" in page and "⏱" not in page


def test_favicon_is_served(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.data[:4] == b"\x00\x00\x01\x00"  # the ICO signature


def test_pages_are_gzip_compressed_when_the_browser_accepts_it(client, make_launch):
    launch = make_launch("sleep")
    plain = client.get(f"/s/{launch.token}")
    packed = client.get(f"/s/{launch.token}", headers={"Accept-Encoding": "gzip"})
    assert packed.headers["Content-Encoding"] == "gzip"
    assert len(packed.data) < len(plain.data) / 2
    assert "学生睡眠" in gzip.decompress(packed.data).decode("utf-8")


def test_the_poster_states_the_surveys_own_duration(client, make_launch):
    import subprocess
    from support import require_tool
    require_tool("pdftotext", package="poppler-utils")
    launch = make_launch("teacher_workload", audience="teacher")
    minutes = definition_of(launch.survey_version).minutes
    assert minutes == 3  # the survey says "约3分钟" of itself; the others say 2
    pdf = client.get(f"/s/{launch.token}/poster.pdf")
    assert pdf.status_code == 200, pdf.status_code
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf.data, capture_output=True).stdout.decode()
    assert f"约{minutes}分钟" in text.replace(" ", "")
