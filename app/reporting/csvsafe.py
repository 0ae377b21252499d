"""CSV cells that a spreadsheet shows as text, never runs (pure functions).

Excel, WPS and LibreOffice treat a cell starting with = + - @ (or a tab or carriage return
before one) as a formula: a school named `=HYPERLINK("http://evil","点击")` would run when the
office opens an export. Every CSV the app writes goes through `write_csv`, which prefixes such
text with an apostrophe (shown as text, the apostrophe itself hidden). Numbers, including
negative ones, are numbers and stay as they are.
"""
from __future__ import annotations

import csv
import io
import re
from decimal import Decimal
from typing import Iterable

#: First characters that make a spreadsheet read a cell as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
#: Text that is just a number ("-3", "+1.5e3") is not a formula and is left alone.
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def safe_cell(value):
    """The value as a spreadsheet should show it: formula-like text gets a leading apostrophe."""
    if value is None or isinstance(value, (bool, int, float, Decimal)):
        return value
    text = str(value)
    if text.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def safe_row(row: Iterable) -> list:
    """Every cell of a row through safe_cell."""
    return [safe_cell(value) for value in row]


def write_csv(header: Iterable, rows: Iterable[Iterable], bom: bool = True) -> str:
    """A CSV document with every cell neutralised; with a UTF-8 BOM so Excel and WPS read
    Chinese correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(safe_row(header))
    writer.writerows(safe_row(row) for row in rows)
    return ("\ufeff" if bom else "") + buffer.getvalue()
