"""JSON API for report and export jobs (ACCEPTANCE "Reports"). Thin: parse, call a service, answer."""
from __future__ import annotations

from flask import Blueprint, g, jsonify, send_file, url_for

from ..downloads import content_disposition
from ..guards import read_json_object
from ..organisation.auth import token_required
from . import exports, services

bp = Blueprint("jobs_api", __name__, url_prefix="/api/v1")


def job_json(job) -> dict:
    """The ACCEPTANCE shape of a job, with download_url once done and error once failed."""
    body = {"id": job.id, "kind": job.kind, "status": job.status, "progress": round(job.progress or 0.0, 4)}
    if job.progress_label and not job.finished:
        body["progress_label"] = job.progress_label
    if job.status == "done":
        body["download_url"] = url_for("jobs_api.download", job_id=job.id)
        body["checksum"] = job.checksum
        body["data_as_of"] = services.parse_as_of(job.data_as_of).isoformat() if job.data_as_of else None
        body["filename"] = job.filename
    if job.status == "failed":
        body["error"] = job.error
    return body


def _accepted(job):
    """202 with the job's id, status and the URL to poll."""
    return jsonify({"id": job.id, "status": job.status,
                    "url": url_for("jobs_api.get_report", job_id=job.id)}), 202


@bp.post("/reports")
@token_required
def create_report():
    """Queue an annual report (or a monthly report / launch feedback PDF)."""
    fields = services.parse_report_request(read_json_object(), g.user)
    return _accepted(services.request_job(g.user, kind=fields["kind"], scope=fields["scope"],
                                          fmt=fields["format"], year=fields["year"],
                                          audience=fields["audience"], options=fields["options"]))


@bp.post("/exports")
@token_required
def create_export():
    """Queue a response data export (status and file through /reports/ID)."""
    fields = exports.parse_export_request(read_json_object(), g.user)
    return _accepted(services.request_job(g.user, kind="export", scope=fields["scope"],
                                          fmt=fields["format"], year=fields["year"],
                                          audience=fields["audience"], options=fields["options"]))


@bp.get("/reports/<int:job_id>")
@token_required
def get_report(job_id: int):
    """A job's status and progress."""
    return jsonify(job_json(services.get_job(job_id, g.user)))


@bp.get("/reports/<int:job_id>/download")
@token_required
def download(job_id: int):
    """The archived file of a done job."""
    return send_job_file(services.get_job(job_id, g.user))


def send_job_file(job):
    """The file with its download name and checksum (shared by the API and the staff page)."""
    response = send_file(services.job_file(job), mimetype=job.content_type, conditional=True,
                         max_age=0)
    response.headers["Content-Disposition"] = content_disposition(job.filename or "report")
    response.headers["X-Checksum-SHA256"] = job.checksum or ""
    response.headers["Cache-Control"] = "private, no-store"
    return response
