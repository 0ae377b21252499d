"""A job's life: queued → running (progress seen from outside) → done or failed; stale jobs
are retried once, then failed; the archive holds the file with its checksum."""
from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from pathlib import Path

from app.errors import InvalidInput
from app.extensions import db
from app.jobs import services
from app.jobs.models import ReportJob
from app.organisation.models import utcnow


def _post(client, headers, **body):
    return client.post("/api/v1/reports", json={"kind": "annual", "year": 2026, "scope": "county",
                                                "format": "pdf", **body}, headers=headers)


def test_job_reaches_done_with_progress_reported_along_the_way(county, client, token_for, fake_builder):
    seen = fake_builder()
    response = _post(client, token_for(county["users"]["admin"]))
    assert response.status_code == 202
    body = response.get_json()
    assert set(body) == {"id", "status", "url"} and body["url"] == f"/api/v1/reports/{body['id']}"
    # A reader of the job row saw each progress value while the job was running.
    assert seen == [(0.1, "读取", "running"), (0.4, "计算", "running"), (0.8, "排版", "running")]
    status = client.get(body["url"], headers=token_for(county["users"]["admin"])).get_json()
    assert status["status"] == "done" and status["progress"] == 1.0
    assert status["download_url"] == f"/api/v1/reports/{body['id']}/download"
    assert status["checksum"] == hashlib.sha256(b"%PDF-fake report").hexdigest()
    assert "error" not in status


def test_download_matches_the_checksum_and_the_archive_names_it(county, client, token_for, fake_builder, app):
    fake_builder(data=b"%PDF-1.7 some bytes \x00\x01")
    headers = token_for(county["users"]["admin"])
    job_id = _post(client, headers).get_json()["id"]
    status = client.get(f"/api/v1/reports/{job_id}", headers=headers).get_json()
    download = client.get(status["download_url"], headers=headers)
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    assert hashlib.sha256(download.data).hexdigest() == status["checksum"]
    assert download.headers["X-Checksum-SHA256"] == status["checksum"]
    assert "attachment" in download.headers["Content-Disposition"]
    job = db.session.get(ReportJob, job_id)
    path = Path(app.config["REPORTS_DIR"]) / job.file_path
    assert path.read_bytes() == download.data
    # Scope, year, data time and checksum are in the name; a JSON of the metadata lies beside it.
    assert path.name.startswith("county-2026-pdf-20260615T090000Z-") and status["checksum"][:16] in path.name
    meta = json.loads(path.with_name(path.name + ".json").read_text("utf-8"))
    assert meta["checksum"] == status["checksum"] and meta["data_as_of"].startswith("2026-06-15T09:00")


def test_failing_builder_ends_failed_with_a_readable_reason_and_no_traceback(county, client, token_for,
                                                                              fake_builder):
    fake_builder(fail=RuntimeError("KeyError in secret_module.py line 42"))
    headers = token_for(county["users"]["admin"])
    job_id = _post(client, headers).get_json()["id"]
    status = client.get(f"/api/v1/reports/{job_id}", headers=headers).get_json()
    assert status["status"] == "failed" and "download_url" not in status
    assert status["error"] and "secret_module" not in status["error"] and "Traceback" not in status["error"]
    assert client.get(f"/api/v1/reports/{job_id}/download", headers=headers).status_code == 404


def test_a_builder_refusal_is_shown_as_its_own_message(county, client, token_for, fake_builder):
    fake_builder(fail=InvalidInput("No figures for 2026.", {"year": "Nothing published in that year."}))
    headers = token_for(county["users"]["admin"])
    job_id = _post(client, headers).get_json()["id"]
    status = client.get(f"/api/v1/reports/{job_id}", headers=headers).get_json()
    assert status["status"] == "failed"
    assert "No figures for 2026." in status["error"] and "Nothing published" in status["error"]


def _running_job(minutes_silent: int, attempts: int) -> ReportJob:
    beat = utcnow() - timedelta(minutes=minutes_silent)
    job = ReportJob(kind="annual", scope={"kind": "county"}, year=2026, format="pdf", audience="parent",
                    status="running", progress=0.3, attempts=attempts, started_at=beat, heartbeat_at=beat)
    db.session.add(job)
    db.session.commit()
    return job


def test_a_job_cut_off_by_a_restart_is_run_once_more(county, fake_builder, app):
    fake_builder()
    job = _running_job(minutes_silent=app.config["JOBS_STALE_MINUTES"] + 1, attempts=1)
    assert services.recover_stale() == [job.id]
    db.session.refresh(job)
    assert job.status == "done" and job.attempts == 2


def test_a_job_cut_off_twice_is_marked_failed_not_left_running(county, fake_builder, app):
    fake_builder()
    job = _running_job(minutes_silent=app.config["JOBS_STALE_MINUTES"] + 1, attempts=2)
    assert services.recover_stale() == []
    db.session.refresh(job)
    assert job.status == "failed" and job.error and job.finished_at is not None


def test_a_running_job_with_a_recent_heartbeat_is_left_alone(county, fake_builder, app):
    fake_builder()
    job = _running_job(minutes_silent=0, attempts=1)
    assert services.recover_stale() == []
    db.session.refresh(job)
    assert job.status == "running" and job.attempts == 1


def test_reading_a_stale_job_recovers_it(county, client, token_for, fake_builder, app):
    fake_builder()
    job = _running_job(minutes_silent=app.config["JOBS_STALE_MINUTES"] + 1, attempts=2)
    body = client.get(f"/api/v1/reports/{job.id}", headers=token_for(county["users"]["admin"])).get_json()
    assert body["status"] == "failed"


def test_a_finished_job_is_never_run_again(county, fake_builder):
    seen = fake_builder()
    job = ReportJob(kind="annual", scope={"kind": "county"}, year=2026, format="pdf", status="done",
                    progress=1.0, attempts=1)
    db.session.add(job)
    db.session.commit()
    services.run_job(job.id)
    assert seen == []
    db.session.refresh(job)
    assert job.attempts == 1


def test_the_heartbeat_is_written_while_a_quiet_builder_works(make_app, tmp_path, monkeypatch):
    import time

    from app.jobs import tasks
    app = make_app(REPORTS_DIR=str(tmp_path), JOBS_HEARTBEAT_SECONDS=0.05)
    with app.app_context():
        job = ReportJob(kind="annual", scope={"kind": "county"}, year=2026, format="pdf", status="queued",
                        progress=0.0, attempts=0)
        db.session.add(job)
        db.session.commit()
        beats = []

        def quiet(job, progress):
            start = None
            for _ in range(6):
                time.sleep(0.05)
                with db.engine.connect() as conn:
                    from sqlalchemy import select
                    beat = conn.execute(select(ReportJob.heartbeat_at).where(ReportJob.id == job.id)).scalar()
                start = start or beat
                beats.append(beat)
            return b"x", {"data_as_of": None, "filename": "x.pdf", "content_type": "application/pdf"}
        monkeypatch.setitem(tasks.BUILDERS, "annual", quiet)
        services.run_job(job.id)
        assert len(set(beats)) > 1   # the row's heartbeat moved on without any progress call


def test_an_unreachable_queue_fails_the_job_instead_of_leaving_it_queued(county, client, token_for, app,
                                                                        monkeypatch):
    def broken(job_id):
        raise ConnectionError("redis down")
    monkeypatch.setitem(app.extensions, "dudao.run_job_task", broken)
    headers = token_for(county["users"]["admin"])
    response = _post(client, headers)
    assert response.status_code == 202
    status = client.get(response.get_json()["url"], headers=headers).get_json()
    assert status["status"] == "failed" and "redis" not in status["error"]
