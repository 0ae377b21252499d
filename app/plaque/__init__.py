"""The school plaque: one permanent link per school, and anonymous reports (投诉、建议)."""
from flask import Flask


def init_app(app: Flask) -> None:
    """Register the models, the public side, the staff pages and API, and the nav link."""
    from flask_babel import lazy_gettext as _l

    from .. import nav
    from ..extensions import csrf
    from . import models  # noqa: F401
    from .api import bp as api_bp
    from .public import bp as public_bp
    from .staff import bp as staff_bp
    # The public side carries its own guards (ticket, honeypot, rate limit) and has no session
    # to hold a CSRF token; the API is authenticated by bearer tokens.
    csrf.exempt(public_bp)
    csrf.exempt(api_bp)
    app.register_blueprint(public_bp)
    app.register_blueprint(staff_bp)
    app.register_blueprint(api_bp)
    nav.register(app, "plaque_staff.inbox", _l("Reports from parents"), handlers, order=55)


def handlers(user) -> bool:
    """Admins and supervisors handle reports (viewers do not see them)."""
    return user.role in ("admin", "supervisor")
