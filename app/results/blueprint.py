"""URL rules of the result pages, charts and CSV downloads (all behind staff login)."""
from __future__ import annotations

import re
from collections import OrderedDict

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ..errors import ServiceError
from ..extensions import db
from ..i18n import format_figure, indicator_name
from ..organisation.models import School, Zone
from ..organisation.services import can_see_school, visible_zones
from ..staff.forms import CloseForm as TargetsForm
from .reports import county_report, parse_scope_args, school_report, zone_report
from ..disclosure import advance
from .services import responses_fingerprint
from .wording import hidden_label, yes_no

bp = Blueprint("results", __name__, url_prefix="/staff")


@bp.before_request
@login_required
def require_login():
    """Every result page needs a signed-in user."""


def scope_args():
    """year and audience from the query string; a bad value is a 422 page, not a 500."""
    return parse_scope_args(request.args)


def zone_or_404(code: str) -> Zone:
    """A zone the current user may see."""
    zone = db.session.scalars(select(Zone).where(Zone.code == code)).first()
    if zone is None or zone not in visible_zones(current_user):
        abort(404)
    return zone


def school_or_404(code: str) -> School:
    """A school the current user may see."""
    school = db.session.scalars(select(School).where(School.code == code)).first()
    if school is None or not can_see_school(current_user, school):
        abort(404)
    return school


@bp.get("/county")
def county():
    """The county: every zone and school side by side (county office and viewers)."""
    if not current_user.sees_whole_county:
        abort(403)
    year, audience = scope_args()
    return render_template("results/county.html", report=county_report(year, audience))


@bp.get("/zones/<code>/results")
def zone(code: str):
    """A zone's schools side by side, ranked with intervals."""
    zone = zone_or_404(code)
    year, audience = scope_args()
    return render_template("results/zone.html", zone=zone, report=zone_report(zone, year, audience))


@bp.route("/targets", methods=["GET", "POST"])
def targets():
    """County targets for school verdicts: everyone may read them, office staff set them."""
    from .targets import current_targets, is_share, save_targets
    form = TargetsForm()
    status, errors = 200, {}
    if request.method == "POST":
        if current_user.role != "admin":
            abort(403)
        if not form.validate_on_submit():
            abort(400)
        try:
            changed = save_targets(current_user, {k: v for k, v in request.form.items()
                                                  if not k.startswith("csrf")})
            if changed:
                flash(_("The targets are saved. Verdicts use them from now on."), "success")
            else:
                flash(_("Nothing was changed: every target is as it was."), "success")
            # The page after the redirect marks just these (the keys are checked against the list).
            return redirect(url_for("results.targets", changed=",".join(changed) or None))
        except ServiceError as exc:
            flash(str(exc.message), "error")
            status = exc.status
            errors = exc.fields
    rows = current_targets()
    changed = set(request.args.get("changed", "").split(",")) & set(rows)
    return render_template("results/targets.html", rows=rows, is_share=is_share, form=form,
                           errors=errors, entered=request.form, changed=changed), status


# ---------------------------------------------------------------- charts and their data

_charts: OrderedDict = OrderedDict()


def clear_cache() -> None:
    """Forget every cached chart (tests start from nothing)."""
    _charts.clear()


def _cached(key, build):
    """Charts are rebuilt only when published figures change (the fingerprint is part of the
    key). Callers check the viewer's access *before* asking: a cached image is served only to
    someone who was allowed to see it."""
    advance()
    key = (key, responses_fingerprint(), str(get_locale()))
    if key not in _charts:
        _charts[key] = build()
        while len(_charts) > 256:
            _charts.popitem(last=False)
    _charts.move_to_end(key)
    return _charts[key]


def _groups_for(scope: str, code: str | None):
    """(title, [(label, figure dict)], target, scope name, year) for a bar chart of one
    indicator across groups."""
    year, audience = scope_args()
    key = request.view_args["key"]
    if scope == "zone":
        zone = zone_or_404(code)
        report = zone_report(zone, year, audience)
        groups = [(s["name"], _find(s["indicators"], key)) for s in report["schools"]]
        title = f"{zone.name} · {indicator_name(key)} · {report['year']}"
        scope_name = zone.name
    else:
        if not current_user.sees_whole_county:
            abort(403)
        report = county_report(year, audience)
        groups = [(z["name"], _find(z["indicators"], key)) for z in report["zones"]]
        title = f"{indicator_name(key)} · {report['year']}"
        scope_name = _("County")
    indicator = _find(report["indicators"], key)
    if indicator is None:
        abort(404)
    return title, groups, indicator.get("target"), scope_name, report["year"]


def _check_chart_access(scope: str, code: str | None) -> None:
    """404 for a zone the viewer may not see, 403 for the county unless they see all of it."""
    if scope == "zone":
        zone_or_404(code)
    elif not current_user.sees_whole_county:
        abort(403)


#: Indicator keys are snake_case identifiers, a dimension after a dot; nothing else names one.
_KEY = re.compile(r"[a-z][a-z0-9_]{0,63}(\.[a-z][a-z0-9_]{0,63})?")


def _find(indicators, key):
    return next((i for i in indicators if i["key"] == key), None)


@bp.get("/charts/<scope>/<key>.png", defaults={"code": None})
@bp.get("/charts/<scope>/<code>/<key>.png")
def bar_chart(scope: str, key: str, code: str | None):
    """Bar chart with 95% intervals of one indicator across a zone's schools or the county's zones."""
    from ..reporting.charts import bar_chart_with_intervals
    if scope not in ("zone", "county"):
        abort(404)
    _check_chart_access(scope, code)

    def build():
        title, groups, target, _scope_name, _year = _groups_for(scope, code)
        figures = [g or {} for _, g in groups]
        return bar_chart_with_intervals(
            [label for label, _ in groups], [f.get("value") for f in figures],
            [f.get("ci_low") for f in figures], [f.get("ci_high") for f in figures],
            title=title, reference=target, reference_label=_("Target"),
            suppressed_mask=[bool(g) and bool(g.get("suppressed")) for _, g in groups],
            # The same mark as the table: hidden_label names why; an absent figure is "—".
            suppressed_labels=[hidden_label(g) for _, g in groups], missing_label="—",
            horizontal=True, percent=key.endswith("_compliance"))
    return Response(_cached(("bar", scope, code, key, request.query_string), build), mimetype="image/png",
                    headers={"Cache-Control": "private, max-age=300"})


@bp.get("/charts/<scope>/<key>.csv", defaults={"code": None})
@bp.get("/charts/<scope>/<code>/<key>.csv")
def bar_chart_csv(scope: str, key: str, code: str | None):
    """The data behind a bar chart; suppressed groups have no figures."""
    if scope not in ("zone", "county") or not _KEY.fullmatch(key):
        abort(404)
    _title, groups, _target, scope_name, year = _groups_for(scope, code)
    rows = [(label, g.get("n", "") if g else "", *figure_cells(g, key)) for label, g in groups]
    return csv_download(f"{scope_name}-{year}-{indicator_name(key)}.csv", figure_header(_("Group")), rows,
                        ascii_name=f"{scope}-{code + '-' if code else ''}{year}-{key}.csv")


@bp.get("/charts/school/<code>/<key>/trend.png")
def trend_chart(code: str, key: str):
    """A school's indicator over the years, with 95% bands."""
    from ..reporting.charts import trend_chart as draw
    school = school_or_404(code)

    def build():
        year, audience = scope_args()
        indicator = _find(school_report(school, year, audience)["indicators"], key)
        if indicator is None or not indicator.get("trend"):
            abort(404)
        periods = indicator["trend"]["periods"]
        return draw([str(p["period"]) for p in periods], [p["value"] for p in periods],
                    [p["ci_low"] for p in periods], [p["ci_high"] for p in periods],
                    title=f"{school.name} · {indicator_name(key)}",
                    missing_labels=[hidden_label(p) for p in periods], percent=key.endswith("_compliance"))
    return Response(_cached(("trend", code, key, request.query_string), build), mimetype="image/png",
                    headers={"Cache-Control": "private, max-age=300"})


@bp.get("/charts/school/<code>/<key>/trend.csv")
def trend_csv(code: str, key: str):
    """The data behind a school's trend chart; 404 for an indicator the school's report lacks."""
    if not _KEY.fullmatch(key):
        abort(404)
    school = school_or_404(code)
    year, audience = scope_args()
    indicator = _find(school_report(school, year, audience)["indicators"], key)
    if indicator is None:
        abort(404)
    series = indicator.get("trend") or {}
    rows = [(p["period"], p["n"], *figure_cells(p, key)) for p in series.get("periods", [])]
    year = series["periods"][-1]["period"] if series.get("periods") else year
    return csv_download(f"{school.name}-{year}-{indicator_name(key)}-{_('by year')}.csv",
                        figure_header(_("Year")), rows, ascii_name=f"{school.code}-{year}-{key}-trend.csv")


def figure_header(first: str) -> list[str]:
    """The header row of a figure CSV: the group column, then n, figures, hidden flag, note."""
    return [first, "n", _("Value"), _("95% CI low"), _("95% CI high"), _("Suppressed"), _("Note")]


def figure_cells(figure: dict | None, key: str) -> list[str]:
    """A figure as CSV cells people read: "46.0%" for shares, 是/否 for hidden, why it is hidden.

    A hidden figure has no value and no interval (the report already gave None for them)."""
    if not figure:
        return ["", "", "", "", "—"]
    hidden = bool(figure.get("suppressed"))
    values = ["" if hidden else format_figure(figure.get(name), key) for name in ("value", "ci_low", "ci_high")]
    return [*values, yes_no(hidden), hidden_label(figure)]


def csv_download(filename: str, header: list[str], rows, ascii_name: str | None = None) -> Response:
    """A CSV that Excel and WPS open with Chinese intact (UTF-8 with BOM), formulas neutralised."""
    from ..downloads import content_disposition
    from ..reporting.csvsafe import write_csv
    return Response(write_csv(header, rows), mimetype="text/csv",
                    headers={"Content-Disposition": content_disposition(filename, ascii_name=ascii_name)})
