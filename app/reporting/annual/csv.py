"""The annual indicator table as CSV (UTF-8 with BOM, formula-safe): a row per school and indicator."""
from __future__ import annotations

from ..csvsafe import write_csv
from .data import layout

_HEADER_EXTRA = ("指标代码", "指标")


def indicator_rows(model: dict) -> list[list]:
    """Rows of (zone, code, school, n, value, ci_low, ci_high, target, verdict, last year, key, name);
    a suppressed figure is an empty cell."""
    rows = []
    fields = [field for _h, field, _w in layout()["workbook"]["indicator_columns"]]
    for school in model["schools"]:
        for key, fig in school["indicators"].items():
            values = {"zone": school["zone_name"], "code": school["code"], "name": school["name"],
                      "n": fig["n"], "value": fig["value"], "ci_low": fig["ci_low"], "ci_high": fig["ci_high"],
                      "target": fig["target"], "verdict": verdict_text(fig), "previous": fig.get("previous")}
            rows.append([values[f] for f in fields] + [key, fig["name"]])
    return rows


def verdict_text(fig: dict) -> str:
    """达到 / 未达到 / 样本不足 / blank (no target)."""
    if fig["suppressed"]:
        return "样本不足"
    return {"meets": "达到", "does_not_meet": "未达到"}.get(fig["verdict"] or "", "")


def indicator_csv(model: dict) -> str:
    """The CSV document of `indicator_rows` with its header."""
    header = [h for h, _f, _w in layout()["workbook"]["indicator_columns"]] + list(_HEADER_EXTRA)
    return write_csv(header, indicator_rows(model))
