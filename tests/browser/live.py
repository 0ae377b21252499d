"""The browser test's world (for conftest.py and the test): the app's data on a temporary SQLite
file, loaded with the demo county (zones, schools, a user per role, a year of launches with enough
responses to publish figures) plus one object of each newer feature whose model exists."""
from __future__ import annotations

import os
import warnings
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import select

from app.extensions import db

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS = Path(__file__).with_name("artifacts")
MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"
PASSWORD = "password123"
#: The signed-in roles, with the demo account each uses (the supervisor's zone is CG).
ROLES = {"admin": "admin", "supervisor": "wangjg", "viewer": "viewer"}


@dataclass
class Site:
    """The running server and the objects its pages are filled with."""

    #: Base URL of the live server, e.g. http://127.0.0.1:54321.
    url: str
    #: The Flask app behind it (for url_map and app contexts).
    app: object
    #: URL values by (argument name, the path segment before it), e.g. ("code", "zones") -> "CG".
    values: dict = field(default_factory=dict)
    #: Why a kind of object could not be made (its feature is not built yet), by path segment.
    missing: dict = field(default_factory=dict)
    #: Public-form tokens: an open launch, a closed one.
    open_token: str = ""
    closed_token: str = ""
    #: The open launch itself (for answers that fit its survey).
    open_launch_id: int = 0


def fill_site(app, site: Site) -> None:
    """The demo county, known passwords, a batch, and one object per newer feature."""
    from app.launches.models import Launch
    from app.launches.services import launch_batch, parse_launch_request, response_counts
    from app.organisation.models import School, User, Zone, utcnow
    from app.surveys.sync import sync_surveys
    sync_surveys(app.config["SURVEYS_DIR"])
    _load_small_demo()
    for user in db.session.scalars(select(User)):
        user.set_password(PASSWORD)
    db.session.commit()
    admin = db.session.scalars(select(User).where(User.username == "admin")).one()
    zone = db.session.scalars(select(Zone).where(Zone.code == "CG")).one()
    # A primary school: its pages carry the most indicators (sleep, homework, satisfaction).
    school = db.session.scalars(select(School).where(School.code == "CG01")).one()
    batch = launch_batch(admin, zone.code, parse_launch_request({"survey": "sleep", "audience": "parent"}))
    now = utcnow()
    launches = list(db.session.scalars(select(Launch).where(Launch.school_id == school.id)
                                       .order_by(Launch.opens_at)))
    counts = response_counts([l.id for l in launches])
    # The launch page with the most to show: a closed launch whose figures are published.
    closed = max((l for l in launches if l.state(now) == "closed"), key=lambda l: counts.get(l.id, 0))
    opened = next(l for l in reversed(launches) if l.state(now) == "open" and l.batch_id is None)
    site.open_token, site.closed_token, site.open_launch_id = opened.token, closed.token, opened.id
    site.values.update({
        ("code", "zones"): zone.code, ("zone_code", None): zone.code, ("zone_id", None): zone.id,
        ("code", "schools"): school.code, ("school_code", None): school.code, ("school_id", None): school.id,
        ("launch_id", None): closed.id, ("id", "launches"): closed.id,
        ("batch_id", None): batch.id, ("id", "batches"): batch.id,
        ("token", "s"): opened.token,
        ("username", "users"): "wangjg", ("user_id", None): db.session.scalars(
            select(User.id).where(User.username == "wangjg")).one(),
    })
    for kind, make in MAKERS.items():
        try:
            made = make(admin, school)
        except (ImportError, AttributeError, LookupError) as exc:  # the feature is not built (yet)
            db.session.rollback()
            site.missing[kind] = f"{type(exc).__name__}: {exc}"
            warnings.warn(f"browser test: no {kind} to show ({site.missing[kind]}); its pages are skipped")
            continue
        db.session.commit()
        for (name, segment), value in made.items():
            site.values[(name, segment)] = value


#: The demo county's history cut down to what the pages show: last year's satisfaction survey
#: (year-on-year change), this year's sleep and homework surveys (indicators, standards, ranks)
#: and the satisfaction survey still open (the public form). The full demo publishes ~150
#: launches, which takes the disclosure gate half a minute; this keeps the test quick.
HISTORY_KEPT = {("satisfaction", "2025-12-01"), ("sleep", "2026-03-09"), ("homework", "2026-05-06"),
                ("satisfaction", "2026-11-16")}
#: Two of the demo's four zones: the supervisor's own (CG) and a neighbour.
ZONES_KEPT = ("CG", "DH")


def _load_small_demo() -> None:
    """`flask demo load` on a smaller county, then every due step published up front (what the
    first reader of each figure would otherwise wait for)."""
    import yaml

    from app.demo import cli as demo
    from app.disclosure.gate import advance
    data = yaml.safe_load(demo.COUNTY_FILE.read_text(encoding="utf-8"))
    data["zones"] = [z for z in data["zones"] if z["code"] in ZONES_KEPT]
    small = Path(db.engine.url.database).with_name("county.yaml")
    small.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    kept = [h for h in demo.HISTORY if (h[0], h[3]) in HISTORY_KEPT]
    saved = demo.COUNTY_FILE, demo.HISTORY
    demo.COUNTY_FILE, demo.HISTORY = small, kept
    try:
        demo.load_demo(2026)
    finally:
        demo.COUNTY_FILE, demo.HISTORY = saved
    advance()


def _make_visit(admin, school) -> dict:
    """A submitted visit record at the school (rows straight from the model: its own tests cover
    the services; this test only needs something to show)."""
    from app.visits.models import Visit
    visit = Visit(school_id=school.id, date=date(2026, 11, 20), kind="routine", theme="作业与睡眠管理",
                  methods=["听课", "座谈"], observations="课后服务有序。", highlights="作业公示到位。",
                  problems_found="个别班级作业偏多。", checklist={}, status="submitted",
                  created_by_id=admin.id)
    db.session.add(visit)
    db.session.flush()
    return {("visit_id", None): visit.id, ("id", "visits"): visit.id}


def _make_problem(admin, school) -> dict:
    """An open problem at the school, due in three weeks."""
    from app.visits.models import Problem
    problem = Problem(school_id=school.id, category="homework", description="三年级书面作业时间超过规定。",
                      requirement="两周内调整作业量。", deadline=date.today() + timedelta(days=21),
                      status="open", created_by_id=admin.id)
    db.session.add(problem)
    db.session.flush()
    return {("problem_id", None): problem.id, ("id", "problems"): problem.id}


def _make_complaint(admin, school) -> dict:
    """The school's plaque and a parent's report made through it (the plaque's own services)."""
    from app.plaque.services import file_report, live_plaque, parse_report
    link = live_plaque(school)
    receipt, _code = file_report(link, parse_report(
        {"kind": "complaint", "text": "校门口放学时段交通混乱，希望学校安排老师值守。"}))
    from app.plaque.models import Complaint
    complaint = db.session.scalars(select(Complaint).where(Complaint.receipt == receipt)).one()
    return {("complaint_id", None): complaint.id, ("id", "reports"): complaint.id,
            ("token", "p"): link.token}


def _make_report_job(admin, school) -> dict:
    """A queued annual report for the school (a row, not run: running it is the jobs' tests)."""
    from app.jobs.models import ReportJob
    job = ReportJob(kind="annual", scope={"kind": "school", "code": school.code}, year=2026,
                    format="pdf", requested_by_id=admin.id, status="queued", progress=0.0, attempts=0)
    db.session.add(job)
    db.session.flush()
    return {("job_id", None): job.id, ("id", "analysis"): job.id}


#: Objects of the newer features, by the path segment their pages use.
MAKERS = {"visits": _make_visit, "problems": _make_problem, "reports": _make_complaint,
          "analysis": _make_report_job}
