"""The visit pages: list, new, edit draft, detail, print and the school pages' last visit, for
each role, and the form posts that save, submit and amend."""
from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from app.extensions import db
from app.visits.models import Visit


def form_data(**overrides):
    """A filled-in visit form as the browser posts it."""
    data = {"date": "2026-06-10", "kind": "routine", "theme": "作业管理",
            "methods": ["campus_patrol", "homework_inspection"], "observations": "看了作业公示栏",
            "check-homework_within_limits": "yes", "check-phones_managed": "no",
            "check-sleep_protected": "", "action": "save"}
    data.update(overrides)
    return data


@pytest.fixture
def submitted(make_visit, admin):
    """A submitted record at `school`."""
    return make_visit(status="submitted", evidence=[], flags=[], observations="已提交的原文")


def test_list_page_for_each_role(page_as, visit, submitted, admin, supervisor, viewer, other_supervisor):
    for user in (admin, supervisor, viewer):
        page = page_as(user).get("/staff/visits/")
        assert page.status_code == 200
        assert f"/staff/visits/{visit.id}" in page.text and f"/staff/visits/{submitted.id}" in page.text
        assert 'class="table-wrap"' in page.text
    # The supervisor sees the draft under "my drafts" (a link to continue it).
    assert f"/staff/visits/{visit.id}/edit" in page_as(supervisor).get("/staff/visits/").text
    assert f"/staff/visits/{visit.id}/edit" not in page_as(viewer).get("/staff/visits/").text
    # Another zone's supervisor does not see these records at all.
    assert f"/staff/visits/{visit.id}" not in page_as(other_supervisor).get("/staff/visits/").text


def test_list_filters_and_bad_month(page_as, visit, admin):
    browser = page_as(admin)
    assert f"/staff/visits/{visit.id}" in browser.get("/staff/visits/?month=2026-06&school=S100").text
    assert f"/staff/visits/{visit.id}" not in browser.get("/staff/visits/?month=2026-07").text
    assert browser.get("/staff/visits/?month=July").status_code == 422


def test_new_form_shows_the_evidence_above_it(page_as, supervisor, school, make_launch, add_responses,
                                              sleep_answers):
    add_responses(make_launch("sleep", school=school), [sleep_answers("3", 8)] * 20)
    browser = page_as(supervisor)
    assert 'name="school"' in browser.get("/staff/visits/new").text   # first, pick the school
    page = browser.get("/staff/visits/new?school=S100")
    assert page.status_code == 200
    assert page.text.index("vi-evidence") < page.text.index('name="check-sleep_protected"')
    assert 'type="checkbox"' in page.text and 'value="campus_patrol"' in page.text
    assert "0.0%" in page.text   # 0 of 20 sleep enough: the live figure is on the form
    assert browser.get("/staff/visits/new?school=NOPE").status_code == 422


def test_new_form_access(page_as, viewer, other_supervisor, school):
    assert page_as(viewer).get("/staff/visits/new?school=S100").status_code == 403
    assert page_as(other_supervisor).get("/staff/visits/new?school=S100").status_code == 403
    assert page_as(other_supervisor).post("/staff/visits/new?school=S100", data=form_data()).status_code == 403
    assert db.session.scalars(select(Visit)).all() == []


def test_saving_the_form_creates_a_draft(page_as, supervisor, school):
    response = page_as(supervisor).post("/staff/visits/new", data={"school": "S100", **form_data()})
    assert response.status_code == 302
    visit = db.session.scalars(select(Visit)).one()
    assert response.headers["Location"].endswith(f"/staff/visits/{visit.id}/edit")
    assert visit.status == "draft" and visit.theme == "作业管理"
    assert visit.methods == ["campus_patrol", "homework_inspection"]
    # "Not checked" leaves the item out; yes/no are stored as true/false.
    assert visit.checklist == {"homework_within_limits": True, "phones_managed": False}
    assert [u.username for u in visit.supervisors] == ["sup"]


def test_submitting_the_form_locks_the_record(page_as, supervisor, school):
    browser = page_as(supervisor)
    response = browser.post("/staff/visits/new", data={"school": "S100", **form_data(action="submit")})
    visit = db.session.scalars(select(Visit)).one()
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/staff/visits/{visit.id}")
    assert visit.status == "submitted" and visit.evidence == [] and visit.evidence_as_of is not None
    # The edit page of a submitted record sends back to the record.
    assert browser.get(f"/staff/visits/{visit.id}/edit").status_code == 302


def test_an_invalid_form_names_the_field(page_as, supervisor, school):
    page = page_as(supervisor).post("/staff/visits/new", data={"school": "S100", **form_data(date="")})
    assert page.status_code == 422 and 'class="field-error"' in page.text
    assert db.session.scalars(select(Visit)).all() == []


def test_editing_a_draft(page_as, visit, supervisor, other_supervisor, viewer, admin):
    browser = page_as(supervisor)
    page = browser.get(f"/staff/visits/{visit.id}/edit")
    assert page.status_code == 200 and 'name="check-phones_managed"' in page.text
    response = browser.post(f"/staff/visits/{visit.id}/edit",
                            data=form_data(observations="第二次保存", **{"check-phones_managed": "yes"}))
    assert response.status_code == 302
    db.session.refresh(visit)
    assert visit.observations == "第二次保存" and visit.checklist["phones_managed"] is True
    assert page_as(admin).get(f"/staff/visits/{visit.id}/edit").status_code == 200
    for user in (other_supervisor, viewer):
        assert page_as(user).get(f"/staff/visits/{visit.id}/edit").status_code == 403
        assert page_as(user).post(f"/staff/visits/{visit.id}/edit", data=form_data()).status_code == 403


def test_detail_and_print_for_each_role(page_as, submitted, admin, supervisor, viewer, other_supervisor):
    for user in (admin, supervisor, viewer):
        browser = page_as(user)
        page = browser.get(f"/staff/visits/{submitted.id}")
        assert page.status_code == 200 and "已提交的原文" in page.text
        assert f"/staff/visits/{submitted.id}/print" in page.text
        printed = browser.get(f"/staff/visits/{submitted.id}/print")
        assert printed.status_code == 200 and "已提交的原文" in printed.text
    # Writers get the link to raise a problem on the record; viewers do not.
    assert f"/staff/visits/{submitted.id}/problems/new" in page_as(supervisor).get(f"/staff/visits/{submitted.id}").text
    assert f"/staff/visits/{submitted.id}/problems/new" not in page_as(viewer).get(f"/staff/visits/{submitted.id}").text
    for path in ("", "/print"):
        assert page_as(other_supervisor).get(f"/staff/visits/{submitted.id}{path}").status_code == 403
    assert page_as(admin).get("/staff/visits/999999").status_code == 404


def test_detail_shows_the_flags(page_as, supervisor, school, make_launch, add_responses, sleep_answers):
    add_responses(make_launch("sleep", school=school), [sleep_answers("3", 8)] * 30)
    browser = page_as(supervisor)
    browser.post("/staff/visits/new", data={"school": "S100", **form_data(
        action="submit", **{"check-sleep_protected": "yes"})})
    visit = db.session.scalars(select(Visit)).one()
    assert [f["item"] for f in visit.flags] == ["sleep_protected"]
    page = browser.get(f"/staff/visits/{visit.id}")
    assert 'class="vi-flags"' in page.text and visit.flags[0]["message"] in page.text


def test_submit_and_amend_from_the_record_page(page_as, visit, supervisor, viewer):
    browser = page_as(supervisor)
    assert page_as(viewer).post(f"/staff/visits/{visit.id}/submit").status_code == 403
    assert browser.post(f"/staff/visits/{visit.id}/submit").status_code == 302
    db.session.refresh(visit)
    assert visit.status == "submitted"
    assert page_as(viewer).post(f"/staff/visits/{visit.id}/amendments", data={"text": "x"}).status_code == 403
    assert browser.post(f"/staff/visits/{visit.id}/amendments", data={"text": "补充：访谈了家长"}).status_code == 302
    page = browser.get(f"/staff/visits/{visit.id}")
    assert "补充：访谈了家长" in page.text
    db.session.refresh(visit)
    assert [a.text for a in visit.amendments] == ["补充：访谈了家长"] and visit.observations is None


def test_school_and_zone_pages_show_the_last_visit(page_as, make_visit, supervisor, school, zone):
    browser = page_as(supervisor)
    assert browser.get("/staff/schools/S100").status_code == 200
    older = make_visit(date=date(2026, 5, 3), status="submitted", evidence=[], flags=[])
    latest = make_visit(date=date(2026, 6, 3), status="submitted", evidence=[], flags=[])
    make_visit(date=date(2026, 6, 20))   # a draft is not a visit yet
    for path in ("/staff/schools/S100", f"/staff/zones/{zone.code}"):
        page = browser.get(path)
        assert page.status_code == 200
        links = re.findall(r'/staff/visits/(\d+)"', page.text)
        assert str(latest.id) in links and str(older.id) not in links
