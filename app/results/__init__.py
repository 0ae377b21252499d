"""Results: statistics over stored responses, for the API and the staff pages."""
from flask import Flask


def init_app(app: Flask) -> None:
    """Register the result pages."""
    from .blueprint import bp
    from flask_babel import lazy_gettext as _l
    from .. import nav
    app.register_blueprint(bp)
    from . import wording  # plain-language phrasing, for result pages and imported macros alike
    app.jinja_env.globals.update(
        hidden_label=wording.hidden_label, hidden_reason=wording.hidden_reason,
        partner_note=wording.partner_note, rank_text=wording.rank_text,
        tie_group_note=wording.tie_group_note, schools_differ_text=wording.schools_differ_text,
        change_text=wording.change_text, standard_lines=wording.standard_lines,
        alpha_note=wording.alpha_note)
    nav.register(app, "results.county", _l("County results"), lambda user: user.sees_whole_county,
                 order=30)
    nav.register(app, "results.targets", _l("Targets"), order=70)
