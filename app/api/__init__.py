"""The staff JSON API under /api/v1, thin over the services."""
from flask import Flask


def init_app(app: Flask) -> None:
    """Register the API (bearer tokens, so no CSRF) and /healthz."""
    from ..extensions import csrf
    from .blueprint import bp, health
    csrf.exempt(bp)
    app.register_blueprint(bp)
    app.add_url_rule("/healthz", "healthz", health)
