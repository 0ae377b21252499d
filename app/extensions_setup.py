"""Bind the shared extensions to an app."""
from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from .extensions import babel, compress, csrf, db, limiter, login_manager, migrate


def init_app(app: Flask) -> None:
    """Bind database, migrations, CSRF, login and the rate limiter."""
    from .database import init_app as init_database
    init_database(app)  # SQLite engine options must be in place before the engine is made
    db.init_app(app)
    migrate.init_app(app, db, render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    limiter.init_app(app)
    compress.init_app(app)
    if app.config["PROXY_COUNT"]:
        # Behind a load balancer the client address is the last one the proxies appended.
        count = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)
