"""The audit trail: every change staff make, who, when, before and after. Never respondents."""
from flask import Flask

from .services import record, snapshot  # noqa: F401  (the one way features write the trail)


def init_app(app: Flask) -> None:
    """Import the model (so migrations and create_all see it) and register the trail page."""
    from . import models, views  # noqa: F401
    views.init_app(app)
