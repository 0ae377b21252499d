"""Who may do what: supervisors only at their zones' schools, admins everywhere, viewers never
see reports (403) and cannot regenerate plaques; a supervisor reaching another zone's report by
id gets 403."""
from __future__ import annotations

from app.extensions import db
from app.plaque.models import Complaint


def test_complaint_list_per_role(client, county, file_report, token_for):
    a, _ = file_report(county["school_a"], contact="电话A")
    b, _ = file_report(county["school_b"])
    get = lambda user, q="": client.get(f"/api/v1/complaints{q}", headers=token_for(user))
    ids = lambda r: [c["id"] for c in r.get_json()]
    assert ids(get(county["sup_a"])) == [a.id]
    assert ids(get(county["sup_b"])) == [b.id]
    assert sorted(ids(get(county["admin"]))) == sorted([a.id, b.id])
    assert get(county["viewer"]).status_code == 403
    assert client.get("/api/v1/complaints").status_code == 401
    item = get(county["sup_a"]).get_json()[0]
    assert {"id", "school", "kind", "category", "text", "contact", "status", "received"} <= set(item)
    assert item["school"] == county["school_a"].code and item["contact"] == "电话A"
    # Filters: zone and status; a zone that is not theirs is 403, an unknown status 422.
    assert ids(get(county["admin"], f"?zone={county['zone_b'].code}")) == [b.id]
    assert get(county["sup_a"], f"?zone={county['zone_b'].code}").status_code == 403
    assert ids(get(county["admin"], "?status=verifying")) == []
    assert ids(get(county["admin"], f"?school={county['school_b'].code}")) == [b.id]
    assert get(county["admin"], "?status=nonsense").status_code == 422
    assert get(county["admin"], "?zone=NOPE").status_code == 404


def test_another_zones_supervisor_and_viewers_cannot_read_or_move_a_report(client, county,
                                                                           file_report, token_for, move):
    a, _ = file_report(county["school_a"])
    for user in (county["sup_b"], county["viewer"]):
        assert client.get(f"/api/v1/complaints/{a.id}", headers=token_for(user)).status_code == 403
        assert move(user, a, "verifying").status_code == 403
    assert client.get("/api/v1/complaints/999999", headers=token_for(county["admin"])).status_code == 404
    db.session.expire_all()
    assert db.session.get(Complaint, a.id).status == "received"
    # The admin (the office) handles any report.
    assert move(county["admin"], a, "verifying").status_code == 200
    detail = client.get(f"/api/v1/complaints/{a.id}", headers=token_for(county["sup_a"])).get_json()
    assert [h["to"] for h in detail["history"] if h["kind"] == "status"] == ["verifying"]


def test_plaque_links_per_role(client, county, token_for):
    code_a = county["school_a"].code
    url = f"/api/v1/schools/{code_a}/plaque"
    mine = client.get(url, headers=token_for(county["sup_a"]))
    assert mine.status_code == 200
    assert set(mine.get_json()) >= {"url", "qr_png_url", "qr_svg_url", "poster_pdf_url"}
    # Permanent: asked again, the same link.
    assert client.get(url, headers=token_for(county["admin"])).get_json()["url"] == mine.get_json()["url"]
    assert client.get(url, headers=token_for(county["viewer"])).status_code == 200
    assert client.get(url, headers=token_for(county["sup_b"])).status_code == 403
    assert client.get("/api/v1/schools/NOPE/plaque", headers=token_for(county["admin"])).status_code == 404
    assert client.get(url).status_code == 401


def test_regenerating_a_plaque_per_role_and_audited(client, county, token_for):
    from app.audit.models import AuditEvent
    url = f"/api/v1/schools/{county['school_a'].code}/plaque/regenerate"
    old = client.get(f"/api/v1/schools/{county['school_a'].code}/plaque",
                     headers=token_for(county["admin"])).get_json()["url"]
    assert client.post(url, headers=token_for(county["viewer"])).status_code == 403
    assert client.post(url, headers=token_for(county["sup_b"])).status_code == 403
    response = client.post(url, headers=token_for(county["sup_a"]))
    assert response.status_code == 201 and response.get_json()["url"] != old
    events = db.session.scalars(db.select(AuditEvent).where(AuditEvent.entity == "plaque")).all()
    assert [(e.action, e.actor) for e in events] == [("regenerate", "sup_a")]


def test_report_pages_per_role(client, county, file_report, login):
    a, _ = file_report(county["school_a"], contact="联系方式A")
    b, _ = file_report(county["school_b"])
    login(county["sup_a"])
    inbox = client.get("/staff/reports")
    assert inbox.status_code == 200
    assert f"/staff/reports/{a.id}" in inbox.text and f"/staff/reports/{b.id}" not in inbox.text
    assert 'href="/staff/reports"' in inbox.text  # the nav link
    detail = client.get(f"/staff/reports/{a.id}")
    assert detail.status_code == 200 and "联系方式A" in detail.text
    assert client.get(f"/staff/reports/{b.id}").status_code == 403
    assert client.get("/staff/reports/overview").status_code == 200
    client.post("/logout")
    login(county["viewer"])
    assert client.get("/staff/reports").status_code == 403
    assert client.get(f"/staff/reports/{a.id}").status_code == 403
    home = client.get("/staff/")
    assert 'href="/staff/reports"' not in home.text


def test_transition_and_problem_through_the_pages(client, county, file_report, login):
    from app.visits.models import Problem
    a, code = file_report(county["school_a"], contact="电话")
    login(county["sup_a"])
    page = f"/staff/reports/{a.id}"
    r = client.post(f"{page}/transition", data={"status": "verifying", "note": "核实中",
                                               "reply": "已受理"})
    assert r.status_code == 302
    assert client.get(f"/api/v1/public/reports/{code}").get_json()["reply"] == "已受理"
    # A move the rules forbid is refused with a message, nothing changes.
    r = client.post(f"{page}/transition", data={"status": "received"}, follow_redirects=True)
    db.session.expire_all()
    assert db.session.get(Complaint, a.id).status == "verifying"
    client.post(f"{page}/transition", data={"status": "substantiated"})
    assert 'action="/staff/reports/%d/problem"' % a.id in client.get(page).text
    r = client.post(f"{page}/problem", data={"category": "homework", "description": "作业超量",
                                             "immediate": "y"})
    assert r.status_code == 302
    db.session.expire_all()
    row = db.session.get(Complaint, a.id)
    problem = db.session.get(Problem, row.problem_id)
    assert problem.school_id == county["school_a"].id and problem.immediate
    assert f'href="/staff/problems/{problem.id}"' in client.get(page).text  # linked back
    client.post(f"{page}/reply", data={"reply": "已整改"})
    client.post(f"{page}/transition", data={"status": "closed"})
    db.session.expire_all()
    row = db.session.get(Complaint, a.id)
    assert row.status == "closed" and row.contact is None and row.reply == "已整改"


def test_plaque_page_for_staff_and_regenerate_button(client, county, login):
    login(county["sup_a"])
    page = client.get(f"/staff/schools/{county['school_a'].code}/plaque")
    assert page.status_code == 200 and "/s/p/" in page.text and "regenerate" in page.text
    assert client.get(f"/staff/schools/{county['school_b'].code}/plaque").status_code == 403
    r = client.post(f"/staff/schools/{county['school_a'].code}/plaque/regenerate")
    assert r.status_code == 302
    from app.plaque.models import PlaqueLink
    links = db.session.scalars(db.select(PlaqueLink).where(
        PlaqueLink.school_id == county["school_a"].id).order_by(PlaqueLink.id)).all()
    assert len(links) == 2 and links[0].retired_at is not None and links[1].retired_at is None
    client.post("/logout")
    login(county["viewer"])
    page = client.get(f"/staff/schools/{county['school_a'].code}/plaque")
    assert page.status_code == 200 and "plaque/regenerate" not in page.text
    assert client.post(f"/staff/schools/{county['school_a'].code}/plaque/regenerate").status_code == 403


def test_the_staff_school_page_links_to_the_plaque_and_its_reports(client, county, login):
    login(county["sup_a"])
    page = client.get(f"/staff/schools/{county['school_a'].code}")
    assert page.status_code == 200
    assert f'href="/staff/schools/{county["school_a"].code}/plaque"' in page.text
    assert f'href="/staff/reports?school={county["school_a"].code}"' in page.text
