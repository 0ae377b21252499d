"""Supervisors' visit records, problems and rectification, the monthly report."""
from flask import Flask


def init_app(app: Flask) -> None:
    """Register models (the views, API and CLI are added by this feature's modules)."""
    from . import models  # noqa: F401
