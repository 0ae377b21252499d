"""Staff pages under /staff/analysis: the form offers only the user's scopes, a request leads to
a status page that refreshes itself without JavaScript, the file downloads with the session."""
from __future__ import annotations

import hashlib
import re

from app.extensions import db
from app.jobs.models import ReportJob


def test_the_reports_page_and_nav_link_for_every_role(county, client, login):
    for role in ("admin", "viewer", "sup1"):
        client.post("/logout")
        login(county["users"][role])
        page = client.get("/staff/analysis/")
        assert page.status_code == 200, role
        assert 'href="/staff/analysis/"' in page.text   # the nav link
        assert 'class="table-wrap"' in page.text


def test_a_supervisor_is_offered_only_their_zone_and_its_schools(county, client, login):
    login(county["users"]["sup1"])
    values = set(re.findall(r'<option value="([^"]*)"', client.get("/staff/analysis/").text))
    assert {"zone:Z1", "school:SA"} <= values
    assert not values & {"county", "zone:Z2", "school:SB"}


def test_admin_gets_the_free_text_box_and_others_do_not(county, client, login):
    login(county["users"]["admin"])
    assert 'name="export-free_text"' in client.get("/staff/analysis/").text
    client.post("/logout")
    login(county["users"]["sup1"])
    assert 'name="export-free_text"' not in client.get("/staff/analysis/").text


def test_requesting_an_annual_report_leads_to_its_status_page_and_download(county, client, login, fake_builder):
    fake_builder(data=b"%PDF-page test")
    login(county["users"]["sup1"])
    response = client.post("/staff/analysis/annual", data={
        "annual-year": "2026", "annual-scope": "zone:Z1", "annual-audience": "parent", "annual-format": "pdf"})
    assert response.status_code == 302
    status_url = response.headers["Location"]
    page = client.get(status_url)
    assert page.status_code == 200 and 'http-equiv="refresh"' not in page.text   # done: no refresh
    job = db.session.scalar(db.select(ReportJob).order_by(ReportJob.id.desc()))
    assert f"/staff/analysis/{job.id}/download" in page.text and job.checksum in page.text
    download = client.get(f"/staff/analysis/{job.id}/download")
    assert download.status_code == 200 and hashlib.sha256(download.data).hexdigest() == job.checksum


def test_a_supervisor_posting_another_zone_is_refused_on_the_page(county, client, login, fake_builder):
    fake_builder()
    login(county["users"]["sup1"])
    response = client.post("/staff/analysis/annual", data={
        "annual-year": "2026", "annual-scope": "zone:Z2", "annual-audience": "parent", "annual-format": "pdf"})
    assert response.status_code in (403, 422)
    assert db.session.scalar(db.select(db.func.count()).select_from(ReportJob)) == 0


def test_a_running_job_page_refreshes_itself_and_shows_a_progress_bar(county, client, login):
    job = ReportJob(kind="annual", scope={"kind": "zone", "code": "Z1"}, year=2026, format="pdf",
                    status="running", progress=0.42, progress_label="绘制图表", attempts=1,
                    requested_by_id=county["users"]["sup1"].id)
    db.session.add(job)
    db.session.commit()
    login(county["users"]["sup1"])
    page = client.get(f"/staff/analysis/{job.id}")
    assert re.search(r'<noscript><meta http-equiv="refresh" content="\d+"></noscript>', page.text)
    assert re.search(r'<progress[^>]*value="0.42"', page.text) and "绘制图表" in page.text
    nonce = re.search(r"script-src 'self' 'nonce-([^']+)'", page.headers["Content-Security-Policy"]).group(1)
    assert f'<script nonce="{nonce}">' in page.text
    status = client.get(f"/staff/analysis/{job.id}/status.json").get_json()
    assert status["status"] == "running" and status["progress"] == 0.42


def test_another_zones_supervisor_cannot_open_a_job_page(county, client, login, fake_builder):
    fake_builder()
    job = ReportJob(kind="annual", scope={"kind": "zone", "code": "Z1"}, year=2026, format="pdf",
                    status="queued", progress=0, attempts=0, requested_by_id=county["users"]["sup1"].id)
    db.session.add(job)
    db.session.commit()
    login(county["users"]["sup2"])
    for suffix in ("", "/status.json", "/download"):
        assert client.get(f"/staff/analysis/{job.id}{suffix}").status_code == 403


def test_an_export_under_min_group_size_is_refused_with_a_message_on_the_page(
        county, client, login, make_school, make_launch):
    make_launch(school=make_school(code="SS", zone=county["zones"][0]))
    login(county["users"]["admin"])
    response = client.post("/staff/analysis/exports", data={
        "export-survey": "sleep", "export-scope": "school:SS", "export-format": "csv"})
    assert response.status_code == 422
    assert 'class="flash error"' in response.text
    assert db.session.scalar(db.select(db.func.count()).select_from(ReportJob)) == 0


def test_an_export_from_the_page(county, client, login):
    login(county["users"]["sup1"])
    response = client.post("/staff/analysis/exports", data={
        "export-survey": "sleep", "export-scope": "zone:Z1", "export-format": "xlsx"})
    assert response.status_code == 302
    job = db.session.scalar(db.select(ReportJob).order_by(ReportJob.id.desc()))
    assert job.kind == "export" and job.status == "done" and job.options == {"survey": "sleep", "free_text": False}


def test_the_launch_feedback_and_monthly_buttons(county, client, login, fake_builder):
    fake_builder("launch_feedback")
    fake_builder("monthly")
    launch = county["launches"][0]
    login(county["users"]["sup1"])
    assert client.get(f"/staff/analysis/launch/{launch.id}").status_code == 200
    assert client.post(f"/staff/analysis/launch/{launch.id}").status_code == 302
    assert client.get(f"/staff/analysis/launch/{county['launches'][1].id}").status_code == 404
    response = client.post("/staff/analysis/monthly", data={"monthly-month": "2026-05", "monthly-scope": "zone:Z1"})
    assert response.status_code == 302
    kinds = [j.kind for j in db.session.scalars(db.select(ReportJob).order_by(ReportJob.id))]
    assert kinds == ["launch_feedback", "monthly"]


def test_the_page_lists_own_jobs_and_admins_see_everyones(county, client, login, fake_builder, token_for):
    fake_builder()
    client.post("/api/v1/reports", json={"year": 2026, "scope": {"zone": "Z1"}},
                headers=token_for(county["users"]["sup1"]))
    client.post("/api/v1/reports", json={"year": 2026, "scope": {"zone": "Z2"}},
                headers=token_for(county["users"]["sup2"]))
    login(county["users"]["sup1"])
    page = client.get("/staff/analysis/").text
    assert "城关责任区" in page and "东山责任区" not in page.split("<table")[-1]
    client.post("/logout")
    login(county["users"]["admin"])
    table = client.get("/staff/analysis/").text.split('class="jobs-table"')[-1]
    assert "城关责任区" in table and "东山责任区" in table


def test_a_job_waiting_for_minutes_says_the_worker_may_be_down(county, client, login):
    from datetime import timedelta

    from app.organisation.models import utcnow
    fresh = ReportJob(kind="annual", scope={"kind": "county"}, year=2026, format="pdf", status="queued",
                      progress=0, attempts=0)
    old = ReportJob(kind="annual", scope={"kind": "county"}, year=2026, format="pdf", status="queued",
                    progress=0, attempts=0, created_at=utcnow() - timedelta(minutes=10))
    db.session.add_all([fresh, old])
    db.session.commit()
    login(county["users"]["admin"])
    assert "flask jobs worker" not in client.get(f"/staff/analysis/{fresh.id}").text
    assert "flask jobs worker" in client.get(f"/staff/analysis/{old.id}").text
