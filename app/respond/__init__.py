"""The public, anonymous side: the phone form and the JSON submission endpoint."""
from flask import Flask


def init_app(app: Flask) -> None:
    """Register the public routes (no login, no CSRF session: they carry their own guards)."""
    from ..extensions import csrf
    from .blueprint import bp
    csrf.exempt(bp)
    app.register_blueprint(bp)
