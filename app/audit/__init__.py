"""The audit trail: every change staff make, who, when, before and after. Never respondents."""
from flask import Flask

from .services import record, snapshot  # noqa: F401  (the one way features write the trail)


def init_app(app: Flask) -> None:
    """Nothing to bind: the model is imported so migrations and create_all see it."""
    from . import models  # noqa: F401
