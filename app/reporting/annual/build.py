"""The annual report command: model once, then PDF, XLSX or CSV (called by the job queue and CLI)."""
from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import current_app

from .charts import topic_chart
from .data import annual_model, check_request, layout, resolve_scope
from .pdf import render_pdf

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


def as_of_text(model: dict) -> str:
    """The data timestamp in local time, as printed on the cover."""
    local = model["data_as_of"].astimezone(ZoneInfo(current_app.config["TIMEZONE"]))
    return f"{local:%Y年%m月%d日 %H:00}"


def filename(model: dict, fmt: str) -> str:
    """清河县-2026-年度分析报告.pdf (the audience named unless it is parents, the default)."""
    audience = "" if model["audience"] == "parent" else f"{model['audience_label']}-"
    name = {"pdf": "年度分析报告", "xlsx": "年度分析数据", "csv": "年度指标表"}[fmt]
    return f"{model['scope_name']}-{model['year']}-{audience}{name}.{fmt}"


def annual_pdf(model: dict, progress) -> bytes:
    """The report model as the PDF document."""
    charts = {}
    figures = [f for t in model["topics"] for f in t["figures"]]
    for i, fig in enumerate(figures):
        progress(0.55 + 0.2 * i / max(1, len(figures)), "绘制图表")
        charts[fig["key"]] = topic_chart(model, fig)
    labels = layout()["problem_categories"]
    rect_rows = [(labels.get(c, c), counts) for c, counts in sorted(model["rectification"]["by_category"].items(),
                                                                   key=lambda kv: list(labels).index(kv[0])
                                                                   if kv[0] in labels else 99)]
    progress(0.8, "排版PDF")
    title = f"{model['scope_name']}{model['year']}年度{model['audience_label']}问卷调查分析报告"
    return render_pdf("annual/report.html", m=model, charts=charts, title=title,
                      as_of_text=as_of_text(model), rect_rows=rect_rows)


def build_annual(scope: dict, year: int, audience: str, fmt: str, progress) -> tuple[bytes, dict]:
    """See app.reporting.annual.build_annual."""
    check_request(year, audience, fmt)
    resolve_scope(scope)   # a bad scope fails before any figure is read
    progress(0.0, "开始")
    model = annual_model(scope, year, audience, progress, distributions=fmt == "xlsx")
    if fmt == "pdf":
        data = annual_pdf(model, progress)
    elif fmt == "xlsx":
        from .xlsx import annual_workbook
        data = annual_workbook(model, progress)
    else:
        from .csv import indicator_csv
        data = indicator_csv(model).encode("utf-8")
    progress(1.0, "完成")
    return data, {"data_as_of": model["data_as_of"].isoformat(), "filename": filename(model, fmt),
                  "content_type": CONTENT_TYPES[fmt]}
