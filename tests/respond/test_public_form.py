"""The anonymous HTML form: rendering, validation, one response per browser, bot guards."""
from __future__ import annotations

import time

from app.extensions import db
from app.responses.models import Response
from support import count_responses, days_from_now, form_ticket, valid_answers


def sleep_ok(launch) -> dict:
    """Valid answers to the sleep survey with known values for the measures."""
    return valid_answers(launch, grade="3", sleep_hours="9.5", bedtime="21:10")


def submit(client, launch, answers, **extra):
    page = client.get(f"/s/{launch.token}")
    return client.post(f"/s/{launch.token}", data={"_ticket": form_ticket(page.text), **answers, **extra})


def test_form_is_chinese_mobile_page_without_external_resources(client, make_launch):
    launch = make_launch("sleep")
    page = client.get(f"/s/{launch.token}")
    assert page.status_code == 200
    html = page.text
    assert 'lang="zh-CN"' in html and "学生睡眠情况调查" in html and launch.school.name in html
    assert 'name="viewport"' in html
    assert "http://" not in html.replace(launch.token, "") and "https://" not in html
    assert "<link" not in html and "src=" not in html  # everything inline, nothing fetched
    assert len(page.data) < 50 * 1024


def test_form_offers_only_the_grades_of_the_school_stage(client, make_launch, make_school):
    junior = make_launch("sleep", school=make_school(stage="junior"))
    html = client.get(f"/s/{junior.token}").text
    offered = {v for v in ("1", "6", "7", "9", "10") if f'name="grade" value="{v}"' in html}
    assert offered == {"7", "9"}


def test_kindergarten_form_has_no_grade_question(client, make_launch, make_school):
    launch = make_launch("satisfaction", school=make_school(stage="kindergarten"))
    html = client.get(f"/s/{launch.token}").text
    assert 'name="grade"' not in html


def test_english_switch(client, make_launch):
    launch = make_launch("sleep")
    html = client.get(f"/s/{launch.token}?lang=en").text
    assert 'lang="en"' in html and "Pupils&#39; sleep" in html


def test_valid_submission_is_stored_once_with_coarse_time_and_no_identity(client, make_launch):
    launch = make_launch("sleep")
    response = submit(client, launch, sleep_ok(launch))
    assert response.status_code == 200
    assert "dd_a=" in response.headers["Set-Cookie"]
    rows = db.session.query(Response).all()
    assert len(rows) == 1
    row = rows[0]
    assert (row.answers["grade"], row.answers["sleep_hours"], row.answers["bedtime"]) == ("3", 9.5, "21:10")
    assert (row.submitted_hour.minute, row.submitted_hour.second, row.submitted_hour.microsecond) == (0, 0, 0)
    columns = {c.name for c in Response.__table__.columns}
    # `step` is the disclosure gate's block number (NULL until published): a block holds at
    # least MIN_GROUP_SIZE responses, so it is coarser than the hour.
    assert columns == {"id", "launch_id", "school_id", "survey_version_id", "submitted_hour",
                       "receipt", "answers", "step"}


def test_same_browser_cannot_answer_twice(client, make_launch):
    launch = make_launch("sleep")
    assert submit(client, launch, sleep_ok(launch)).status_code == 200
    again = client.get(f"/s/{launch.token}")
    assert "already" in again.text.lower() or "已" in again.text
    assert 'name="_ticket"' not in again.text
    # A valid, fresh ticket (a form served to this browser before, or in another tab): only the
    # browser's answered cookie refuses it.
    fresh = form_ticket(client.application.test_client().get(f"/s/{launch.token}").text)
    second = client.post(f"/s/{launch.token}", data={"_ticket": fresh, **sleep_ok(launch)})
    assert second.status_code == 409
    assert count_responses() == 1


def test_the_answered_cookie_is_per_launch_and_kept_across_launches(client, make_launch):
    first, second = make_launch("sleep"), make_launch("sleep")
    assert submit(client, first, sleep_ok(first)).status_code == 200
    assert submit(client, second, sleep_ok(second)).status_code == 200
    assert client.get(f"/s/{first.token}").text.count('name="_ticket"') == 0
    assert client.get(f"/s/{second.token}").text.count('name="_ticket"') == 0
    assert count_responses() == 2


def test_a_forged_answered_cookie_is_ignored(client, make_launch):
    launch = make_launch("sleep")
    client.set_cookie("dd_a", f"[{launch.id}]", path="/s/")
    assert submit(client, launch, sleep_ok(launch)).status_code == 200
    assert count_responses() == 1


def test_the_same_form_sent_twice_is_stored_once_with_one_receipt(app, make_launch):
    """A double click, or back and submit again, from a browser that keeps no cookie."""
    launch = make_launch("sleep")
    ticket = form_ticket(app.test_client().get(f"/s/{launch.token}").text)
    pages = [app.test_client().post(f"/s/{launch.token}", data={"_ticket": ticket, **sleep_ok(launch)})
             for _ in range(2)]
    assert [p.status_code for p in pages] == [200, 200]
    receipt = db.session.query(Response).one().receipt
    assert all(receipt in p.text for p in pages)
    assert count_responses() == 1


def test_a_form_response_writes_no_other_row(client, make_launch):
    """Nothing written with a form response could be lined up with it (docs/privacy.md)."""
    from app.responses.models import SubmissionKey
    launch = make_launch("sleep")
    assert submit(client, launch, sleep_ok(launch)).status_code == 200
    db.session.rollback()
    assert db.session.query(SubmissionKey).count() == 0
    cookie = client.get_cookie("dd_a", path="/s/")
    assert cookie.expires.time().isoformat() == "00:00:00"  # no second of submission in the browser


def test_another_browser_can_answer(app, make_launch):
    launch = make_launch("sleep")
    for _ in range(2):
        assert submit(app.test_client(), launch, sleep_ok(launch)).status_code == 200
    assert count_responses() == 2


def test_invalid_answers_keep_what_was_given_and_store_nothing(client, make_launch):
    launch = make_launch("sleep")
    response = submit(client, launch, {**sleep_ok(launch), "sleep_hours": "30"})
    assert response.status_code == 422
    assert 'value="21:10"' in response.text and 'value="3" checked' in response.text
    assert 'class="err"' in response.text
    assert count_responses() == 0


def test_honeypot_submission_is_thanked_but_not_stored(client, make_launch):
    launch = make_launch("sleep")
    response = submit(client, launch, sleep_ok(launch), _hp_website="http://spam.example")
    assert response.status_code == 200
    assert count_responses() == 0


def test_too_quick_submission_is_refused_with_answers_kept(make_app, make_launch):
    app = make_app(FORM_MIN_SECONDS=3)
    with app.app_context():
        launch = make_launch("sleep")
        client = app.test_client()
        response = submit(client, launch, sleep_ok(launch))
        assert response.status_code == 400
        assert 'value="21:10"' in response.text
        assert count_responses() == 0


def test_submission_five_seconds_after_serving_is_accepted(make_app, make_launch, monkeypatch):
    app = make_app(FORM_MIN_SECONDS=3)
    with app.app_context():
        launch = make_launch("sleep")
        client = app.test_client()
        ticket = form_ticket(client.get(f"/s/{launch.token}").text)
        real = time.time
        monkeypatch.setattr(time, "time", lambda: real() + 5)
        response = client.post(f"/s/{launch.token}", data={"_ticket": ticket, **sleep_ok(launch)})
        assert response.status_code == 200
        assert count_responses() == 1


def test_submission_without_ticket_is_refused(client, make_launch):
    launch = make_launch("sleep")
    response = client.post(f"/s/{launch.token}", data=sleep_ok(launch))
    assert response.status_code == 400
    assert count_responses() == 0


def test_show_if_question_is_dropped_when_condition_not_met(client, make_launch):
    from app.surveys.registry import definition_of
    launch = make_launch("reading")
    survey = definition_of(launch.survey_version)
    dependent = next(q for q in survey.questions if q.show_if)
    controlling = survey.question(dependent.show_if.question)
    other = next(o.value for o in controlling.options if o.value not in dependent.show_if.values)
    html = client.get(f"/s/{launch.token}").text
    assert f'data-show-if="{controlling.id}"' in html
    # Everything required and shown gets an answer; the hidden question gets a bogus one.
    answers = {k: v for k, v in valid_answers(launch).items() if survey.question(k).show_if is None}
    answers[controlling.id] = other
    answers[dependent.id] = "not-an-option"
    response = submit(client, launch, answers)
    assert response.status_code == 200, response.text
    stored = db.session.query(Response).one().answers
    assert dependent.id not in stored


def test_unknown_closed_and_future_launches_have_clear_pages(client, make_launch):
    assert client.get("/s/doesnotexist").status_code == 404
    closed = make_launch("sleep", closes_at=days_from_now(-1))
    page = client.get(f"/s/{closed.token}")
    assert page.status_code == 410 and 'lang="zh-CN"' in page.text
    assert client.post(f"/s/{closed.token}", data=sleep_ok(closed)).status_code == 410
    future = make_launch("sleep", opens_at=days_from_now(2))
    assert client.get(f"/s/{future.token}").status_code == 403
    assert count_responses() == 0


def test_privacy_page_is_linked_from_the_form(client, make_launch):
    launch = make_launch("sleep")
    assert "/privacy" in client.get(f"/s/{launch.token}").text
    assert client.get("/privacy").status_code == 200
