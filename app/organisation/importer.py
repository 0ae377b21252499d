"""Import schools from a CSV or XLSX file: every row checked first, then all written or none."""
from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..errors import InvalidInput
from ..extensions import db
from .models import School, Zone
from ..audit import record
from .services import check_school_fields, check_zone_fields, parse_enrolment
from .text import clean_text

#: Header names accepted for each column (offices often keep Chinese headers from their own tables).
HEADERS = {
    "code": {"code", "school_code", "学校代码", "代码", "学校标识码"},
    "name": {"name", "school_name", "学校名称", "名称", "学校"},
    "stage": {"stage", "学段", "办学类型", "类型"},
    "zone": {"zone", "zone_code", "责任区", "责任区代码", "督学责任区"},
    "zone_name": {"zone_name", "责任区名称"},
    "enrolment": {"enrolment", "enrollment", "pupils", "在校生数", "在校学生数", "学生数", "在籍学生数"},
}

#: Stage spellings found in county school lists.
STAGE_ALIASES = {
    "小学": "primary", "初中": "junior", "初级中学": "junior", "高中": "senior", "高级中学": "senior",
    "九年一贯制": "nine_year", "九年一贯制学校": "nine_year", "十二年一贯制": "twelve_year",
    "完全中学": "twelve_year", "幼儿园": "kindergarten",
}

#: One spelling per stage as offices write it (all of STAGE_ALIASES and the keys are accepted).
STAGE_WORDS = ("小学", "初中", "高中", "九年一贯制", "十二年一贯制", "幼儿园")

#: Column names as the import page's messages give them.
FIELD_LABELS = {"code": _l("School code"), "name": _l("School name"), "stage": _l("Stage"),
                "zone": _l("Zone"), "zone_name": _l("Zone name"), "enrolment": _l("Pupils on roll"),
                "zone code": _l("Zone code"), "zone name": _l("Zone name")}


def field_label(key: str) -> str:
    """A column of the school list in words (学校代码, 学段 …), for row messages."""
    return str(FIELD_LABELS.get(key, key))


def row_label(number: int) -> str:
    """A file row as people count it, the header being row 1: "第3行"."""
    from flask_babel import gettext
    return gettext("Row %(n)d", n=number)


MAX_ROWS = 5000
#: Columns read from a workbook: a school list needs five, offices' own tables carry a few more.
MAX_COLUMNS = 16
#: Longest cell accepted; the longest real field (a name) has 100 characters.
MAX_CELL_LENGTH = 1000
#: Bounds on an .xlsx before it is opened: the unpacked size of all its parts, and their number.
#: A 5,000-school list unpacks to about 2 MB.
MAX_XLSX_UNPACKED_BYTES = 32 * 1024 * 1024
MAX_XLSX_MEMBERS = 200

#: Text encodings a CSV may be read with; None detects (UTF-8 with or without BOM, or GBK).
ENCODINGS = {"utf-8": "utf-8-sig", "gbk": "gb18030", "gb18030": "gb18030"}


@dataclass
class ImportReport:
    """The outcome of an import."""

    created: int = 0
    updated: int = 0
    zones_created: list[str] = field(default_factory=list)


def read_rows(content: bytes, filename: str, encoding: str | None = None) -> list[dict]:
    """Parse a CSV (UTF-8 or GBK, as WPS saves it) or XLSX file into dicts keyed by column.

    `encoding` ("utf-8" or "gbk") reads a CSV in that encoding instead of detecting it."""
    name = (filename or "").lower()
    if name.endswith(".xlsx"):
        table = _read_xlsx(content)
    elif name.endswith(".csv") or name.endswith(".txt"):
        table = _read_csv(content, encoding)
    else:
        raise InvalidInput(_l("Upload a .csv or .xlsx file."), {"file": _l("Unsupported file type.")})
    if not any(str(c or "").strip() for cells in table for c in cells):
        raise InvalidInput(_l("The file is empty."), {"file": _l("The file is empty.")})
    columns = _map_headers(table[0])
    rows = []
    for cells in table[1:]:
        if not any(str(c or "").strip() for c in cells):
            continue
        rows.append({key: _cell(cells, index) for key, index in columns.items()})
    if not rows:
        raise InvalidInput(_l("The file has a header row but no schools under it."),
                           {"file": _l("No school rows.")})
    if len(rows) > MAX_ROWS:
        raise InvalidInput(_l("At most %(n)d rows per file.", n=MAX_ROWS), {"file": _l("Too many rows.")})
    return rows


def import_schools(rows: list[dict]) -> ImportReport:
    """Create or update schools; raises InvalidInput naming every bad row, writing nothing."""
    zones = {z.code: z for z in db.session.scalars(select(Zone))}
    new_zones: dict[str, Zone] = {}
    errors: dict[str, str] = {}
    seen: dict[str, int] = {}
    for number, row in enumerate(rows, start=2):  # row 1 is the header
        row["stage"] = STAGE_ALIASES.get(row.get("stage", ""), row.get("stage", ""))
        zone_code = row.get("zone", "")
        zone_problems = {}
        if zone_code and zone_code not in zones and row.get("zone_name"):
            zone_problems = {f"zone {k}": v for k, v in
                             check_zone_fields({"code": zone_code, "name": row["zone_name"]}).items()}
            if not zone_problems:
                new_zones.setdefault(zone_code, Zone(code=zone_code, name=clean_text(row["zone_name"])))
        problems = {k: v for k, v in check_school_fields(row).items()
                    if not (k == "zone" and zone_code in new_zones)}
        problems.update(zone_problems)
        if "stage" in problems:  # the spellings a file may use, in Chinese, not the stored keys
            problems["stage"] = _l("Stage must be one of: %(stages)s.", stages="、".join(STAGE_WORDS))
        if row.get("code") in seen:
            problems["code"] = _l("Same code as row %(row)d.", row=seen[row["code"]])
        seen.setdefault(row.get("code"), number)
        if problems:
            # One sentence per row: "学段：…；责任区：…。" (each message's own full stop dropped).
            errors[row_label(number)] = "；".join(f"{field_label(k)}：{str(v).rstrip('。.')}"
                                                 for k, v in problems.items()) + "。"
    if errors:
        raise InvalidInput(_l("Nothing was imported: %(n)d row(s) have errors.", n=len(errors)), errors)

    report = ImportReport(zones_created=sorted(new_zones))
    db.session.add_all(new_zones.values())
    zones.update(new_zones)
    existing = {s.code: s for s in db.session.scalars(select(School))}
    for row in rows:
        school = existing.get(row["code"])
        if school is None:
            db.session.add(School(code=row["code"], name=clean_text(row["name"]), stage=row["stage"],
                                  zone=zones[row["zone"]], enrolment=parse_enrolment(row.get("enrolment"))))
            report.created += 1
        else:
            school.name, school.stage = clean_text(row["name"]), row["stage"]
            school.zone = zones[row["zone"]]
            if "enrolment" in row:  # a file without the column leaves the stored number alone
                school.enrolment = parse_enrolment(row["enrolment"])
            report.updated += 1
    # One event for the whole file, with its counts (the rows themselves are the file's).
    record("import", "school", "import", after={"created": report.created, "updated": report.updated,
                                                "zones_created": report.zones_created},
           summary=f"+{report.created} ~{report.updated}")
    db.session.commit()
    return report


def _read_csv(content: bytes, encoding: str | None) -> list[list[str]]:
    """The rows of a CSV file, every cell at most MAX_CELL_LENGTH characters."""
    text = decode_csv(content, encoding)
    reader = csv.reader(io.StringIO(text))
    try:
        table = list(reader)
    except csv.Error as exc:
        if "field limit" in str(exc):  # longer than the csv module's limit (131,072 characters)
            raise _too_long() from None
        raise InvalidInput(_l("The CSV file cannot be read near line %(line)d.", line=reader.line_num),
                           {"file": _l("Unreadable text.")}) from None
    if any(len(cell) > MAX_CELL_LENGTH for row in table for cell in row):
        raise _too_long()
    return table


def _too_long() -> InvalidInput:
    """The error for a cell over MAX_CELL_LENGTH."""
    return InvalidInput(_l("A cell of the file is longer than %(n)d characters.", n=MAX_CELL_LENGTH),
                        {"file": _l("A cell is too long.")})


def decode_csv(content: bytes, encoding: str | None = None) -> str:
    """The text of a CSV file: in the given encoding, or detected without guessing.

    A UTF-8 BOM means UTF-8. Text that is valid in only one of UTF-8 and GBK is read in that one.
    Bytes valid in both are read as UTF-8 only when the GBK reading is not plausible Chinese
    (UTF-8 Chinese read as GBK gives rare characters); otherwise the file is refused as ambiguous,
    because a GBK school list can be valid UTF-8 (同一小学 in GBK is valid UTF-8 for "ͬһСѧ").
    """
    if encoding:
        if encoding not in ENCODINGS:
            raise InvalidInput(_l("Unknown encoding."), {"encoding": _l("Choose UTF-8 or GBK.")})
        try:
            return content.decode(ENCODINGS[encoding])
        except UnicodeDecodeError:
            raise InvalidInput(_l("The file is not valid %(encoding)s text.", encoding=encoding.upper()),
                               {"file": _l("Unreadable text.")}) from None
    if content.startswith(b"\xef\xbb\xbf"):
        try:
            return content.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise InvalidInput(_l("The file is not valid %(encoding)s text.", encoding="UTF-8"),
                               {"file": _l("Unreadable text.")}) from None
    utf8 = _decode(content, "utf-8")
    gbk = _decode(content, "gb18030")
    if utf8 is not None and (gbk is None or gbk == utf8 or not _plausible_chinese(gbk)):
        return utf8
    if utf8 is None and gbk is not None:
        return gbk
    if utf8 is None:
        raise InvalidInput(_l("The file is not UTF-8 or GBK text."), {"file": _l("Unreadable text.")})
    raise InvalidInput(
        _l("The file's encoding is ambiguous: it reads both as UTF-8 and as GBK, with different "
           "text. Save it as “CSV UTF-8 (带BOM)”, or choose the encoding when importing."),
        {"encoding": _l("Choose UTF-8 or GBK.")})


def _decode(content: bytes, encoding: str) -> str | None:
    """The text in that encoding, or None if the bytes are not valid in it."""
    try:
        return content.decode(encoding)
    except UnicodeDecodeError:
        return None


def _plausible_chinese(text: str) -> bool:
    """Mostly common Chinese: at least 80% of the non-ASCII characters are GB2312 level-1
    characters or Chinese punctuation (mis-decoded UTF-8 gives almost none of them)."""
    wide = [c for c in text if ord(c) > 127]
    if not wide:
        return False
    common = sum(1 for c in wide if _is_common_chinese(c))
    return common >= 0.8 * len(wide)


def _is_common_chinese(char: str) -> bool:
    """A GB2312 level-1 character or Chinese punctuation."""
    try:
        encoded = char.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return len(encoded) == 2 and (0xB0 <= encoded[0] <= 0xD7 or 0xA1 <= encoded[0] <= 0xA3)


def _read_xlsx(content: bytes) -> list[list]:
    """The first sheet's first MAX_ROWS + 2 rows and MAX_COLUMNS columns, whatever size the
    workbook declares; a workbook that unpacks to too much is refused before it is opened."""
    from openpyxl import load_workbook
    _check_xlsx_size(content)
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        # max_col and max_row given explicitly: the declared dimension (which may claim
        # A1:XFD1048576) is never used to size the rows.
        table = [list(row) for row in sheet.iter_rows(values_only=True, max_row=MAX_ROWS + 2,
                                                     max_col=MAX_COLUMNS)]
        workbook.close()
    except Exception:  # openpyxl raises many types for a broken file
        raise InvalidInput(_l("The Excel file could not be read."), {"file": _l("Unreadable file.")}) from None
    if any(isinstance(cell, str) and len(cell) > MAX_CELL_LENGTH for row in table for cell in row):
        raise _too_long()
    return table


def _check_xlsx_size(content: bytes) -> None:
    """Refuse a workbook whose parts unpack to too much, before openpyxl sees it."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise InvalidInput(_l("The Excel file could not be read."), {"file": _l("Unreadable file.")}) from None
    # ZipExtFile never yields more than a member's declared size, so the declared sizes bound
    # what openpyxl can unpack.
    if len(members) > MAX_XLSX_MEMBERS or sum(m.file_size for m in members) > MAX_XLSX_UNPACKED_BYTES:
        raise InvalidInput(_l("The Excel file is too large: it unpacks to more than %(mb)d MB. "
                              "Save only the school list in a new workbook.",
                              mb=MAX_XLSX_UNPACKED_BYTES // (1024 * 1024)),
                           {"file": _l("The workbook is too large.")})


def _map_headers(header: list) -> dict[str, int]:
    columns = {}
    for index, title in enumerate(header):
        title = str(title or "").strip().lower()
        for key, names in HEADERS.items():
            if title in names:
                columns[key] = index
    missing = [k for k in ("code", "name", "stage", "zone") if k not in columns]
    if missing:
        raise InvalidInput(_l("Missing column(s): %(cols)s.", cols="、".join(field_label(k) for k in missing)),
                           {"file": _l("The header row needs code, name, stage and zone.")})
    return columns


def _cell(cells: list, index: int) -> str:
    value = cells[index] if index < len(cells) else None
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # Excel stores numeric codes as floats
    return clean_text(str(value))


#: The columns of the downloadable template, with the Chinese headers offices use.
TEMPLATE_HEADER = ("学校代码", "学校名称", "学段", "责任区", "责任区名称", "在校生数")
#: One example row, to be replaced by the office's schools (a new zone is created from its name).
TEMPLATE_EXAMPLE = ("S001", "城关镇第一小学", "小学", "CG", "城关责任区", 850)


def template_csv() -> bytes:
    """The school-list template as CSV (UTF-8 with BOM, so Excel and WPS show the Chinese)."""
    from ..reporting.csvsafe import write_csv
    return write_csv(TEMPLATE_HEADER, [TEMPLATE_EXAMPLE]).encode("utf-8")


def template_xlsx() -> bytes:
    """The school-list template as an Excel workbook with the same columns and example row."""
    from openpyxl import Workbook
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "学校名单"
    sheet.append(TEMPLATE_HEADER)
    sheet.append(TEMPLATE_EXAMPLE)
    for letter, width in zip("ABCDEF", (12, 24, 14, 10, 14, 10)):
        sheet.column_dimensions[letter].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
