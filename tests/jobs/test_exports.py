"""Response data export: published rows only, labels and codes, option columns, no free text by
default, BOM, sheets split at a row limit, refusal under MIN_GROUP_SIZE, access."""
from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from app.jobs.exports import build_export

from .conftest import sleep_answer


def _export(client, headers, **body):
    payload = {"survey": "sleep", "scope": "county", "format": "csv"}
    payload.update(body)
    return client.post("/api/v1/exports", json=payload, headers=headers)


def _download(client, headers, response):
    assert response.status_code == 202, response.get_json()
    status = client.get(response.get_json()["url"], headers=headers).get_json()
    assert status["status"] == "done", status
    return client.get(status["download_url"], headers=headers)


def _rows(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")   # UTF-8 BOM for Excel and WPS
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_csv_has_label_and_code_header_rows_and_one_row_per_published_response(county, client, token_for,
                                                                                add_published):
    # 5 more at school A stay unpublished (fewer than MIN_GROUP_SIZE pending): not exported.
    add_published(county["launches"][0], [sleep_answer(i) for i in range(5)])
    headers = token_for(county["users"]["admin"])
    rows = _rows(_download(client, headers, _export(client, headers)).data)
    labels, codes, data = rows[0], rows[1], rows[2:]
    assert len(data) == 24
    assert codes[:8] == ["row", "zone", "school_code", "school", "audience", "launch", "submitted_hour", "grade"]
    assert "孩子现在读几年级？" in labels and labels[codes.index("zone")] != "zone"
    # Labels, not codes, in the cells; the coarse hour only (09:00 UTC is 17:00 in Shanghai).
    grade = codes.index("grade")
    assert {row[grade] for row in data} <= {"一年级", "二年级", "三年级", "四年级", "五年级", "六年级"}
    assert {row[codes.index("submitted_hour")] for row in data} == {"2026-06-15 17:00"}
    assert [row[codes.index("school_code")] for row in data] == ["SA"] * 12 + ["SB"] * 12
    assert [int(row[0]) for row in data] == list(range(1, 25))


def test_multiple_choice_is_one_zero_or_one_column_per_option(county, client, token_for):
    headers = token_for(county["users"]["admin"])
    rows = _rows(_download(client, headers, _export(client, headers, scope={"school": "SA"})).data)
    codes, data = rows[1], rows[2:]
    option_columns = [c for c in codes if c.startswith("reasons.")]
    assert option_columns == ["reasons.homework", "reasons.tutoring", "reasons.screens",
                              "reasons.cannot_sleep", "reasons.other", "reasons.not_late"]
    home, late = codes.index("reasons.homework"), codes.index("reasons.not_late")
    assert sorted((row[home], row[late]) for row in data) == [("0", "1")] * 6 + [("1", "0")] * 6
    assert "：" in rows[0][home]   # "question：option" label


def test_an_unanswered_multiple_choice_question_is_blank_not_zero(county, client, token_for):
    headers = token_for(county["users"]["admin"])
    rows = _rows(_download(client, headers, _export(client, headers, scope={"school": "SB"})).data)
    home = rows[1].index("reasons.homework")
    assert {row[home] for row in rows[2:]} == {""}


def test_free_text_only_when_asked_for_and_only_for_admins(county, client, token_for):
    admin = token_for(county["users"]["admin"])
    plain = _rows(_download(client, admin, _export(client, admin, scope={"school": "SA"})).data)
    assert "comments" not in plain[1]
    assert not any("意见" in cell for row in plain for cell in row)
    with_text = _rows(_download(client, admin, _export(client, admin, scope={"school": "SA"}, free_text=True)).data)
    column = with_text[1].index("comments")
    assert sorted(row[column] for row in with_text[2:]) == sorted(f"意见{i}" for i in range(12))
    sup = token_for(county["users"]["sup1"])
    assert _export(client, sup, scope={"school": "SA"}, free_text=True).status_code == 403
    assert _export(client, token_for(county["users"]["viewer"]), free_text=True).status_code == 403


def test_formula_like_text_is_neutralised(county, client, token_for, make_school, make_launch, add_published):
    school = make_school(code="SX", name="=HYPERLINK(\"http://x\")", zone=county["zones"][0])
    add_published(make_launch(school=school, opens_at=county["launches"][0].opens_at),
                  [sleep_answer(i, comments="=1+1") for i in range(10)])
    admin = token_for(county["users"]["admin"])
    rows = _rows(_download(client, admin, _export(client, admin, scope={"school": "SX"}, free_text=True)).data)
    assert rows[2][rows[1].index("school")].startswith("'=")
    assert rows[2][rows[1].index("comments")] == "'=1+1"


def test_xlsx_keeps_formula_like_text_as_text_and_unanswered_cells_empty(county, client, token_for,
                                                                         make_school, make_launch,
                                                                         add_published):
    school = make_school(code="SX", name="=HYPERLINK(\"http://x\")", zone=county["zones"][0])
    answers = [sleep_answer(i, comments="=1+1") for i in range(10)]   # nobody gave arrival_time
    add_published(make_launch(school=school, opens_at=county["launches"][0].opens_at), answers)
    admin = token_for(county["users"]["admin"])
    data = _download(client, admin, _export(client, admin, format="xlsx", scope={"school": "SX"},
                                            free_text=True)).data
    workbook = load_workbook(io.BytesIO(data))           # full mode: cell types are visible
    sheet = workbook[workbook.sheetnames[0]]
    codes = [cell.value for cell in sheet[2]]
    assert workbook.sheetnames[-1] != workbook.sheetnames[0] and sheet.freeze_panes == "A3"
    assert all(cell.font.b for cell in sheet[1]) and all(cell.font.b for cell in sheet[2])
    body = list(sheet.iter_rows(min_row=3))
    assert len(body) == 10
    school_cells = [row[codes.index("school")] for row in body]
    comment_cells = [row[codes.index("comments")] for row in body]
    assert {(c.data_type, c.value) for c in school_cells} == {("s", "'=HYPERLINK(\"http://x\")")}
    assert {(c.data_type, c.value) for c in comment_cells} == {("s", "'=1+1")}
    hours = [row[codes.index("sleep_hours")] for row in body]
    assert all(c.data_type == "n" and isinstance(c.value, (int, float)) for c in hours)
    assert [row[codes.index("bedtime")].value for row in body] == ["21:30"] * 10
    assert [row[codes.index("arrival_time")].value for row in body] == [None] * 10
    reasons = [i for i, code in enumerate(codes) if code.startswith("reasons.")]
    assert reasons and all(row[i].value is None for row in body for i in reasons)


def test_xlsx_splits_into_sheets_at_the_row_limit_each_with_both_headers(county, app):
    progress = []
    path, meta = build_export({"kind": "county"}, "xlsx", {"survey": "sleep"},
                              lambda f, label: progress.append(f), row_limit=7)
    workbook = load_workbook(path, read_only=True)
    data_sheets = workbook.sheetnames[:-1]
    assert len(data_sheets) == 5   # 24 rows, 5 per sheet after the two header rows
    total = 0
    for name in data_sheets:
        rows = list(workbook[name].iter_rows(values_only=True))
        assert len(rows) <= 7 and rows[1][:2] == ("row", "zone")
        total += len(rows) - 2
    assert total == 24
    assert progress[0] == 0.0 and progress[-1] == 1.0
    assert meta["content_type"].endswith("spreadsheetml.sheet")


def test_xlsx_through_the_api_holds_numbers_as_numbers(county, client, token_for):
    headers = token_for(county["users"]["admin"])
    data = _download(client, headers, _export(client, headers, format="xlsx", scope={"zone": "Z1"})).data
    workbook = load_workbook(io.BytesIO(data), read_only=True)
    rows = list(workbook[workbook.sheetnames[0]].iter_rows(values_only=True))
    hours = rows[1].index("sleep_hours")
    assert all(isinstance(row[hours], (int, float)) for row in rows[2:]) and len(rows) == 14


def test_an_export_under_min_group_size_is_refused(county, client, token_for, make_school, make_launch,
                                                   add_published):
    small = make_school(code="SS", zone=county["zones"][0])
    launch = make_launch(school=small, opens_at=county["launches"][0].opens_at)
    add_published(launch, [sleep_answer(i) for i in range(9)])   # pending, never published
    headers = token_for(county["users"]["admin"])
    for scope in ({"school": "SS"}, {"launch": launch.id}):
        response = _export(client, headers, scope=scope)
        assert response.status_code == 422 and "scope" in response.get_json()["fields"]
    assert _export(client, headers, scope={"school": "SA"}, year=2025).status_code == 422


def test_a_launch_export_covers_that_launch_only(county, client, token_for):
    headers = token_for(county["users"]["sup2"])
    launch_b = county["launches"][1]
    rows = _rows(_download(client, headers, _export(client, headers, scope={"launch": launch_b.id},
                                                    survey="ignored")).data)
    assert {row[rows[1].index("launch")] for row in rows[2:]} == {str(launch_b.id)} and len(rows) == 14


@pytest.mark.parametrize("role, scope, expected", [
    ("sup1", {"zone": "Z1"}, 202), ("sup1", {"zone": "Z2"}, 403), ("sup1", {"school": "SB"}, 403),
    ("sup1", "county", 403), ("viewer", "county", 202), ("admin", {"school": "SB"}, 202),
])
def test_export_access_per_role(county, client, token_for, role, scope, expected):
    assert _export(client, token_for(county["users"][role]), scope=scope).status_code == expected


def test_a_supervisor_cannot_export_another_zones_launch_by_id(county, client, token_for):
    response = _export(client, token_for(county["users"]["sup1"]), scope={"launch": county["launches"][1].id})
    assert response.status_code == 403


@pytest.mark.parametrize("body, field", [
    ({"survey": "nope"}, "survey"), ({"format": "pdf"}, "format"), ({"year": "2026"}, "year"),
    ({"audience": "x"}, "audience"), ({"free_text": "yes"}, "free_text"), ({"scope": {"launch": "1"}}, "scope"),
])
def test_bad_export_input_is_422(county, client, token_for, body, field):
    response = _export(client, token_for(county["users"]["admin"]), **body)
    assert response.status_code == 422 and field in response.get_json()["fields"]


def test_an_answer_whose_figure_still_lags_behind_is_left_blank(county, client, token_for, make_school,
                                                                  make_launch, add_published):
    from app.extensions import db
    school = make_school(code="SL", zone=county["zones"][0])
    launch = make_launch(school=school, opens_at=county["launches"][0].opens_at)
    add_published(launch, [sleep_answer(i, arrival_time="07:30") for i in range(10)])
    # The second step adds only 3 answers to arrival_time: that figure stays at step 1.
    add_published(launch, [sleep_answer(i, **({"arrival_time": "08:00"} if i < 3 else {})) for i in range(10)])
    db.session.refresh(launch)
    assert launch.published_step == 2 and launch.lagging == {"q:arrival_time": 1}
    headers = token_for(county["users"]["admin"])
    rows = _rows(_download(client, headers, _export(client, headers, scope={"school": "SL"})).data)
    column = rows[1].index("arrival_time")
    values = [row[column] for row in rows[2:]]
    assert len(values) == 20 and sorted(values) == [""] * 10 + ["07:30"] * 10


def test_the_openapi_fragment_documents_every_jobs_route(app):
    from pathlib import Path

    import yaml
    fragment = yaml.safe_load((Path(app.root_path) / "jobs" / "openapi.yaml").read_text("utf-8"))
    rules = {r.rule.replace("<int:job_id>", "{id}") for r in app.url_map.iter_rules()
             if r.endpoint.startswith("jobs_api.")}
    assert rules == set(fragment["paths"])
    assert {"Job", "JobAccepted", "ReportRequest", "ExportRequest"} <= set(fragment["components"]["schemas"])
