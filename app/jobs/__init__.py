"""Background jobs (Huey): report generation and exports, with durable job records."""
from flask import Flask


def init_app(app: Flask) -> None:
    """The queue and its tasks, the API, the staff pages, the CLI and the nav link."""
    from flask_babel import lazy_gettext as _l

    from .. import nav
    from ..extensions import csrf
    from . import cli, models, queue  # noqa: F401  (models: migrations and create_all see them)
    from .api import bp as api_bp
    from .views import bp as pages_bp
    queue.init_app(app)
    csrf.exempt(api_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(pages_bp)
    cli.init_app(app)
    nav.register(app, "jobs.index", _l("Reports"), order=60)
