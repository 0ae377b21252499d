"""The import page speaks plainly: row numbers, Chinese field and stage names, empty uploads, and
templates that import as they are downloaded."""
from __future__ import annotations

import csv
import io
import re

import pytest
from openpyxl import load_workbook

from app.extensions import db
from app.organisation.importer import STAGE_WORDS, TEMPLATE_HEADER
from app.organisation.models import School, Zone


def upload(client, content: bytes, filename: str):
    return client.post("/staff/schools/import", data={"file": (io.BytesIO(content), filename)},
                       content_type="multipart/form-data")


def english(client):
    client.get("/staff/?lang=en")


def test_row_errors_name_the_row_and_the_field_and_list_stages_in_chinese(client, login, admin, make_zone):
    make_zone(code="CG")
    login(admin)
    english(client)
    content = "学校代码,学校名称,学段,责任区\nS001,一小,小学,CG\nS002,二小,大学,CG\nS002,三小,初中,CG\n"
    response = upload(client, content.encode(), "schools.csv")
    assert response.status_code == 422
    html = response.text
    rows = dict(re.findall(r"<tr><td>(Row \d+)</td><td>(.*?)</td></tr>", html))
    assert set(rows) == {"Row 3", "Row 4"}  # the header is row 1; row 2 is fine
    assert rows["Row 3"].startswith("Stage：") and "、".join(STAGE_WORDS) in rows["Row 3"]
    assert "primary" not in rows["Row 3"]  # stored keys are not what an office types
    assert rows["Row 4"].startswith("School code：")
    assert db.session.query(School).count() == 0


def test_row_errors_in_chinese_use_di_n_hang(client, login, admin, make_zone):
    """The default language: rows as 第N行 once the messages are translated (the English msgid
    until then), never the raw key "row N"."""
    make_zone(code="CG")
    login(admin)
    response = upload(client, "code,name,stage,zone\nS001,一小,university,CG\n".encode(), "s.csv")
    assert response.status_code == 422
    assert re.search(r"<tr><td>(第2行|Row 2)</td>", response.text)
    assert "row 2" not in response.text


def test_missing_columns_are_named_as_people_call_them(client, login, admin):
    login(admin)
    english(client)
    response = upload(client, "学校代码,学校名称\nS001,一小\n".encode(), "s.csv")
    assert response.status_code == 422
    assert "Stage、Zone" in response.text


def test_no_file_chosen_says_so(client, login, admin):
    login(admin)
    english(client)
    response = client.post("/staff/schools/import", data={}, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "no file was sent" in response.text


@pytest.mark.parametrize("content, filename, words", [
    (b"", "empty.csv", "The file is empty."),
    (b"\xef\xbb\xbf\n\n", "blank.csv", "The file is empty."),
    ("学校代码,学校名称,学段,责任区\n".encode(), "header.csv", "no schools under it"),
])
def test_an_empty_upload_says_so(client, login, admin, content, filename, words):
    login(admin)
    english(client)
    response = upload(client, content, filename)
    assert response.status_code == 422
    assert words in response.text
    assert "Rows with errors" not in response.text  # a file problem, not a row problem
    assert db.session.query(School).count() == 0


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_templates_download_and_import_as_they_are(client, login, admin, kind):
    login(admin)
    page = client.get("/staff/schools/import").text
    assert f'href="/staff/schools/import/template.{kind}"' in page
    template = client.get(f"/staff/schools/import/template.{kind}")
    assert template.status_code == 200
    assert f'filename="school-list-template.{kind}"' in template.headers["Content-Disposition"]
    if kind == "csv":
        header = next(csv.reader(io.StringIO(template.data.decode("utf-8-sig"))))
    else:
        header = [c.value for c in next(load_workbook(io.BytesIO(template.data)).active.iter_rows())]
    assert tuple(header) == TEMPLATE_HEADER
    response = upload(client, template.data, f"template.{kind}")
    assert response.status_code == 302, response.text
    school = db.session.query(School).one()
    assert (school.code, school.stage, school.zone.code, school.enrolment) == ("S001", "primary", "CG", 850)
    assert db.session.query(Zone).one().name == "城关责任区"


def test_a_filled_in_template_imports_the_office_rows(client, login, admin):
    login(admin)
    template = load_workbook(io.BytesIO(client.get("/staff/schools/import/template.xlsx").data))
    sheet = template.active
    sheet.delete_rows(2)
    sheet.append(["X01", "河西小学", "小学", "HX", "河西责任区", 300])
    sheet.append(["X02", "河西中学", "初中", "HX", "河西责任区", None])
    buffer = io.BytesIO()
    template.save(buffer)
    assert upload(client, buffer.getvalue(), "filled.xlsx").status_code == 302
    assert {s.code: (s.stage, s.enrolment) for s in db.session.query(School)} == {
        "X01": ("primary", 300), "X02": ("junior", None)}


@pytest.mark.parametrize("role", ["supervisor", "viewer"])
def test_templates_are_for_office_staff_only(client, login, make_user, role):
    login(make_user("someone", role))
    for kind in ("csv", "xlsx"):
        assert client.get(f"/staff/schools/import/template.{kind}").status_code == 403
