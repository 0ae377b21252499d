"""The annual report's charts: bars with 95% interval whiskers, Chinese labels, as PNG data URIs.

Built on app/reporting/charts.py, which draws a suppressed group as a marked gap (no bar, no
whisker, axis scaled on shown figures only).
"""
from __future__ import annotations

import base64

from ..charts import bar_chart_with_intervals

SUPPRESSED_LABEL = "样本不足，不公布"
MISSING_LABEL = "无数据"
#: Enough for print at the report's column width, small enough to keep a 200-school PDF quick.
DPI = 110


def _data_uri(png: bytes) -> str:
    """PNG bytes as a data: URI for an <img> the PDF engine embeds."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def bars(title: str, groups: list[tuple[str, dict | None]], proportion: bool, target: float | None) -> str | None:
    """A horizontal bar chart of groups (label, figure); None when no group has a shown figure."""
    if not groups or not any(f and not f["suppressed"] for _label, f in groups):
        return None
    labels = [label for label, _f in groups]
    hidden = [bool(f is None or f["suppressed"]) for _label, f in groups]
    values = [None if h else f["value"] for h, (_l, f) in zip(hidden, groups)]
    lows = [None if h else f["ci_low"] for h, (_l, f) in zip(hidden, groups)]
    highs = [None if h else f["ci_high"] for h, (_l, f) in zip(hidden, groups)]
    png = bar_chart_with_intervals(
        labels, values, lows, highs, dpi=DPI, title=title, horizontal=True, percent=proportion,
        reference=target, reference_label="目标" if target is not None else "",
        suppressed_mask=hidden, suppressed_label=SUPPRESSED_LABEL, missing_label=MISSING_LABEL,
        value_range=(0, 1) if proportion else None,
        size=(7.0, max(2.2, 0.38 * len(groups) + 1.4)))
    return _data_uri(png)


def topic_chart(model: dict, fig: dict) -> str | None:
    """The chart of one indicator: zones (county report), schools (zone report) or the school
    against its zone and the county (school report)."""
    key = fig["key"]
    title = f"{fig['name']}（95%置信区间）"
    if model["kind"] == "county":
        groups = [(f"{model['place_name']}（全县）", fig)] + [
            (z["name"], z["indicators"].get(key)) for z in model["zones"]]
    elif model["kind"] == "zone":
        groups = [(model["scope_name"], fig)] + [(s["name"], s["indicators"].get(key)) for s in model["schools"]]
    else:
        groups = [("本校", fig), ("本责任区", fig.get("zone")), ("全县", fig.get("county"))]
    return bars(title, groups, fig["proportion"], fig["target"])
