"""Fixtures of the browser test: the live server (see live.py) and one headless Chromium."""
from __future__ import annotations

import os
import threading

import pytest
from flask_migrate import upgrade
from werkzeug.serving import make_server

from app import create_app
from app.extensions import db
from browser.live import CHROMIUM, MIGRATIONS, Site, fill_site


def pytest_configure(config):
    """Register the marker, so `-m "not browser"` can leave the test out of a quick run."""
    config.addinivalue_line("markers", "browser: renders pages in headless Chromium")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """Start the app on a free port over a fresh, migrated, demo-filled SQLite file."""
    from conftest import clear_process_caches  # tests/conftest.py: caches keyed by ids
    clear_process_caches()
    path = tmp_path_factory.mktemp("browser") / "site.sqlite3"
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
                                 # The real sign-in form, with its CSRF token, as a browser sends it.
                                 "WTF_CSRF_ENABLED": True})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    # Posters and QR codes point at the server itself (no "PUBLIC_BASE_URL is not set" banner).
    app.config["PUBLIC_BASE_URL"] = url
    with app.app_context():
        upgrade(directory=str(MIGRATIONS))
        site = Site(url=url, app=app)
        fill_site(app, site)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield site
    server.shutdown()
    thread.join(5)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    clear_process_caches()


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium for the whole module (skips cleanly when Playwright is absent)."""
    # Where Chromium is missing: skipped locally, failed under CI (as tests/support.py does).
    give_up = pytest.fail if os.environ.get("CI") else pytest.skip
    try:
        from playwright import sync_api
    except ImportError:
        give_up("the playwright package (requirements.txt) is not installed")
    if not CHROMIUM.is_file():
        give_up(f"{CHROMIUM} not found (Debian package chromium): install it, see .ci/run")
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield chromium
        chromium.close()
