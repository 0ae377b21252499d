"""Results: statistics over stored responses, for the API and the staff pages."""
from flask import Flask


def init_app(app: Flask) -> None:
    """Register the result pages."""
    from .blueprint import bp
    app.register_blueprint(bp)
