"""Fixtures: an app on a migrated database (SQLite file, or PostgreSQL via TEST_DATABASE_URL),
emptied after every test, plus factories that keep tests short."""
from __future__ import annotations

import os
import re
from datetime import datetime, timedelta, timezone

import pytest
import yaml
from flask import g
from flask_migrate import upgrade
from sqlalchemy import create_engine, text

from app import create_app
from app.definitions import parse_definition
from app.definitions.loader import SCALES_FILE, load_scales
from app.extensions import db

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL", "")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    """A database migrated once per session with the real Alembic migrations."""
    if POSTGRES_URL:
        engine = create_engine(POSTGRES_URL)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
        url = POSTGRES_URL
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade(directory=os.path.join(os.path.dirname(__file__), "..", "migrations"))
        db.engine.dispose()
    return url


def _empty_all_tables() -> None:
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    if db.engine.dialect.name == "postgresql":
        # No RESTART IDENTITY: ids keep growing across tests, so a figure or cache keyed by an id
        # of an earlier test cannot pass for this test's. (SQLite hands out max(id) + 1, so an
        # emptied table starts again at 1 there; the caches are cleared below for that reason.)
        db.session.execute(text(f"TRUNCATE {', '.join(tables)} CASCADE"))
    else:
        for name in tables:
            db.session.execute(text(f"DELETE FROM {name}"))
    db.session.commit()


@pytest.fixture
def make_app(database_url):
    """Build an app on the test database with config overrides; surveys synced."""
    apps = []

    def build(sync: bool = True, **overrides):
        app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_url, **overrides})
        apps.append(app)
        # Tests keep one app context pushed, so `g` outlives a request; in production every
        # request has its own. Start each request with an empty `g`, as production does.
        app.before_request(lambda: vars(g).clear())
        if sync:
            from app.surveys.sync import sync_surveys
            with app.app_context():
                sync_surveys(app.config["SURVEYS_DIR"])
        return app

    yield build
    for app in apps:
        with app.app_context():
            db.session.remove()
            _empty_all_tables()
            db.engine.dispose()
    clear_process_caches()


def clear_process_caches() -> None:
    """Forget everything a worker keeps in memory between requests, as a fresh process would:
    no test may read figures, charts or launches an earlier test left behind."""
    from app.extensions import limiter
    from app.launches import services as launches
    from app.results import blueprint as result_pages, services as results
    from app.statistics import standards
    from app.surveys import registry
    registry._definitions.clear()
    launches.clear_public_cache()
    results.clear_caches()
    result_pages.clear_cache()
    standards.national_standards.cache_clear()
    try:
        limiter.reset()  # the in-memory rate-limit counters
    except Exception:  # noqa: BLE001 - a limiter never initialised has nothing to reset
        pass


@pytest.fixture
def app(make_app):
    """The default test app, in an application context."""
    app = make_app()
    with app.app_context():
        yield app


@pytest.fixture
def client(app):
    """A test client (no CSRF on forms, no minimum fill time, no rate limit)."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """A CLI runner for `flask ...` commands."""
    return app.test_cli_runner()


@pytest.fixture
def make_zone(app):
    """Create a zone."""
    from app.organisation.models import Zone
    counter = iter(range(1, 10_000))

    def make(**overrides):
        n = next(counter)
        zone = Zone(**{"code": f"Z{n}", "name": f"责任区{n}", **overrides})
        db.session.add(zone)
        db.session.commit()
        return zone
    return make


@pytest.fixture
def make_school(app, make_zone):
    """Create a school (in a new zone unless one is given)."""
    from app.organisation.models import School
    counter = iter(range(1, 10_000))

    def make(**overrides):
        n = next(counter)
        if "zone" not in overrides:
            overrides["zone"] = make_zone()
        school = School(**{"code": f"S{n}", "name": f"第{n}小学", "stage": "primary", **overrides})
        db.session.add(school)
        db.session.commit()
        return school
    return make


@pytest.fixture
def make_user(app):
    """Create a staff user (password 'password123'), optionally with zones."""
    from app.organisation.models import User

    def make(username="user", role="admin", zones=(), password="password123", **extra):
        user = User(username=username, role=role, **extra)
        user.set_password(password)
        user.zones.extend(zones)
        db.session.add(user)
        db.session.commit()
        return user
    return make


@pytest.fixture
def token_for(app):
    """An API bearer token header for a user."""
    from app.organisation.services import issue_token

    def headers(user):
        return {"Authorization": f"Bearer {issue_token(user.username)}"}
    return headers


@pytest.fixture
def make_launch(app, make_school, make_user):
    """Launch a built-in survey at a school (a new primary school unless given)."""
    from app.launches.models import Launch
    from app.surveys.registry import latest_version

    def make(survey="sleep", school=None, audience="parent", closes_at=None, **overrides):
        school = school or make_school()
        launch = Launch(survey_version_id=latest_version(survey).id, school=school,
                        audience=audience, closes_at=closes_at, **overrides)
        db.session.add(launch)
        db.session.commit()
        return launch
    return make


@pytest.fixture(scope="session")
def scales():
    """The shared Likert scales and grade labels of the project."""
    return load_scales(os.path.join(os.path.dirname(__file__), "..", "surveys", SCALES_FILE))


@pytest.fixture
def make_survey(scales):
    """Build a tiny `Survey` from a list of question dicts (or a YAML string of them)."""
    def make(questions, **overrides):
        """A tiny survey; `overrides` replace top-level fields."""
        if isinstance(questions, str):
            questions = yaml.safe_load(questions)
        data = {"key": "tiny", "title": "小问卷", "audiences": ["parent"], "questions": questions}
        data.update(overrides)
        return parse_definition(data, scales=scales, source="tiny.yaml")
    return make
