"""The annual analysis report (PDF, XLSX, CSV), the monthly report and the launch feedback PDF.

The job queue (app/jobs) calls these three functions; each returns the file's bytes and a meta
dict {"data_as_of", "filename", "content_type"}. Every figure comes through the disclosure gate
(app/results/reports.py), never from raw responses.
"""
from __future__ import annotations

from typing import Callable

Progress = Callable[[float, str], None]


def build_annual(scope: dict, year: int, audience: str, fmt: str, progress: Progress) -> tuple[bytes, dict]:
    """The annual report of a scope and year for one audience, as PDF, XLSX or CSV."""
    from .build import build_annual as _build

    return _build(scope, year, audience, fmt, progress)


def build_monthly_pdf(month: str, zone_code: str | None, progress: Progress) -> tuple[bytes, dict]:
    """The monthly supervision report (visits and rectification) of a month, as PDF."""
    from .monthly import build_monthly_pdf as _build

    return _build(month, zone_code, progress)


def build_launch_feedback_pdf(launch_id: int, progress: Progress) -> tuple[bytes, dict]:
    """The results feedback (调查结果反馈) of one launch for its school, as PDF."""
    from .feedback import build_launch_feedback_pdf as _build

    return _build(launch_id, progress)
