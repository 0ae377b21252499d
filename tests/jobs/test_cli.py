"""`flask report annual` with the real builder: progress on stderr, the file at --out, exit 0;
bad scopes fail with a message and a non-zero status."""
from __future__ import annotations

import io

from openpyxl import load_workbook


def test_annual_csv_is_written_with_progress_on_stderr(county, app, tmp_path):
    out = tmp_path / "county.csv"
    result = app.test_cli_runner().invoke(
        args=["report", "annual", "--year", "2026", "--format", "csv", "--out", str(out)])
    assert result.exit_code == 0, result.output + result.stderr
    from app.reporting.annual import build_annual
    expected, _meta = build_annual({"kind": "county"}, 2026, "parent", "csv", lambda *a: None)
    assert out.read_bytes() == expected and len(expected) > 100
    assert "100%" in result.stderr and "[" in result.stderr and "#" in result.stderr
    assert result.stdout == ""


def test_annual_xlsx_for_a_zone_opens_in_openpyxl(county, app, tmp_path):
    out = tmp_path / "zone.xlsx"
    result = app.test_cli_runner().invoke(
        args=["report", "annual", "--year", "2026", "--zone", "Z1", "--format", "xlsx", "--out", str(out)])
    assert result.exit_code == 0, result.output + result.stderr
    workbook = load_workbook(io.BytesIO(out.read_bytes()))
    assert len(workbook.sheetnames) >= 1


def test_unknown_zone_or_school_fails_clearly(county, app, tmp_path):
    runner = app.test_cli_runner()
    for option in ("--zone", "--school"):
        out = tmp_path / f"x{option}.pdf"
        result = runner.invoke(args=["report", "annual", "--year", "2026", option, "NOPE", "--out", str(out)])
        assert result.exit_code != 0
        assert "scope" in result.stderr and not out.exists()


def test_zone_and_school_together_is_a_usage_error(county, app, tmp_path):
    result = app.test_cli_runner().invoke(args=[
        "report", "annual", "--year", "2026", "--zone", "Z1", "--school", "SA", "--out", str(tmp_path / "x")])
    assert result.exit_code == 2


def test_worker_refuses_to_start_in_immediate_mode(app):
    result = app.test_cli_runner().invoke(args=["jobs", "worker"])
    assert result.exit_code != 0 and "HUEY_IMMEDIATE" in result.stderr


def test_an_out_path_in_a_missing_folder_fails_clearly(county, app, tmp_path):
    result = app.test_cli_runner().invoke(args=[
        "report", "annual", "--year", "2026", "--out", str(tmp_path / "nope" / "x.pdf")])
    assert result.exit_code == 1 and "does not exist" in result.stderr
