"""CSV cells are neutralised so that spreadsheets show formula-like text instead of running it."""
from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from app.reporting.csvsafe import safe_cell, write_csv


@pytest.mark.parametrize("text", ['=HYPERLINK("http://evil.example","点击")', "+cmd|' /C calc'!A0",
                                  "-2+3", "@SUM(A1:A9)", "\t=1+1", "\r=1+1", "=1", "-", "+"])
def test_text_a_spreadsheet_would_run_gets_a_leading_apostrophe(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", [-3, -0.25, 0, 17, 1.5, Decimal("-2.5"), True, None])
def test_real_numbers_including_negative_ones_are_left_alone(value):
    assert safe_cell(value) is value


@pytest.mark.parametrize("text", ["-3", "-0.25", "+1.5", "-1e3", "城关镇第一小学", "a=b", "95% CI", ""])
def test_plain_numbers_and_ordinary_text_are_unchanged(text):
    assert safe_cell(text) == text


def test_written_csv_neutralises_header_and_every_row_and_keeps_numbers():
    document = write_csv(["=Group", "n"], [["=HYPERLINK(\"x\")", -4], ["城关", 0.5]])
    assert document.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(document.lstrip("\ufeff"))))
    assert rows == [["'=Group", "n"], ["'=HYPERLINK(\"x\")", "-4"], ["城关", "0.5"]]
