"""The school plaque: one permanent link per school, and anonymous reports (投诉、建议)."""
from flask import Flask


def init_app(app: Flask) -> None:
    """Register this feature (filled in by the plaque work)."""
