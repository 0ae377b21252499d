"""Import schools from a CSV or XLSX file: every row checked first, then all written or none."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..errors import InvalidInput
from ..extensions import db
from .models import School, Zone
from .services import check_school_fields, check_zone_fields

#: Header names accepted for each column (offices often keep Chinese headers from their own tables).
HEADERS = {
    "code": {"code", "school_code", "学校代码", "代码", "学校标识码"},
    "name": {"name", "school_name", "学校名称", "名称", "学校"},
    "stage": {"stage", "学段", "办学类型", "类型"},
    "zone": {"zone", "zone_code", "责任区", "责任区代码", "督学责任区"},
    "zone_name": {"zone_name", "责任区名称"},
}

#: Stage spellings found in county school lists.
STAGE_ALIASES = {
    "小学": "primary", "初中": "junior", "初级中学": "junior", "高中": "senior", "高级中学": "senior",
    "九年一贯制": "nine_year", "九年一贯制学校": "nine_year", "十二年一贯制": "twelve_year",
    "完全中学": "twelve_year", "幼儿园": "kindergarten",
}

MAX_ROWS = 5000


@dataclass
class ImportReport:
    """The outcome of an import."""

    created: int = 0
    updated: int = 0
    zones_created: list[str] = field(default_factory=list)


def read_rows(content: bytes, filename: str) -> list[dict]:
    """Parse a CSV (UTF-8 or GBK, as WPS saves it) or XLSX file into dicts keyed by column."""
    name = (filename or "").lower()
    if name.endswith(".xlsx"):
        table = _read_xlsx(content)
    elif name.endswith(".csv") or name.endswith(".txt"):
        table = _read_csv(content)
    else:
        raise InvalidInput(_l("Upload a .csv or .xlsx file."), {"file": _l("Unsupported file type.")})
    if not table:
        raise InvalidInput(_l("The file is empty."), {"file": _l("The file is empty.")})
    columns = _map_headers(table[0])
    rows = []
    for cells in table[1:]:
        if not any(str(c or "").strip() for c in cells):
            continue
        rows.append({key: _cell(cells, index) for key, index in columns.items()})
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
                new_zones.setdefault(zone_code, Zone(code=zone_code, name=row["zone_name"].strip()))
        problems = {k: v for k, v in check_school_fields(row).items()
                    if not (k == "zone" and zone_code in new_zones)}
        problems.update(zone_problems)
        if row.get("code") in seen:
            problems["code"] = _l("Same code as row %(row)d.", row=seen[row["code"]])
        seen.setdefault(row.get("code"), number)
        if problems:
            errors[f"row {number}"] = "; ".join(f"{k}: {v}" for k, v in problems.items())
    if errors:
        raise InvalidInput(_l("Nothing was imported: %(n)d row(s) have errors.", n=len(errors)), errors)

    report = ImportReport(zones_created=sorted(new_zones))
    db.session.add_all(new_zones.values())
    zones.update(new_zones)
    existing = {s.code: s for s in db.session.scalars(select(School))}
    for row in rows:
        school = existing.get(row["code"])
        if school is None:
            db.session.add(School(code=row["code"], name=row["name"].strip(), stage=row["stage"],
                                  zone=zones[row["zone"]]))
            report.created += 1
        else:
            school.name, school.stage, school.zone = row["name"].strip(), row["stage"], zones[row["zone"]]
            report.updated += 1
    db.session.commit()
    return report


def _read_csv(content: bytes) -> list[list[str]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise InvalidInput(_l("The file is not UTF-8 or GBK text."), {"file": _l("Unreadable text.")})
    return [row for row in csv.reader(io.StringIO(text))]


def _read_xlsx(content: bytes) -> list[list]:
    from openpyxl import load_workbook
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many types for a broken file
        raise InvalidInput(_l("The Excel file could not be read."), {"file": _l("Unreadable file.")}) from None
    sheet = workbook.worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True, max_row=MAX_ROWS + 2)]


def _map_headers(header: list) -> dict[str, int]:
    columns = {}
    for index, title in enumerate(header):
        title = str(title or "").strip().lower()
        for key, names in HEADERS.items():
            if title in names:
                columns[key] = index
    missing = [k for k in ("code", "name", "stage", "zone") if k not in columns]
    if missing:
        raise InvalidInput(_l("Missing column(s): %(cols)s.", cols=", ".join(missing)),
                           {"file": _l("The header row needs code, name, stage and zone.")})
    return columns


def _cell(cells: list, index: int) -> str:
    value = cells[index] if index < len(cells) else None
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # Excel stores numeric codes as floats
    return str(value).strip()
