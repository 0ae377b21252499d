"""Launching a survey at schools: tokens, QR codes, posters."""
from flask import Flask


def init_app(app: Flask) -> None:
    """Register the QR and poster downloads."""
    from .blueprint import bp
    app.register_blueprint(bp)
