"""The annual report counts anonymous reports from the plaque by kind, category and outcome, per
scope, and never quotes them."""
from __future__ import annotations

import io

from tests.reporting.test_annual_report import build, county, pdf_text  # noqa: F401  (fixture)
from tests.support import require_tool

TEXT = "作业太多孩子每天写到十一点半"


def file(client, school, **body):
    """File one report through the public API."""
    from app.plaque.services import live_plaque
    body = {"kind": "complaint", "category": "homework", "text": TEXT, **body}
    response = client.post(f"/api/v1/public/plaque/{live_plaque(school).token}/reports", json=body)
    assert response.status_code == 201, response.text


def test_reports_are_counted_in_scope_and_never_quoted(app, client, county, tmp_path):
    from openpyxl import load_workbook
    require_tool("pdftotext", package="poppler-utils")
    file(client, county["a"])
    file(client, county["b"], kind="suggestion", category="food")
    file(client, county["c"], category="safety")   # the other zone
    text = pdf_text(build({"kind": "county"})[0], tmp_path).replace(" ", "")
    assert "收到投诉、建议和表扬共3件" in text
    assert TEXT not in text
    zone_text = pdf_text(build({"kind": "zone", "code": "N"})[0], tmp_path).replace(" ", "")
    assert "共2件" in zone_text and "安全" not in zone_text.split("群众反映")[-1].split("工作建议")[0]
    workbook = load_workbook(io.BytesIO(build({"kind": "zone", "code": "N"}, "xlsx")[0]))
    rows = list(workbook["群众反映"].iter_rows(min_row=2, values_only=True))
    assert ("类型", "投诉", 1) in rows and ("类型", "建议", 1) in rows
    assert ("涉及方面", "食堂伙食", 1) in rows and ("合计", "收到", 2) in rows
    assert not any(TEXT in str(v) for ws in workbook for row in ws.iter_rows(values_only=True)
                   for v in row)
