"""Uploading a school list on the staff import page."""
from __future__ import annotations

import io
import re
from urllib.parse import urlsplit

from openpyxl import Workbook

from app.extensions import db
from app.organisation.models import School


def upload(client, content: bytes, filename: str):
    return client.post("/staff/schools/import", data={"file": (io.BytesIO(content), filename)},
                       content_type="multipart/form-data")


def test_import_page_renders_for_admins(client, login, admin):
    login(admin)
    page = client.get("/staff/schools/import")
    assert page.status_code == 200 and 'type="file"' in page.text


def test_csv_upload_imports_schools_and_returns_to_the_dashboard(client, login, admin, make_zone):
    make_zone(code="CG")
    login(admin)
    content = "学校代码,学校名称,学段,责任区\nS001,城关镇第一小学,小学,CG\nS002,城关中学,初中,CG\n"
    response = upload(client, content.encode("gbk"), "学校名单.csv")
    assert response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/staff/"
    assert {s.code: s.stage for s in db.session.query(School)} == {"S001": "primary", "S002": "junior"}


def test_xlsx_upload_imports_schools(client, login, admin, make_zone):
    make_zone(code="CG")
    workbook = Workbook()
    workbook.active.append(["code", "name", "stage", "zone"])
    workbook.active.append(["S001", "城关镇第一小学", "primary", "CG"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    login(admin)
    assert upload(client, buffer.getvalue(), "schools.xlsx").status_code == 302
    assert [s.name for s in db.session.query(School)] == ["城关镇第一小学"]


def test_row_errors_are_shown_and_nothing_is_imported(client, login, admin, make_zone):
    make_zone(code="CG")
    login(admin)
    content = "code,name,stage,zone\nS001,一小,primary,CG\nS002,二小,university,CG\nS003,三小,junior,NOPE\n"
    response = upload(client, content.encode(), "schools.csv")
    assert response.status_code == 422
    html = response.text
    # Rows are counted as in the file (header = row 1) and named by their Chinese field.
    numbers = re.findall(r"<tr><td>(?:第(\d+)行|Row (\d+))</td>", html)
    assert sorted(a or b for a, b in numbers) == ["3", "4"]
    assert re.search(r"(第3行|Row 3)</td><td>(学段|Stage)：", html)
    assert re.search(r"(第4行|Row 4)</td><td>(责任区|Zone)：", html)
    assert db.session.query(School).count() == 0


def test_upload_of_another_file_type_is_refused(client, login, admin):
    login(admin)
    response = upload(client, b"%PDF-1.4", "schools.pdf")
    assert response.status_code == 400
    assert db.session.query(School).count() == 0


def test_upload_without_a_file_is_refused(client, login, admin):
    login(admin)
    response = client.post("/staff/schools/import", data={}, content_type="multipart/form-data")
    assert response.status_code == 400


def test_broken_spreadsheet_is_a_shown_error(client, login, admin):
    login(admin)
    response = upload(client, b"PK\x03\x04 broken", "schools.xlsx")
    assert response.status_code == 422 and "<form" in response.text


def test_a_200000_character_csv_field_is_a_clear_422_not_a_server_error(client, login, admin, make_zone):
    make_zone(code="CG")
    login(admin)
    content = "code,name,stage,zone\nS001," + "长" * 200_000 + ",primary,CG\n"
    response = upload(client, content.encode(), "schools.csv")
    assert response.status_code == 422
    assert "1000" in response.text
    assert db.session.query(School).count() == 0


def test_an_ambiguous_file_is_refused_and_then_imported_with_the_chosen_encoding(client, login, admin,
                                                                                make_zone):
    make_zone(code="CG")
    login(admin)
    content = "code,name,stage,zone\nS001,同一小学,primary,CG\n".encode("gbk")
    refused = upload(client, content, "schools.csv")
    assert refused.status_code == 422 and "UTF-8 (带BOM)" in refused.text
    assert 'name="encoding"' in refused.text
    response = client.post("/staff/schools/import", content_type="multipart/form-data",
                           data={"file": (io.BytesIO(content), "schools.csv"), "encoding": "gbk"})
    assert response.status_code == 302
    assert [s.name for s in db.session.query(School)] == ["同一小学"]
