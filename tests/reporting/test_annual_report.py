"""The annual analysis report: its numbers against the statistics API, suppression, scopes, fonts."""
from __future__ import annotations

import io
import re
import secrets
import subprocess
from datetime import datetime, timezone

import pytest
from sqlalchemy import insert

from app.extensions import db
from tests.support import require_tool


def store(launch, answers_list, when=None):
    """Store answer dicts as responses of a launch (the launch opened in the same local year)."""
    from app.responses.models import Response
    when = when or datetime(2026, 6, 15, 9, tzinfo=timezone.utc)
    rows = [{"launch_id": launch.id, "school_id": launch.school_id, "survey_version_id": launch.survey_version_id,
             "submitted_hour": when, "receipt": secrets.token_urlsafe(12), "answers": a} for a in answers_list]
    db.session.execute(insert(Response), rows)
    db.session.commit()


def sleep(grade: str, hours: float, bedtime: str = "21:00") -> dict:
    """Sleep-survey answers with the measures that matter."""
    return {"grade": grade, "sleep_hours": hours, "bedtime": bedtime, "wake_time": "06:40"}


@pytest.fixture
def county(make_zone, make_school, make_launch, make_user):
    """Two zones, four schools; 甲校 with 2025 and 2026 answers, 丁校 below the group size (4)."""
    north, south = make_zone(code="N", name="北区"), make_zone(code="S", name="南区")
    a = make_school(code="A", name="甲校", zone=north)
    b = make_school(code="B", name="乙校", zone=north)
    c = make_school(code="C", name="丙校", zone=south)
    d = make_school(code="D", name="丁校", zone=south)
    launches = {}
    for school, year in ((a, 2025), (a, 2026), (b, 2026), (c, 2026), (d, 2026)):
        launches[(school.code, year)] = make_launch("sleep", school=school,
                                                    opens_at=datetime(year, 3, 1, tzinfo=timezone.utc))
    # 2026: A 18 of 30 pass (60.0%), B 25 of 25, C 3 of 15 (20.0%), D 4 responses (hidden).
    store(launches[("A", 2026)], [sleep("3", 9.5)] * 12 + [sleep("4", 10)] * 18)
    store(launches[("A", 2025)], [sleep("3", 10.5)] * 10 + [sleep("3", 8)] * 10,
          when=datetime(2025, 5, 1, 9, tzinfo=timezone.utc))
    store(launches[("B", 2026)], [sleep("2", 10)] * 25)
    store(launches[("C", 2026)], [sleep("5", 10.5)] * 3 + [sleep("5", 9)] * 12)
    store(launches[("D", 2026)], [sleep("5", 7.25)] * 4)
    return {"a": a, "b": b, "c": c, "d": d, "north": north, "south": south,
            "admin": make_user("office", "admin")}


def noop(fraction, label):
    """A progress callback that ignores its calls."""


def pdf_text(data: bytes, tmp_path) -> str:
    """The PDF's text as pdftotext reads it (layout kept)."""
    path = tmp_path / "report.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def build(scope, fmt="pdf", year=2026, audience="parent"):
    """build_annual with progress recorded: (bytes, meta, [(fraction, label)])."""
    from app.reporting.annual import build_annual
    calls = []
    data, meta = build_annual(scope, year, audience, fmt, lambda f, label: calls.append((f, label)))
    return data, meta, calls


def percent(value: float) -> str:
    """A proportion as the report prints it."""
    return f"{value * 100:.1f}%"


def standalone(text: str, figure: str) -> bool:
    """Whether `figure` (e.g. 0.0%) occurs in text not as the tail of a longer number (10.0%)."""
    return re.search(r"(?<![\d.])" + re.escape(figure), text) is not None


@require_tool("pdftotext", package="poppler-utils")
def test_pdf_prints_the_county_api_figures_as_percentages(client, county, token_for, tmp_path):
    api = client.get("/api/v1/county/indicators?year=2026", headers=token_for(county["admin"])).json
    data, meta, _calls = build({"kind": "county"})
    text = pdf_text(data, tmp_path)
    shown = [i for i in api["indicators"] if not i["suppressed"] and i["key"].endswith("_compliance")]
    assert shown, "the fixture must publish county figures"
    for item in shown:
        assert percent(item["value"]) in text
        assert f"{percent(item['ci_low'])}～{percent(item['ci_high'])}" in text
    schools = {s["code"]: s for s in api["schools"]}
    sleep_a = next(i for i in schools["A"]["indicators"] if i["key"] == "sleep_compliance")
    assert percent(sleep_a["value"]) == "60.0%" and "60.0%" in text   # 甲校, below the 90% target
    assert "比上年提高" in text and ("差异显著" in text or "差异不显著" in text)
    assert meta["filename"] == "本县-2026-年度分析报告.pdf" and meta["content_type"] == "application/pdf"
    # Every page but the cover carries 第N页/共M页 with the same M; the contents give page numbers.
    footers = [(int(n), int(m)) for n, m in re.findall(r"第(\d+)页/共(\d+)页", text)]
    total = footers[0][1]
    assert footers == [(n, total) for n in range(2, total + 1)]
    assert re.search(r"主要发现\s*\.{3,}\s*3\n", text)


@require_tool("pdftotext", package="poppler-utils")
def test_a_suppressed_school_has_no_figure_anywhere_in_the_pdf(app, county, tmp_path):
    from app.statistics.intervals import wilson_interval
    data, _meta, _calls = build({"kind": "county"})
    text = pdf_text(data, tmp_path)
    # 丁校's four children all sleep 7.25 h: 0 of 4 pass, Wilson interval 0.0%-49.0%; 4 of 4 bedtimes pass.
    _low, high = wilson_interval(0, 4)
    for hidden in ("0.0%", percent(float(high))):
        assert not standalone(text, hidden)
    line = next(line for line in text.splitlines() if "丁校" in line)
    assert "%" not in line and re.search(r"\b4\b", line)   # its count is shown, no figure


def test_a_suppressed_school_has_no_figure_anywhere_in_the_workbook(app, county):
    from openpyxl import load_workbook
    from app.statistics.intervals import wilson_interval
    data, meta, _calls = build({"kind": "county"}, "xlsx")
    wb = load_workbook(io.BytesIO(data))
    _low, high = wilson_interval(0, 4)
    numbers = [c.value for ws in wb for row in ws.iter_rows() for c in row if isinstance(c.value, float)]
    assert not any(abs(v - float(high)) < 1e-9 for v in numbers)
    sheet = wb["睡眠时间达标"] if "睡眠时间达标" in wb.sheetnames else next(ws for ws in wb if ws.title.startswith("睡眠"))
    header = [c.value for c in sheet[1]]
    rows = {r[1]: dict(zip(header, r)) for r in sheet.iter_rows(min_row=2, values_only=True)}
    d = rows["D"]
    # 丁校's four responses are below one published step: the API gives n 0 and no figure.
    assert d["有效样本数"] == 0 and d["数值"] is None and d["95%区间下限"] is None and d["95%区间上限"] is None
    assert d["上年数值"] is None and d["备注"]
    assert meta["filename"].endswith(".xlsx")


def test_workbook_holds_real_numbers_with_formats(client, county, token_for):
    from openpyxl import load_workbook
    api = client.get("/api/v1/county/indicators?year=2026", headers=token_for(county["admin"])).json
    data, _meta, _calls = build({"kind": "county"}, "xlsx")
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames[0] == "说明" and {"指标汇总", "督导整改", "各校样本"} <= set(wb.sheetnames)
    summary = wb["指标汇总"]
    rows = {r[0].value: r for r in summary.iter_rows(min_row=2)}
    for item in api["indicators"]:
        if item["key"] == "satisfaction_alpha" or item["key"] not in rows:
            continue
        row = rows[item["key"]]
        if item["suppressed"]:
            assert row[3].value is None
        else:
            assert row[3].value == pytest.approx(item["value"]) and row[3].number_format == "0.0%"
            assert row[4].value == pytest.approx(item["ci_low"]) and row[5].value == pytest.approx(item["ci_high"])
    sheet = next(ws for ws in wb if ws.title.startswith("睡眠时间"))
    header = [c.value for c in sheet[1]]
    a = next(r for r in sheet.iter_rows(min_row=2) if r[1].value == "A")
    value = a[header.index("数值")]
    assert value.value == pytest.approx(0.6) and value.number_format == "0.0%"
    assert a[header.index("上年数值")].value == pytest.approx(0.5)
    assert a[header.index("目标")].value == pytest.approx(0.9)
    for ws in wb:
        assert ws.freeze_panes == "A2" and ws.print_title_rows == "$1:$1"
        assert ws.page_setup.fitToWidth == 1 and ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.column_dimensions["A"].width > 8


def test_csv_is_the_indicator_table_with_bom_and_blank_hidden_figures(app, county):
    import csv
    data, meta, _calls = build({"kind": "county"}, "csv")
    assert data.startswith("\ufeff".encode("utf-8")) and meta["content_type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    header, body = rows[0], rows[1:]
    sleep = {r[1]: r for r in body if r[header.index("指标代码")] == "sleep_compliance"}
    assert float(sleep["A"][header.index("数值")]) == pytest.approx(0.6)
    assert sleep["D"][header.index("数值")] == "" and sleep["D"][header.index("有效样本数")] == "0"


@require_tool("pdftotext", package="poppler-utils")
def test_zone_report_shows_no_school_of_another_zone(app, county, tmp_path):
    data, meta, _calls = build({"kind": "zone", "code": "N"})
    text = pdf_text(data, tmp_path)
    assert "甲校" in text and "乙校" in text
    for other in ("丙校", "丁校", "南区"):
        assert other not in text
    assert meta["filename"] == "北区-2026-年度分析报告.pdf"


@require_tool("pdftotext", package="poppler-utils")
def test_school_report_shows_its_own_figures_against_zone_and_county_only(client, county, token_for, tmp_path):
    api = client.get("/api/v1/schools/A/indicators?year=2026", headers=token_for(county["admin"])).json
    sleep = next(i for i in api["indicators"] if i["key"] == "sleep_compliance")
    data, _meta, _calls = build({"kind": "school", "code": "A"})
    text = pdf_text(data, tmp_path)
    for value in (sleep["value"], sleep["zone"]["value"], sleep["county"]["value"]):
        assert percent(value) in text
    assert "比上年提高10.0个百分点" in text   # 50.0% in 2025 to 60.0%
    for other in ("乙校", "丙校", "丁校"):
        assert other not in text
    wb_data, _meta, _calls = build({"kind": "school", "code": "A"}, "xlsx")
    from openpyxl import load_workbook
    wb = load_workbook(io.BytesIO(wb_data))
    cells = {str(c.value) for ws in wb for row in ws.iter_rows() for c in row if c.value is not None}
    assert not any(name in cell for cell in cells for name in ("乙校", "丙校", "丁校"))


@require_tool("pdffonts", package="poppler-utils")
def test_pdf_embeds_only_the_bundled_fonts_regular_and_bold(app, county, tmp_path):
    data, _meta, _calls = build({"kind": "county"})
    path = tmp_path / "r.pdf"
    path.write_bytes(data)
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    fonts = [line.split() for line in out.splitlines()[2:] if line.strip()]
    names = {f[0].split("+", 1)[-1] for f in fonts}
    assert names == {"Dudao-Sans", "Dudao-Sans-Bold"}
    assert all(f[-5] == "yes" for f in fonts)   # emb column: every font embedded


@require_tool("pdftotext", package="poppler-utils")
def test_pdf_has_no_missing_glyphs(app, county, tmp_path):
    """Every character of the text layer maps back (a missing glyph reads as U+FFFD or nothing)."""
    data, _meta, _calls = build({"kind": "county"})
    text = pdf_text(data, tmp_path)
    assert "\ufffd" not in text
    assert "睡眠管理" in text and "主要发现" in text and "甲校" in text


def test_bold_font_is_bundled_with_its_license_and_covers_the_report_wording():
    from fontTools.ttLib import TTFont
    from app.reporting.annual.data import REPORTS_ROOT
    from app.reporting.fonts import FONT_DIR, bold_font_path, font_path
    bold = TTFont(str(bold_font_path()))
    cmap = set(bold.getBestCmap())
    assert bold["name"].getDebugName(1).startswith("Dudao Noto Sans SC")
    assert "SIL OPEN FONT LICENSE Version 1.1" in (FONT_DIR / "LICENSE-noto-sans-sc-bold").read_text()
    wording = (REPORTS_ROOT / "annual" / "report.html").read_text() + (REPORTS_ROOT / "annual" / "layout.yaml").read_text()
    hanzi = {ord(ch) for ch in wording if "\u4e00" <= ch <= "\u9fff"}
    assert hanzi and hanzi <= cmap and hanzi <= set(TTFont(str(font_path())).getBestCmap())


def test_progress_is_reported_along_the_way(app, county):
    _data, _meta, calls = build({"kind": "county"}, "xlsx")
    fractions = [f for f, _label in calls]
    assert fractions[0] == 0.0 and fractions[-1] == 1.0 and len(fractions) >= 4
    assert fractions == sorted(fractions)
    assert all(isinstance(label, str) and label for _f, label in calls)


@pytest.mark.parametrize("scope, year, audience, fmt, error", [
    ({"kind": "region"}, 2026, "parent", "pdf", "InvalidInput"),
    ({"kind": "zone"}, 2026, "parent", "pdf", "InvalidInput"),
    ({"kind": "zone", "code": "NOPE"}, 2026, "parent", "pdf", "NotFound"),
    ({"kind": "school", "code": "NOPE"}, 2026, "parent", "pdf", "NotFound"),
    ({"kind": "county"}, 1999, "parent", "pdf", "InvalidInput"),
    ({"kind": "county"}, "2026", "parent", "pdf", "InvalidInput"),
    ({"kind": "county"}, 2026, "pupil", "pdf", "InvalidInput"),
    ({"kind": "county"}, 2026, "parent", "docx", "InvalidInput"),
])
def test_bad_scope_year_audience_or_format_is_refused(app, county, scope, year, audience, fmt, error):
    from app import errors
    from app.reporting.annual import build_annual
    with pytest.raises(getattr(errors, error)):
        build_annual(scope, year, audience, fmt, noop)


def test_change_is_worded_for_a_non_statistician():
    from app.reporting.annual.data import change_words
    assert change_words("sleep_compliance", 0.052, 0.01) == "比上年提高5.2个百分点，差异显著"
    assert change_words("sleep_compliance", -0.031, 0.4) == "比上年降低3.1个百分点，差异不显著"
    assert change_words("satisfaction_index", 2.25, 0.001) == "比上年提高2.2分，差异显著" or \
        change_words("satisfaction_index", 2.25, 0.001) == "比上年提高2.3分，差异显著"
    assert change_words("homework_minutes_mean", -12.0, 0.02) == "比上年降低12.0分钟，差异显著"


@require_tool("pdftotext", package="poppler-utils")
def test_recommendations_and_rectification_come_from_the_data(app, county, tmp_path):
    from datetime import date
    from app.visits.models import Problem
    a = county["a"]
    db.session.add_all([
        Problem(school_id=a.id, category="sleep", description="x", deadline=date(2026, 5, 1),
                created_at=datetime(2026, 4, 1, tzinfo=timezone.utc)),
        Problem(school_id=a.id, category="sleep", description="y", deadline=date(2026, 5, 1), status="closed",
                created_at=datetime(2026, 4, 1, tzinfo=timezone.utc), closed_at=datetime(2026, 6, 1, tzinfo=timezone.utc)),
        Problem(school_id=a.id, category="sleep", description="z", deadline=date(2026, 5, 1), escalated=True,
                created_at=datetime(2026, 4, 1, tzinfo=timezone.utc), escalated_at=datetime(2026, 5, 20, tzinfo=timezone.utc)),
    ])
    db.session.commit()
    from app.reporting.annual.data import annual_model
    model = annual_model({"kind": "county"}, 2026, "parent", noop)
    assert model["rectification"]["totals"] == {"raised": 3, "closed": 1, "open": 2, "escalated": 1}
    sleep_topic = next(t for t in model["topics"] if t["key"] == "sleep")
    assert sleep_topic["rectification"] == {"raised": 3, "closed": 1, "open": 2, "escalated": 1}
    texts = [r["text"] for r in model["recommendations"]]
    assert any("甲校" in t and "丙校" in t for t in texts)          # schools short of the sleep target
    assert any("65.7%" in t or "低于目标90.0%" in t for t in texts)   # the county figure filled in
    assert any("2个整改问题未销号" in t and "1个已上报" in t for t in texts)
    text = pdf_text(build({"kind": "county"})[0], tmp_path)
    assert "共发现整改问题3个，年内销号1个，年底仍未销号2个，上报督导室1个" in text.replace("\n", "")


def test_workbook_distributions_are_published_per_launch_and_hidden_below_the_group_size(app, county):
    from openpyxl import load_workbook
    data, _meta, _calls = build({"kind": "county"}, "xlsx")
    ws = load_workbook(io.BytesIO(data))["分布-睡眠管理"]
    header = [c.value for c in ws[1]]
    rows = [dict(zip(header, r)) for r in ws.iter_rows(min_row=2, values_only=True)]
    grades_b = [r for r in rows if r["学校代码"] == "B" and r["人数"] is not None and r["人数"] > 0]
    # 乙校: 25 answers, all grade 2, so one option holds everyone.
    assert any(r["人数"] == 25 and r["占比"] == pytest.approx(1.0) for r in grades_b)
    d_rows = [r for r in rows if r["学校代码"] == "D"]
    assert d_rows and all(r["人数"] is None and r["占比"] is None and r["选项"] == "—" and r["备注"] for r in d_rows)
    percent_cells = [c for c in ws["H"][1:] if c.value is not None]
    assert percent_cells and all(c.number_format == "0.0%" for c in percent_cells)


def test_a_workbook_over_too_many_launches_points_to_the_zone_workbooks(make_app, make_zone, make_school,
                                                                       make_launch):
    from openpyxl import load_workbook
    app = make_app(ANNUAL_DISTRIBUTIONS_MAX_LAUNCHES=1)
    with app.app_context():
        zone = make_zone(code="N", name="北区")
        for code in ("A", "B"):
            make_launch("sleep", school=make_school(code=code, zone=zone),
                        opens_at=datetime(2026, 3, 1, tzinfo=timezone.utc))
        data, _meta, _calls = build({"kind": "county"}, "xlsx")
        wb = load_workbook(io.BytesIO(data))
        assert "答题分布" in wb.sheetnames and not any(n.startswith("分布-") for n in wb.sheetnames)
        assert "2次调查" in wb["答题分布"]["A2"].value


def test_the_same_data_gives_the_same_document(app, county):
    first, meta_1, _calls = build({"kind": "zone", "code": "N"})
    second, meta_2, _calls = build({"kind": "zone", "code": "N"})
    assert first == second and meta_1 == meta_2
    assert meta_1["data_as_of"].startswith("2026-06-15T09:00")   # the newest counted response's hour
