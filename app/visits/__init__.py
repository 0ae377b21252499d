"""Supervisors' visit records, problems and rectification, the monthly report."""
from flask import Flask


def init_app(app: Flask) -> None:
    """Register models (the views, API and CLI are added by this feature's modules)."""
    from . import models  # noqa: F401
    _init_visits(app)
    _init_problems(app)


def _init_visits(app: Flask) -> None:
    """Visit records (督导纪实): API, pages, the nav link and the school pages' last visit."""
    from flask_babel import lazy_gettext as _l

    from .. import nav
    from ..extensions import csrf
    from .api import bp as visits_api
    from .services import last_visits
    from .views import bp as visit_pages
    csrf.exempt(visits_api)
    app.register_blueprint(visits_api)
    app.register_blueprint(visit_pages)
    nav.register(app, "visits.index", _l("Visit records"), order=40)
    # staff/school.html and staff/zone.html show each school's last visit through this.
    app.jinja_env.globals["last_visits"] = last_visits


def _init_problems(app: Flask) -> None:
    """Problems (整改), the monthly report and coverage: API, pages and their nav links."""
    from flask_babel import lazy_gettext as _l

    from .. import nav
    from ..extensions import csrf
    from .problems_api import bp as problems_api
    from .problems_views import bp as problem_pages
    csrf.exempt(problems_api)
    app.register_blueprint(problems_api)
    app.register_blueprint(problem_pages)
    nav.register(app, "problems.overview", _l("Problems"), order=45)
    nav.register(app, "problems.monthly_page", _l("Monthly report"), order=50)
