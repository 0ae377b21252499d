"""`flask schools import` and the importer behind it: CSV (UTF-8, GBK) and XLSX, all rows or none."""
from __future__ import annotations

import pytest
from openpyxl import Workbook

from app.errors import InvalidInput
from app.extensions import db
from app.organisation.importer import import_schools, read_rows
from app.organisation.models import School, Zone

CHINESE_HEADER = "学校代码,学校名称,学段,责任区"



def write_csv(path, lines: list[str], encoding: str = "utf-8"):
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def write_xlsx(path, rows: list[list]):
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    workbook.save(path)
    return path


def run_import(runner, path):
    return runner.invoke(args=["schools", "import", str(path)])


def schools() -> dict[str, tuple[str, str, str]]:
    """Stored schools: code -> (name, stage, zone code)."""
    return {s.code: (s.name, s.stage, s.zone.code) for s in db.session.query(School)}


def rows_errors(content: bytes, filename: str) -> dict[str, str]:
    """The row errors the importer raises (in a request, where translations work)."""
    with pytest.raises(InvalidInput) as caught:
        import_schools(read_rows(content, filename))
    return {k: str(v) for k, v in caught.value.fields.items()}


@pytest.fixture
def zones(make_zone):
    """Zones CG and XC."""
    return make_zone(code="CG", name="城关责任区"), make_zone(code="XC", name="新城责任区")


def test_utf8_csv_with_english_headers_is_imported(runner, tmp_path, zones):
    path = write_csv(tmp_path / "schools.csv", ["code,name,stage,zone",
                                                 "S001,城关镇第一小学,primary,CG",
                                                 "S002,城关中学,junior,XC"])
    result = run_import(runner, path)
    assert result.exit_code == 0, result.output
    assert "created 2, updated 0" in result.output
    assert schools() == {"S001": ("城关镇第一小学", "primary", "CG"), "S002": ("城关中学", "junior", "XC")}


def test_gbk_csv_with_chinese_headers_and_stage_names_is_imported(runner, tmp_path, zones):
    path = write_csv(tmp_path / "学校名单.csv", [CHINESE_HEADER, "S001,城关镇第一小学,小学,CG",
                                                  "S002,新城初级中学,初中,XC"], encoding="gbk")
    result = run_import(runner, path)
    assert result.exit_code == 0, result.output
    assert schools() == {"S001": ("城关镇第一小学", "primary", "CG"),
                         "S002": ("新城初级中学", "junior", "XC")}


def test_utf8_csv_with_a_byte_order_mark_and_chinese_headers(runner, tmp_path, zones):
    path = write_csv(tmp_path / "schools.csv", [CHINESE_HEADER, "S001,城关镇第一小学,小学,CG"],
                     encoding="utf-8-sig")
    assert run_import(runner, path).exit_code == 0
    assert schools() == {"S001": ("城关镇第一小学", "primary", "CG")}


def test_every_chinese_stage_spelling_maps_to_a_stage(runner, tmp_path, zones):
    spellings = {"小学": "primary", "初级中学": "junior", "高中": "senior", "九年一贯制学校": "nine_year",
                 "完全中学": "twelve_year", "幼儿园": "kindergarten"}
    lines = [CHINESE_HEADER] + [f"S{i},学校{i},{word},CG" for i, word in enumerate(spellings)]
    assert run_import(runner, write_csv(tmp_path / "s.csv", lines)).exit_code == 0
    assert {code: stage for code, (_, stage, _) in schools().items()} == {
        f"S{i}": stage for i, stage in enumerate(spellings.values())}


def test_xlsx_with_chinese_headers_and_numeric_codes(runner, tmp_path, zones):
    path = write_xlsx(tmp_path / "schools.xlsx", [
        ["学校代码", "学校名称", "学段", "责任区"],
        [3609010001, "城关镇第一小学", "小学", "CG"],
        ["S002", " 新城中学 ", "初中", "XC"],
        [None, None, None, None],
    ])
    result = run_import(runner, path)
    assert result.exit_code == 0, result.output
    assert schools() == {"3609010001": ("城关镇第一小学", "primary", "CG"),
                         "S002": ("新城中学", "junior", "XC")}


def test_columns_may_come_in_any_order_with_extra_columns(runner, tmp_path, zones):
    path = write_csv(tmp_path / "s.csv", ["备注,责任区,学段,学校名称,学校代码", "新建,CG,小学,一小,S1"])
    assert run_import(runner, path).exit_code == 0
    assert schools() == {"S1": ("一小", "primary", "CG")}


def test_any_bad_row_means_nothing_is_imported(runner, tmp_path, zones):
    path = write_csv(tmp_path / "s.csv", [CHINESE_HEADER, "S001,城关镇第一小学,小学,CG",
                                          "S002,城关中学,大学,CG", "S003,,初中,NOPE"])
    result = run_import(runner, path)
    assert result.exit_code != 0
    assert db.session.query(School).count() == 0


def test_cli_names_each_bad_row_and_problem(runner, tmp_path, zones):
    path = write_csv(tmp_path / "s.csv", [CHINESE_HEADER, "S001,城关镇第一小学,小学,CG",
                                          "S002,城关中学,大学,CG", "S003,,初中,NOPE"])
    result = run_import(runner, path)
    assert result.exit_code == 1
    assert "第3行" in result.stderr and "学段" in result.stderr
    assert "第4行" in result.stderr and "学校名称" in result.stderr and "责任区" in result.stderr
    assert "第2行" not in result.stderr


def test_row_errors_name_the_row_the_field_and_nothing_is_written(app, zones):
    content = "\n".join([CHINESE_HEADER, "S001,一小,小学,CG", "S002,二小,大学,CG", "S003,,初中,NOPE",
                         "S001,重复,小学,CG", "bad code,四小,小学,CG"]).encode()
    with app.test_request_context():
        errors = rows_errors(content, "s.csv")
    assert set(errors) == {"第3行", "第4行", "第5行", "第6行"}
    assert errors["第3行"].startswith("学段：")
    assert "学校名称：" in errors["第4行"] and "责任区：" in errors["第4行"]
    assert "学校代码：" in errors["第5行"] and "2" in errors["第5行"]
    assert errors["第6行"].startswith("学校代码：")
    assert db.session.query(School).count() == 0


def test_reimport_updates_schools_by_code(runner, tmp_path, zones):
    first = write_csv(tmp_path / "a.csv", ["code,name,stage,zone", "S001,城关小学,primary,CG",
                                           "S002,新城中学,junior,XC"])
    assert run_import(runner, first).exit_code == 0
    school_id = db.session.query(School).filter_by(code="S001").one().id
    second = write_csv(tmp_path / "b.csv", ["code,name,stage,zone", "S001,城关镇第一小学,nine_year,XC",
                                            "S003,新学校,senior,CG"])
    result = run_import(runner, second)
    assert result.exit_code == 0
    assert "created 1, updated 1" in result.output
    assert schools() == {"S001": ("城关镇第一小学", "nine_year", "XC"), "S002": ("新城中学", "junior", "XC"),
                         "S003": ("新学校", "senior", "CG")}
    assert db.session.query(School).filter_by(code="S001").one().id == school_id


def test_new_zone_is_created_when_the_file_names_it(runner, tmp_path, zones):
    path = write_csv(tmp_path / "s.csv", ["code,name,stage,zone,zone_name", "S1,一小,primary,NEW,新区",
                                          "S2,二小,primary,NEW,"])
    result = run_import(runner, path)
    assert result.exit_code == 0 and "new zones NEW" in result.output
    assert db.session.query(Zone).filter_by(code="NEW").one().name == "新区"
    assert {code: zone for code, (_, _, zone) in schools().items()} == {"S1": "NEW", "S2": "NEW"}


@pytest.mark.parametrize("zone, zone_name", [("bad/zone code!", "新区"), ("NEW", "区" * 101)],
                         ids=["bad-code", "long-name"])
def test_new_zone_with_a_bad_code_or_name_is_a_row_error(app, zones, zone, zone_name):
    content = f"code,name,stage,zone,zone_name\nS1,一小,primary,{zone},{zone_name}\n".encode()
    with app.test_request_context():
        errors = rows_errors(content, "s.csv")
    assert set(errors) == {"第2行"} and "责任区" in errors["第2行"]
    assert db.session.query(Zone).count() == 2


def test_unsupported_file_type_is_refused(app, tmp_path):
    with app.test_request_context():
        with pytest.raises(InvalidInput) as caught:
            read_rows(b"code,name\n", "schools.pdf")
    assert "file" in caught.value.fields


def test_missing_columns_are_refused(app, zones):
    with app.test_request_context():
        with pytest.raises(InvalidInput) as caught:
            read_rows("学校代码,学校名称\nS1,一小\n".encode(), "s.csv")
    assert "学段" in str(caught.value.message) and "责任区" in str(caught.value.message)


def test_broken_xlsx_is_refused(app):
    with app.test_request_context():
        with pytest.raises(InvalidInput) as caught:
            read_rows(b"PK\x03\x04 not really a workbook", "s.xlsx")
    assert "file" in caught.value.fields


@pytest.mark.parametrize("filename, content", [("s.pdf", b"%PDF-1.4"), ("s.csv", b""),
                                               ("s.csv", b"code,name\nS1,x\n")])
def test_cli_refuses_unreadable_files_without_importing(runner, tmp_path, filename, content):
    path = tmp_path / filename
    path.write_bytes(content)
    assert run_import(runner, path).exit_code != 0
    assert db.session.query(School).count() == 0


def test_cli_refuses_a_missing_file(runner, tmp_path):
    result = run_import(runner, tmp_path / "nope.csv")
    assert result.exit_code != 0 and "nope.csv" in result.output


# ---------------------------------------------------------------- text cleaning and encodings

@pytest.mark.parametrize("name", ["一\x00小", "一\x07小", "一\x1b[2J小", "一\r小", "一\u2028小", "\u200b",
                                  "\u200b\u200c\u200d\ufeff", "\u2060 \u200e"])
def test_names_with_nul_control_characters_or_nothing_visible_are_row_errors(app, zones, name):
    content = f'code,name,stage,zone\nS1,"{name}",primary,CG\nS2,二小,primary,CG\n'.encode()
    with app.test_request_context():
        errors = rows_errors(content, "s.csv")
    assert set(errors) == {"第2行"} and errors["第2行"].startswith("学校名称：")
    assert db.session.query(School).count() == 0


def test_new_zone_names_are_cleaned_the_same_way(app, zones):
    content = "code,name,stage,zone,zone_name\nS1,一小,primary,NEW,新\x00区\n".encode()
    with app.test_request_context():
        errors = rows_errors(content, "s.csv")
    assert set(errors) == {"第2行"} and "责任区名称" in errors["第2行"]


def test_imported_text_is_nfc_normalised_and_loses_invisible_edges(runner, tmp_path, zones):
    path = write_csv(tmp_path / "s.csv", ["code,name,stage,zone",
                                           "\ufeffS1,\u200bCafe\u0301 小学\u200b,primary,CG"])
    result = run_import(runner, path)
    assert result.exit_code == 0, result.output
    assert schools() == {"S1": ("Caf\u00e9 小学", "primary", "CG")}


#: "同一小学" saved as GBK is also valid UTF-8 (it reads as "ͬһСѧ").
GBK_THAT_IS_VALID_UTF8 = "code,name,stage,zone\nS1,同一小学,primary,CG\n".encode("gbk")


def test_gbk_file_that_is_also_valid_utf8_is_refused_as_ambiguous(app, runner, tmp_path, zones):
    assert GBK_THAT_IS_VALID_UTF8.decode("utf-8") != GBK_THAT_IS_VALID_UTF8.decode("gbk")
    with app.test_request_context():
        with pytest.raises(InvalidInput) as caught:
            read_rows(GBK_THAT_IS_VALID_UTF8, "s.csv")
    assert "UTF-8 (带BOM)" in str(caught.value.message) and "encoding" in caught.value.fields
    path = tmp_path / "s.csv"
    path.write_bytes(GBK_THAT_IS_VALID_UTF8)
    result = run_import(runner, path)
    assert result.exit_code != 0 and "UTF-8 (带BOM)" in result.output
    assert db.session.query(School).count() == 0


def test_cli_encoding_option_reads_an_ambiguous_file_as_told(runner, tmp_path, zones):
    path = tmp_path / "s.csv"
    path.write_bytes(GBK_THAT_IS_VALID_UTF8)
    result = runner.invoke(args=["schools", "import", str(path), "--encoding", "gbk"])
    assert result.exit_code == 0, result.output
    assert schools() == {"S1": ("同一小学", "primary", "CG")}


def test_utf8_with_bom_is_read_as_utf8_without_doubt(runner, tmp_path, zones):
    path = tmp_path / "s.csv"
    path.write_bytes("code,name,stage,zone\nS1,同一小学,primary,CG\n".encode("utf-8-sig"))
    assert run_import(runner, path).exit_code == 0
    assert schools() == {"S1": ("同一小学", "primary", "CG")}


def test_utf8_without_bom_is_still_read_when_gbk_would_give_rare_characters(app, zones):
    content = "学校代码,学校名称,学段,责任区\nS1,城关中学,初中,CG\nS2,实验小学,小学,CG\n".encode()
    with app.test_request_context():
        rows = read_rows(content, "s.csv")
    assert [r["name"] for r in rows] == ["城关中学", "实验小学"]


@pytest.mark.parametrize("length", [5_000, 200_000])
def test_overlong_csv_fields_are_refused_with_a_clear_error(app, zones, length):
    """Over 131,072 characters the csv module itself fails; over 1,000 the importer refuses."""
    content = f"code,name,stage,zone\nS1,{'长' * length},primary,CG\n".encode()
    with app.test_request_context():
        with pytest.raises(InvalidInput) as caught:
            read_rows(content, "s.csv")
    assert "file" in caught.value.fields and "1000" in str(caught.value.message)


# ---------------------------------------------------------------- workbook size

def _rewrite_member(content: bytes, member: str, change) -> bytes:
    """The same .xlsx with one zip member's text changed."""
    import io
    import zipfile
    source, out = zipfile.ZipFile(io.BytesIO(content)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            target.writestr(info.filename, change(data) if info.filename == member else data)
    return out.getvalue()


def test_workbook_declaring_a_huge_sheet_is_read_in_bounded_memory(app, tmp_path, zones):
    import re
    import tracemalloc
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["code", "name", "stage", "zone"])
    for n in range(1, 1000):
        sheet.append([f"S{n}", f"第{n}小学", "primary", "CG"])
        sheet.cell(row=n + 1, column=16384, value="x")  # a cell in column XFD on every row
    write_xlsx_path = tmp_path / "huge.xlsx"
    workbook.save(write_xlsx_path)
    content = _rewrite_member(write_xlsx_path.read_bytes(), "xl/worksheets/sheet1.xml",
                              lambda xml: re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD1048576"', xml))
    assert len(content) < 100_000
    with app.test_request_context():
        tracemalloc.start()
        try:
            rows = read_rows(content, "huge.xlsx")
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert len(rows) == 999 and rows[0] == {"code": "S1", "name": "第1小学", "stage": "primary", "zone": "CG"}
    assert peak < 50 * 1024 * 1024, f"peak {peak / 2**20:.0f} MB"


def test_workbook_that_unpacks_to_too_much_is_refused_before_it_is_opened(app, tmp_path, zones):
    import io
    import zipfile
    path = write_xlsx(tmp_path / "s.xlsx", [["code", "name", "stage", "zone"], ["S1", "一小", "primary", "CG"]])
    buffer = io.BytesIO(path.read_bytes())
    with zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/padding.bin", b"\0" * (40 * 1024 * 1024))
    assert len(buffer.getvalue()) < 200_000
    with app.test_request_context():
        with pytest.raises(InvalidInput) as caught:
            read_rows(buffer.getvalue(), "s.xlsx")
    assert "file" in caught.value.fields and "MB" in str(caught.value.message)


def test_malformed_csv_is_refused_naming_the_line(app, zones):
    content = "code,name,stage,zone\nS1,一小,primary,CG\nS2,二\r小,primary,CG\n".encode()
    with app.test_request_context():
        with pytest.raises(InvalidInput) as caught:
            read_rows(content, "s.csv")
    assert "file" in caught.value.fields and "3" in str(caught.value.message)
