"""The public, anonymous side: the phone form and the JSON submission endpoint."""
from flask import Flask
from flask.sessions import SessionInterface

#: Paths of the public side. They never read or write Flask's signed session cookie (a browser
#: is recognised only by its own signed cookie of answered launches, see form.py), so none is opened for them.
PUBLIC_PREFIXES = ("/s/", "/api/v1/public/")


class NoSessionOnPublicPaths(SessionInterface):
    """The app's session interface, except that public paths get Flask's null session: no cookie
    is verified or signed on the hot path, and none can ever be set there."""

    def __init__(self, inner: SessionInterface, prefixes: tuple[str, ...] = PUBLIC_PREFIXES):
        self.inner = inner
        self.prefixes = prefixes
        self.null_session_class = inner.null_session_class
        self.pickle_based = inner.pickle_based

    def open_session(self, app, request):
        if request.path.startswith(self.prefixes):
            return None  # Flask then uses make_null_session: readable, empty, never saved
        return self.inner.open_session(app, request)

    def save_session(self, app, session, response) -> None:
        self.inner.save_session(app, session, response)

    def __getattr__(self, name):
        return getattr(self.inner, name)


def init_app(app: Flask) -> None:
    """Register the public routes (no login, no CSRF session: they carry their own guards)."""
    from .. import request_logs
    from ..extensions import csrf
    from .blueprint import bp
    request_logs.init_app(app)  # the development server never logs a public request
    csrf.exempt(bp)
    app.register_blueprint(bp)
    if not isinstance(app.session_interface, NoSessionOnPublicPaths):
        app.session_interface = NoSessionOnPublicPaths(app.session_interface)
