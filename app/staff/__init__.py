"""Staff pages: dashboard, zones, schools, launches, imports."""
from flask import Flask


def init_app(app: Flask) -> None:
    """Register the staff pages."""
    from .blueprint import bp, index
    from flask_babel import lazy_gettext as _l
    from .. import nav
    app.register_blueprint(bp)
    app.add_url_rule("/", "index", index)
    nav.register(app, "staff.home", _l("Dashboard"), order=10)
    nav.register(app, "staff.new_launch", _l("Launch a survey"), nav.writers, order=20)
    nav.register(app, "staff.import_view", _l("Import schools"), nav.admins, order=80)
    nav.register(app, "admin.users", _l("Staff accounts"), nav.admins, order=85)
