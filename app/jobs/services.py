"""Report jobs: requests (validated, access-checked, audited), running them, the archive.

Every write of this feature is here. A request commits its job row and audit event together,
then enqueues; the worker claims the job with a compare-and-set, writes progress and a
heartbeat in short transactions of their own (so a page reading the job sees them at once),
and finishes by archiving the file under REPORTS_DIR.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from ..audit import record
from ..database import IMMEDIATE
from ..definitions import AUDIENCES
from ..errors import Forbidden, InvalidInput, NotFound, ServiceError
from ..extensions import db
from ..launches.models import Launch
from ..organisation.models import School, User, Zone, utcnow
from .models import FORMATS, ReportJob
from .queue import enqueue

#: A job is started at most this many times (the second start is the retry after a cut-off).
MAX_ATTEMPTS = 2
#: Seconds between heartbeats of a running job.
HEARTBEAT_SECONDS = 15
#: Seconds between two progress writes of one job (more often only when the label changes).
PROGRESS_INTERVAL = 0.5

_jobs = ReportJob.__table__


# ---------------------------------------------------------------- scopes and access

@dataclass
class Scope:
    """What a job covers, resolved to its rows."""

    kind: str                      # county, zone, school or launch
    zone: Zone | None = None
    school: School | None = None
    launch: Launch | None = None

    def stored(self) -> dict:
        """The JSON kept on the job (codes, not ids, except for a launch)."""
        if self.kind == "county":
            return {"kind": "county"}
        if self.kind == "launch":
            return {"kind": "launch", "id": self.launch.id}
        return {"kind": self.kind, "code": (self.zone if self.kind == "zone" else self.school).code}

    @property
    def zone_id(self) -> int | None:
        """The zone the scope lies in (None for the county)."""
        return self.zone.id if self.zone is not None else None

    def label(self) -> str:
        """The scope in words, for lists and the trail."""
        if self.kind == "county":
            return _("Whole county")
        if self.kind == "zone":
            return self.zone.name
        if self.kind == "school":
            return self.school.name
        return _("Launch %(id)s at %(school)s", id=self.launch.id, school=self.launch.school.name)


def parse_scope(value, *, allow_launch: bool = False) -> Scope:
    """"county" | {"zone": CODE} | {"school": CODE} (| {"launch": ID}) → Scope; 422 otherwise."""
    bad = InvalidInput(_l("Some fields are invalid."), {"scope": _l(
        'Scope must be "county", {"zone": CODE} or {"school": CODE}.')})
    if value == "county" or value == {"kind": "county"}:
        return Scope("county")
    if not isinstance(value, dict):
        raise bad
    if "kind" in value:   # the stored form {"kind": ..., "code"/"id": ...}
        value = {value["kind"]: value.get("code", value.get("id"))}
    if len(value) != 1:
        raise bad
    (kind, code), = value.items()
    if kind == "launch" and allow_launch:
        launch = db.session.get(Launch, code) if isinstance(code, int) and not isinstance(code, bool) \
            and 0 < code < 2**31 else None
        if launch is None:
            raise InvalidInput(_l("Some fields are invalid."), {"scope": _l("No such launch.")})
        return Scope("launch", zone=launch.school.zone, school=launch.school, launch=launch)
    if kind not in ("zone", "school") or not isinstance(code, str) or not code.strip():
        raise bad
    if kind == "zone":
        zone = db.session.scalar(select(Zone).where(Zone.code == code.strip()))
        if zone is None:
            raise InvalidInput(_l("Some fields are invalid."), {"scope": _l("No zone with this code.")})
        return Scope("zone", zone=zone)
    school = db.session.scalar(select(School).where(School.code == code.strip()))
    if school is None:
        raise InvalidInput(_l("Some fields are invalid."), {"scope": _l("No school with this code.")})
    return Scope("school", zone=school.zone, school=school)


def may_see(user: User, scope: Scope) -> bool:
    """Admins and viewers see every scope; supervisors only their zones, and not the county."""
    if user.sees_whole_county:
        return True
    return scope.kind != "county" and scope.zone in user.zones


def check_scope(user: User, scope: Scope) -> None:
    """403 unless the user may ask for this scope."""
    if not may_see(user, scope):
        raise Forbidden(_l("You may only ask for reports on your own zones."))


def job_scope(job: ReportJob) -> Scope | None:
    """The job's scope resolved again (None if its zone or school no longer exists)."""
    stored = job.scope or {}
    if job.kind == "launch_feedback" or stored.get("kind") == "launch":
        launch = db.session.get(Launch, stored.get("id"))
        return Scope("launch", zone=launch.school.zone, school=launch.school, launch=launch) if launch else None
    try:
        return parse_scope(stored)
    except ServiceError:
        return None


def may_read(user: User, job: ReportJob) -> bool:
    """The requester, or anyone who may see the job's scope, may read it (and its file)."""
    if user.sees_whole_county or (job.requested_by_id is not None and job.requested_by_id == user.id):
        return True
    scope = job_scope(job)
    return scope is not None and may_see(user, scope)


def get_job(job_id: int, user: User) -> ReportJob:
    """A job the user may read: 404 if none, 403 if not theirs to see. Stale ones are recovered."""
    job = db.session.get(ReportJob, job_id) if 0 < job_id < 2**31 else None
    if job is None:
        raise NotFound(_l("Not found."))
    if not may_read(user, job):
        raise Forbidden(_l("You do not have permission to do this."))
    if job.status == "running" and _is_stale(job, utcnow()):
        recover_stale()
        db.session.refresh(job)
    return job


#: A job still queued after this long probably has no worker to run it (the page says so).
WAITING_LONG = timedelta(minutes=2)


def waiting_long(job: ReportJob) -> bool:
    """Queued for longer than WAITING_LONG (no worker running?)."""
    created = job.created_at if job.created_at.tzinfo else job.created_at.replace(tzinfo=timezone.utc)
    return job.status == "queued" and utcnow() - created > WAITING_LONG


def recent_jobs(user: User, limit: int = 30) -> list[ReportJob]:
    """Newest first: the user's own jobs, and for admins everyone's."""
    query = select(ReportJob).order_by(ReportJob.id.desc()).limit(limit)
    if user.role != "admin":
        query = query.where(ReportJob.requested_by_id == user.id)
    return list(db.session.scalars(query))


# ---------------------------------------------------------------- requests

def _int_field(value, name: str, low: int, high: int, errors: dict, message) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        errors[name] = message
        return None
    return value


_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def parse_report_request(body: dict, user: User) -> dict:
    """A POST /reports body → the job's fields; 422 naming each bad field, 403 for a scope
    the user may not see. kind: annual (default), monthly or launch_feedback."""
    kind = body.get("kind", "annual")
    if kind not in ("annual", "monthly", "launch_feedback"):
        raise InvalidInput(_l("Some fields are invalid."),
                           {"kind": _l("Kind must be annual, monthly or launch_feedback.")})
    errors: dict = {}
    fmt = body.get("format", "pdf")
    if kind == "annual":
        if fmt not in FORMATS:
            errors["format"] = _l("Format must be pdf, xlsx or csv.")
    elif fmt != "pdf":
        errors["format"] = _l("This report is made as PDF only.")
    audience = body.get("audience", "parent")
    if kind == "annual" and audience not in AUDIENCES:
        errors["audience"] = _l("Audience must be parent, student or teacher.")
    year = options = None
    scope = None
    if kind == "annual":
        year = _int_field(body.get("year"), "year", 2000, 2100, errors, _l("Use a four-digit year such as 2026."))
    if kind == "monthly":
        month = body.get("month")
        match = _MONTH.match(month) if isinstance(month, str) else None
        if not match or not 1 <= int(match.group(2)) <= 12 or not 2000 <= int(match.group(1)) <= 2100:
            errors["month"] = _l("Use a month such as 2026-03.")
        else:
            options, year = {"month": month}, int(match.group(1))
    if kind == "launch_feedback":
        launch_id = _int_field(body.get("launch"), "launch", 1, 2**31 - 1, errors, _l("No such launch."))
        if launch_id is not None:
            launch = db.session.get(Launch, launch_id)
            if launch is None:
                errors["launch"] = _l("No such launch.")
            else:
                scope = Scope("launch", zone=launch.school.zone, school=launch.school, launch=launch)
    else:
        try:
            scope = parse_scope(body.get("scope", "county"))
        except InvalidInput as exc:
            errors.update(exc.fields)
        if kind == "monthly" and scope is not None and scope.kind == "school":
            errors["scope"] = _l('The monthly report covers the county or one zone.')
    if errors:
        raise InvalidInput(_l("Some fields are invalid."), errors)
    check_scope(user, scope)
    return {"kind": kind, "scope": scope, "year": year, "format": fmt,
            "audience": audience if kind == "annual" else None, "options": options}


def request_job(user: User | None, *, kind: str, scope: Scope, fmt: str, year: int | None = None,
                audience: str | None = None, options: dict | None = None) -> ReportJob:
    """Store a queued job with its audit event (one transaction), then enqueue it."""
    job = ReportJob(kind=kind, scope=scope.stored(), year=year, format=fmt, audience=audience,
                    options=options, requested_by_id=user.id if user is not None else None,
                    status="queued", progress=0.0, attempts=0)
    db.session.add(job)
    db.session.flush()
    job_id = job.id   # read before the commit: reading it after would open a read snapshot
    record("request", "report_job", job_id, after={
        "kind": kind, "scope": job.scope, "year": year, "format": fmt, "audience": audience,
        "options": options}, summary=f"{kind} {scope.label()}", zone_id=scope.zone_id, actor=user)
    db.session.commit()
    try:
        enqueue(job_id)
    except Exception:  # noqa: BLE001 - a queue that cannot be reached must not leave a job waiting forever
        current_app.logger.exception("could not enqueue report job %s", job_id)
        _write(job_id, status="failed", finished_at=utcnow(), error=_(
            "The job queue cannot be reached. Please try again later or tell the county office."))
    # Immediate mode (tests) has run it already, in a session of its own: read it afresh.
    return db.session.get(ReportJob, job_id)


# ---------------------------------------------------------------- running

def _write(job_id: int, **values) -> int:
    """UPDATE the job row in a short transaction of its own (seen by readers at once)."""
    where = values.pop("_where", None)
    with db.engine.connect() as conn:
        conn.execution_options(**{IMMEDIATE: True})
        with conn.begin():
            query = update(_jobs).where(_jobs.c.id == job_id)
            if where is not None:
                query = query.where(where)
            return conn.execute(query.values(**values)).rowcount


class Progress:
    """The builder's progress(fraction, label) callback: writes progress and the heartbeat."""

    def __init__(self, job_id: int, interval: float):
        self.job_id, self.interval = job_id, interval
        self.last_write, self.last_label, self.last_value = 0.0, None, -1.0

    def __call__(self, fraction, label: str = "") -> None:
        """Record how far the builder is (throttled: a write every `interval` seconds at most,
        or when the label changes)."""
        value = min(1.0, max(0.0, float(fraction)))
        now = time.monotonic()
        if value <= self.last_value and label == self.last_label:
            return
        if label == self.last_label and now - self.last_write < self.interval:
            return
        self.last_write, self.last_label, self.last_value = now, label, value
        _write(self.job_id, progress=value, progress_label=(label or None) and str(label)[:100],
               heartbeat_at=utcnow(), _where=_jobs.c.status == "running")


class Heartbeat(threading.Thread):
    """Touches heartbeat_at while a builder works, so a long quiet step is not taken for dead."""

    def __init__(self, app, job_id: int, seconds: float):
        super().__init__(daemon=True, name=f"heartbeat-{job_id}")
        self.app, self.job_id, self.seconds = app, job_id, seconds
        self.stopped = threading.Event()

    def run(self) -> None:
        """Beat until stopped."""
        while not self.stopped.wait(self.seconds):
            with self.app.app_context():
                _write(self.job_id, heartbeat_at=utcnow(), _where=_jobs.c.status == "running")


def _claim(job_id: int) -> bool:
    """queued → running (compare-and-set: two workers never run the same job)."""
    now = utcnow()
    claimed = _write(job_id, status="running", started_at=now, heartbeat_at=now, progress=0.0,
                     progress_label=None, attempts=_jobs.c.attempts + 1, error=None,
                     _where=_jobs.c.status == "queued")
    return claimed == 1


def run_job(job_id: int) -> None:
    """Claim a queued job, build its file, archive it; any failure ends as failed with a reason."""
    if not _claim(job_id):
        return   # already taken, finished, or gone
    db.session.expire_all()
    job = db.session.get(ReportJob, job_id)
    app = current_app._get_current_object()
    beat = Heartbeat(app, job_id, app.config.get("JOBS_HEARTBEAT_SECONDS", HEARTBEAT_SECONDS))
    beat.start()
    try:
        progress = Progress(job_id, app.config.get("JOBS_PROGRESS_INTERVAL", PROGRESS_INTERVAL))
        from .tasks import build
        data, meta = build(job, progress)
        fields = archive(job, data, meta)
        db.session.rollback()   # the builder's reads end here; the result is one short write
        _write(job_id, status="done", progress=1.0, finished_at=utcnow(), **fields,
               _where=_jobs.c.status == "running")
    except Exception as exc:  # noqa: BLE001 - every failure becomes a readable reason
        db.session.rollback()
        if isinstance(exc, ServiceError):
            reason = str(exc.message)
            if exc.fields:
                reason += " " + " ".join(str(v) for v in exc.fields.values())
        else:
            app.logger.exception("report job %s failed", job_id)
            reason = _("The file could not be made because of an error on our side. "
                       "Please try again later or tell the county office.")
        _write(job_id, status="failed", finished_at=utcnow(), error=reason[:500],
               _where=_jobs.c.status == "running")
    finally:
        beat.stopped.set()


def _is_stale(job: ReportJob, now: datetime) -> bool:
    """A running job whose worker has been silent for JOBS_STALE_MINUTES."""
    beat = job.heartbeat_at or job.started_at or job.created_at
    beat = beat if beat.tzinfo else beat.replace(tzinfo=timezone.utc)
    return now - beat > timedelta(minutes=current_app.config["JOBS_STALE_MINUTES"])


def recover_stale(now: datetime | None = None) -> list[int]:
    """Running jobs cut off by a restart: started again once (queued anew), else failed.
    Returns the ids put back on the queue."""
    now = now or utcnow()
    cutoff = now - timedelta(minutes=current_app.config["JOBS_STALE_MINUTES"])
    rows = db.session.execute(select(_jobs.c.id, _jobs.c.attempts, _jobs.c.heartbeat_at,
                                     _jobs.c.started_at, _jobs.c.created_at)
                              .where(_jobs.c.status == "running")).all()
    db.session.rollback()
    retried = []
    for row in rows:
        beat = row.heartbeat_at or row.started_at or row.created_at
        beat = beat if beat.tzinfo else beat.replace(tzinfo=timezone.utc)
        if beat > cutoff:
            continue
        stale = (_jobs.c.status == "running") & (_jobs.c.attempts == row.attempts)
        if row.attempts < MAX_ATTEMPTS:
            if _write(row.id, status="queued", progress=0.0, progress_label=None, _where=stale):
                retried.append(row.id)
        else:
            _write(row.id, status="failed", finished_at=now, _where=stale, error=_(
                "The job was cut off twice (the server restarted while it ran). Please ask again."))
    for job_id in retried:
        enqueue(job_id)
    return retried


# ---------------------------------------------------------------- the archive

_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")


def _scope_slug(scope: dict) -> str:
    """county, zone-CODE, school-CODE or launch-ID (file-name safe)."""
    if scope.get("kind") == "county":
        return "county"
    return f"{scope.get('kind')}-{_UNSAFE.sub('_', str(scope.get('code', scope.get('id'))))}"


def reports_dir() -> Path:
    """The archive folder (created on first use)."""
    path = Path(current_app.config["REPORTS_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    return path


def parse_as_of(value) -> datetime:
    """The builder's data_as_of (ISO text or datetime) as an aware UTC datetime."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if not isinstance(value, datetime):
        value = utcnow()
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def archive(job: ReportJob, data, meta: dict) -> dict:
    """Store the built file (bytes, or a finished temporary file's Path) under REPORTS_DIR as
    KIND/SCOPE-YEAR-FORMAT-DATATIME-CHECKSUM.EXT with a .json of its metadata beside it;
    returns the job's file fields."""
    root = reports_dir()
    as_of = parse_as_of(meta.get("data_as_of"))
    digest = hashlib.sha256()
    if isinstance(data, (bytes, bytearray)):
        digest.update(data)
        size = len(data)
    else:
        with open(data, "rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
        size = os.path.getsize(data)
    checksum = digest.hexdigest()
    period = (job.options or {}).get("month") or job.year or "all"
    name = (f"{job.kind}/{_scope_slug(job.scope)}-{period}-{job.format}-"
            f"{as_of:%Y%m%dT%H%M%SZ}-{checksum[:16]}.{job.format}")
    target = root / name
    target.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, (bytes, bytearray)):
        temporary = target.with_suffix(".part")
        temporary.write_bytes(data)
        os.replace(temporary, target)
    else:
        shutil.move(str(data), target)
    fields = {"file_path": name, "checksum": checksum, "size": size, "data_as_of": as_of,
              "filename": str(meta.get("filename") or target.name)[:200],
              "content_type": str(meta.get("content_type") or "application/octet-stream")[:120]}
    sidecar = {**fields, "data_as_of": as_of.isoformat(), "job": job.id, "kind": job.kind,
               "scope": job.scope, "year": job.year, "audience": job.audience, "options": job.options,
               "created": utcnow().isoformat()}
    target.with_name(target.name + ".json").write_text(json.dumps(sidecar, ensure_ascii=False, indent=1),
                                                       encoding="utf-8")
    return fields


def job_file(job: ReportJob) -> Path:
    """The archived file of a done job; 404 when not done or the file is gone."""
    if job.status != "done" or not job.file_path:
        raise NotFound(_l("The file is not ready."))
    root = Path(current_app.config["REPORTS_DIR"]).resolve()
    path = (root / job.file_path).resolve()
    if root not in path.parents or not path.is_file():
        raise NotFound(_l("The file is no longer in the archive."))
    return path


def temporary_path(suffix: str) -> Path:
    """A fresh temporary file name inside the archive (so finishing it is a rename)."""
    folder = reports_dir() / "tmp"
    folder.mkdir(exist_ok=True)
    return folder / f"{os.getpid()}-{threading.get_ident()}-{time.time_ns()}{suffix}"
