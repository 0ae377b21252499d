"""The translation layer: Simplified Chinese by default, English on request."""
from __future__ import annotations

from flask import Flask, g, request, session
from flask_babel import get_locale

from .extensions import babel

SUPPORTED = {"zh": "zh_CN", "zh_CN": "zh_CN", "en": "en"}


def select_locale() -> str:
    """?lang=en|zh wins; staff keep their choice in the session; otherwise Chinese."""
    wanted = request.args.get("lang")
    if wanted in SUPPORTED:
        if request.blueprint in STAFF_BLUEPRINTS:
            session["lang"] = SUPPORTED[wanted]
        return SUPPORTED[wanted]
    if request.blueprint in STAFF_BLUEPRINTS and session.get("lang") in ("zh_CN", "en"):
        return session["lang"]
    return "zh_CN"


#: Blueprints whose users have a session to remember a language in (the public side has none).
STAFF_BLUEPRINTS = {"staff", "auth", "results"}


def current_lang() -> str:
    """'zh' or 'en', the key used in survey definitions' translated texts."""
    return "en" if str(get_locale()).startswith("en") else "zh"


def init_app(app: Flask) -> None:
    """Bind Flask-Babel and expose the language to templates."""
    babel.init_app(app, locale_selector=select_locale)

    @app.context_processor
    def language():
        return {"lang": current_lang(), "stage_name": stage_name, "audience_name": audience_name}

    app.add_template_filter(local_date, "localdate")


def stage_name(stage: str) -> str:
    """A school stage in words."""
    from flask_babel import gettext as _
    return {"primary": _("Primary school"), "junior": _("Junior high school"),
            "senior": _("Senior high school"), "nine_year": _("Nine-year school"),
            "twelve_year": _("Twelve-year school"), "kindergarten": _("Kindergarten")}.get(stage, stage)


def audience_name(audience: str) -> str:
    """An audience in words."""
    from flask_babel import gettext as _
    return {"parent": _("Parents"), "student": _("Students"), "teacher": _("Teachers")}.get(audience, audience)


def local_date(moment) -> str:
    """A stored UTC time as a local date, e.g. 2026年12月20日."""
    from flask_babel import format_date
    from .launches.services import local_time
    return format_date(local_time(moment), "medium") if moment else ""
