"""`flask demo load`: the demo county, loaded once; prints how to sign in."""
from __future__ import annotations

import os
import random
import secrets
from datetime import datetime, timedelta, timezone
from pathlib import Path

import click
import yaml
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import insert, select

from ..definitions import STAGE_GRADES
from ..extensions import db
from ..launches.models import Launch
from ..organisation.models import School, User, Zone
from ..responses.models import Response
from ..responses.services import coarse_hour
from ..surveys.registry import definition_of, latest_version
from .generate import fake_answers

demo_cli = AppGroup("demo", help="The demo county.")
COUNTY_FILE = Path(__file__).with_name("county.yaml")

#: (survey key, audience, stages it is launched at, opens, closes (None = still open), responses).
HISTORY = [
    ("satisfaction", "parent", None, "2024-12-02", "2024-12-25", (35, 90)),
    ("satisfaction", "parent", None, "2025-12-01", "2025-12-24", (40, 100)),
    ("sleep", "parent", ("primary", "junior", "nine_year", "twelve_year"), "2026-03-09", "2026-03-27", (30, 80)),
    ("after_school", "parent", ("primary", "junior", "nine_year"), "2026-04-07", "2026-04-24", (25, 70)),
    ("homework", "parent", ("primary", "junior", "nine_year", "twelve_year"), "2026-05-06", "2026-05-22", (30, 80)),
    ("activity", "parent", ("primary", "junior", "nine_year", "twelve_year"), "2026-05-11", "2026-05-29", (20, 60)),
    ("phone", "parent", ("primary", "junior", "nine_year", "twelve_year", "senior"), "2026-09-14", "2026-09-30", (30, 80)),
    ("homework_student", "student", ("junior", "nine_year"), "2026-10-12", "2026-10-30", (40, 90)),
    ("teacher_workload", "teacher", ("primary", "kindergarten"), "2026-10-19", "2026-11-06", (4, 30)),
    ("satisfaction", "parent", None, "2026-11-16", None, (5, 45)),
]


def login_file() -> Path:
    """Where the demo logins are kept (instance/, never committed)."""
    return Path(current_app.instance_path) / "demo-logins.txt"


@demo_cli.command("load")
@click.option("--seed", default=2026, help="Random seed for the responses.")
def load_command(seed: int):
    """Load the demo county unless any zone exists; then print how to sign in."""
    if db.session.scalar(select(Zone.id).limit(1)) is None:
        logins = load_demo(seed)
        path = login_file()
        path.write_text("\n".join(f"{role}\t{user}\t{password}" for role, user, password in logins) + "\n",
                        encoding="utf-8")
        os.chmod(path, 0o600)
        click.echo("Demo county loaded.")
    print_logins()


@demo_cli.command("logins")
def logins_command():
    """Print the demo sign-ins again."""
    print_logins()


def print_logins() -> None:
    """Echo the demo accounts, if this database has them."""
    path = login_file()
    if not path.exists():
        click.echo("No demo logins recorded (the database was set up without the demo).")
        return
    click.echo("Sign in at http://127.0.0.1:%s/login with:" % os.environ.get("PORT", "5000"))
    for line in path.read_text(encoding="utf-8").splitlines():
        role, user, password = line.split("\t")
        click.echo(f"  {role:<10} {user:<10} {password}")


def load_demo(seed: int) -> list[tuple[str, str, str]]:
    """Create zones, schools, staff, launches and responses; returns (role, user, password)."""
    data = yaml.safe_load(COUNTY_FILE.read_text(encoding="utf-8"))
    rng = random.Random(seed)
    logins = []
    admin = _user("admin", "admin", "县督导室", logins)
    viewer = _user(data["viewer"]["username"], "viewer", data["viewer"]["name"], logins)
    schools = []
    for z in data["zones"]:
        zone = Zone(code=z["code"], name=z["name"])
        supervisor = _user(z["supervisor"]["username"], "supervisor", z["supervisor"]["name"], logins)
        supervisor.zones.append(zone)
        for s in z["schools"]:
            schools.append(School(code=s["code"], name=s["name"], stage=s["stage"], zone=zone))
        db.session.add_all([zone, supervisor])
    db.session.add_all([admin, viewer])
    db.session.flush()
    quality = {s.code: rng.uniform(-1, 1) for s in schools}
    for key, audience, stages, opens, closes, (low, high) in HISTORY:
        version = latest_version(key)
        if version is None:
            continue
        survey = definition_of(version)
        opens_at = _day(opens)
        closes_at = _day(closes) if closes else None
        for school in schools:
            if stages is not None and school.stage not in stages:
                continue
            launch = Launch(survey_version_id=version.id, school=school, audience=audience,
                            opens_at=opens_at, closes_at=closes_at or _day("2026-12-31"),
                            created_by_id=admin.id)
            db.session.add(launch)
            db.session.flush()
            span = ((closes_at or datetime.now(timezone.utc)) - opens_at).total_seconds()
            rows = []
            for _ in range(rng.randint(low, high)):
                moment = opens_at + timedelta(seconds=rng.uniform(0, span))
                rows.append({"launch_id": launch.id, "school_id": school.id,
                             "survey_version_id": version.id, "submitted_hour": coarse_hour(moment),
                             "receipt": secrets.token_urlsafe(12),
                             "answers": fake_answers(survey, school.stage, rng,
                                                     quality=quality[school.code],
                                                     comments=data["comments"])})
            if rows:
                db.session.execute(insert(Response), rows)
    from ..plaque.demo import add_demo_complaints
    add_demo_complaints(schools, rng)  # a handful of anonymous reports in different states
    db.session.commit()
    from ..disclosure.gate import advance
    advance()  # publish the demo's answers now, not on a newcomer's first page view
    from ..visits.demo import load_demo_visits  # a year of visits, problems, monthly reports
    load_demo_visits(seed)
    return logins


def _user(username: str, role: str, name: str, logins: list[tuple[str, str, str]]) -> User:
    """A demo account with its own random password, noted in `logins`."""
    password = "demo-" + secrets.token_urlsafe(9)
    user = User(username=username, role=role, display_name=name)
    user.set_password(password)
    logins.append((role, username, password))
    return user


def _day(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(hour=1, tzinfo=timezone.utc)
