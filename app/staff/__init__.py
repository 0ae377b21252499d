"""Staff pages: dashboard, zones, schools, launches, imports."""
from flask import Flask


def init_app(app: Flask) -> None:
    """Register the staff pages."""
    from .blueprint import bp, index
    app.register_blueprint(bp)
    app.add_url_rule("/", "index", index)
