"""The translation layer: Simplified Chinese by default, English on request."""
from __future__ import annotations

from flask import Flask, has_request_context, request, session
from flask_babel import get_locale

from .extensions import babel

SUPPORTED = {"zh": "zh_CN", "zh_CN": "zh_CN", "en": "en"}


def select_locale() -> str:
    """?lang=en|zh wins; staff keep their choice in the session; otherwise Chinese."""
    if not has_request_context():  # the CLI: messages in the default language
        return "zh_CN"
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
        return {"lang": current_lang()}

    # Globals, not context: imported macros see them too.
    app.jinja_env.globals.update(stage_name=stage_name, audience_name=audience_name,
                                 indicator_name=indicator_name, verdict_name=verdict_name,
                                 fmt=format_figure)

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


def indicator_name(key: str) -> str:
    """An indicator key in words (dimension indices as "Satisfaction: teaching" etc.)."""
    from flask_babel import gettext as _
    names = {
        "sleep_compliance": _("Sleep time meets the standard"),
        "homework_compliance": _("Homework time meets the standard"),
        "bedtime_compliance": _("Bedtime meets the standard"),
        "phone_compliance": _("Phones handled as required"),
        "activity_compliance": _("Physical activity meets the standard"),
        "reading_compliance": _("No pressure to buy reading materials"),
        "after_school_compliance": _("After-school service offered"),
        "homework_minutes_mean": _("Average homework minutes a day"),
        "satisfaction_index": _("Satisfaction index"),
        "satisfaction_alpha": _("Reliability of the satisfaction scale (Cronbach's alpha)"),
    }
    if key in names:
        return names[key]
    base, _sep, dimension = key.partition(".")
    if base == "satisfaction_index" and dimension:
        return _("Satisfaction: %(dimension)s", dimension=dimension_name(dimension))
    return key


def dimension_name(dimension: str) -> str:
    """A satisfaction dimension in words."""
    from flask_babel import gettext as _
    return {"teaching": _("teaching"), "homework": _("homework"), "safety": _("safety"),
            "fees": _("fees"), "communication": _("home-school communication"),
            "overall": _("overall"), "management": _("school management"),
            "workload": _("workload")}.get(dimension, dimension)


def verdict_name(verdict: str) -> str:
    """A verdict in words."""
    from flask_babel import gettext as _
    return {"meets": _("Meets the target"), "does_not_meet": _("Below the target"),
            "insufficient_data": _("Not enough data")}.get(verdict, verdict)


def format_figure(value, key: str) -> str:
    """A figure as people read it: percentages for shares, one decimal otherwise."""
    if value is None:
        return ""
    if key.endswith("_compliance"):
        return f"{value * 100:.1f}%"
    if key == "satisfaction_alpha":
        return f"{value:.2f}"
    return f"{value:.1f}"
