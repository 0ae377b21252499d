"""Results: statistics over stored responses, for the API and the staff pages."""
from flask import Flask


def init_app(app: Flask) -> None:
    """Register the result pages."""
    from .blueprint import bp
    from flask_babel import lazy_gettext as _l
    from .. import nav
    app.register_blueprint(bp)
    nav.register(app, "results.county", _l("County results"), lambda user: user.sees_whole_county,
                 order=30)
    nav.register(app, "results.targets", _l("Targets"), order=70)
