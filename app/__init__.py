"""Dudao: anonymous school-supervision surveys for county education offices."""
from __future__ import annotations

import os

from flask import Flask

from config import CONFIGS, INSTANCE_DIR


def create_app(config_name: str | None = None, test_config: dict | None = None) -> Flask:
    """Build the app: configure, bind extensions, register each feature."""
    app = Flask(__name__, instance_path=str(INSTANCE_DIR))
    configure(app, config_name, test_config)

    from . import api, database, demo, errors, guards, i18n, launches, organisation, respond, results
    from . import surveys, extensions_setup, headers, staff, nav, audit, visits, plaque, jobs

    extensions_setup.init_app(app)
    database.init_app(app)
    i18n.init_app(app)
    errors.init_app(app)
    guards.init_app(app)
    headers.init_app(app)
    organisation.init_app(app)
    surveys.init_app(app)
    launches.init_app(app)
    respond.init_app(app)
    results.init_app(app)
    api.init_app(app)
    staff.init_app(app)
    nav.init_app(app)
    audit.init_app(app)
    visits.init_app(app)
    plaque.init_app(app)
    jobs.init_app(app)
    demo.init_app(app)
    return app


def configure(app: Flask, config_name: str | None, test_config: dict | None) -> None:
    """Load the config class named by DUDAO_CONFIG (development, testing, production)."""
    name = config_name or os.environ.get("DUDAO_CONFIG", "development")
    config_class = CONFIGS[name]
    app.config.from_object(config_class)
    # Secrets are read when the app is made, not when config.py was imported.
    if os.environ.get("SECRET_KEY") and name != "testing":
        app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]
    if test_config:
        app.config.update(test_config)
    config_class.check(app.config, app.logger)
    os.makedirs(app.instance_path, exist_ok=True)
