"""Staff sign-in (sessions for pages, bearer tokens for the API) and role checks."""
from __future__ import annotations

from functools import wraps
from urllib.parse import urlsplit

from flask import Blueprint, Flask, flash, g, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, Length

from ..errors import Forbidden, ServiceError
from ..extensions import limiter, login_manager
from .models import User
from .services import authenticate, end_session, start_session, token_row, user_for_session

bp = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    """Username and password."""

    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=256)])
    remember = BooleanField(_l("Keep me signed in on this computer"))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: __import__("flask").current_app.config["LOGIN_LIMIT"], methods=["POST"])
def login():
    """Show the sign-in form; on success go where the user was heading."""
    if current_user.is_authenticated:
        return redirect(url_for("staff.home"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        outcome = authenticate(form.username.data, form.password.data, request.remote_addr or "")
        if outcome.user is not None:
            start_session(outcome.user, remember=form.remember.data)
            login_user(outcome.user, remember=form.remember.data)
            return redirect(safe_next(request.args.get("next", "")))
        if outcome.wait_seconds:
            status = 429
            flash(_l("Too many failed attempts. Please wait %(n)d seconds and try again.",
                     n=outcome.wait_seconds), "error")
        else:
            status = 401
            flash(_l("Wrong username or password."), "error")
    elif request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
@login_required
def logout():
    """Sign out: this browser's sign-in ends, whatever cookies were copied from it."""
    end_session(current_user.session_secret)
    logout_user()
    return redirect(url_for("auth.login"))


def safe_next(target: str) -> str:
    """A local path to go to after sign-in; anything else (another site, odd characters) goes home."""
    parts = urlsplit(target)
    if (not target.startswith("/") or target.startswith("//") or "\\" in target
            or any(ord(c) < 0x20 or c == "\x7f" for c in target) or parts.scheme or parts.netloc):
        return url_for("staff.home")
    return target


@login_manager.user_loader
def load_user(session_secret: str) -> User | None:
    """Flask-Login: the user of the sign-in whose secret the session or remember-me cookie holds."""
    return user_for_session(session_secret)


def api_user() -> User:
    """The user of the bearer token on this request; 401 without a valid one."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    row = token_row(token.strip()) if scheme.lower() == "bearer" and token.strip() else None
    if row is None:
        raise Unauthorized(_l("A valid bearer token is required."))
    g.api_token = row
    return row.user


class Unauthorized(ServiceError):
    """No or bad credentials."""

    status = 401


def token_required(view):
    """API views: authenticate the bearer token and put the user in g.user."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        g.user = api_user()
        return view(*args, **kwargs)
    return wrapper


def require_role(user: User, *roles: str) -> None:
    """403 unless the user has one of the roles."""
    if user.role not in roles:
        raise Forbidden(_l("You do not have permission to do this."))


def init_app(app: Flask) -> None:
    """Register the sign-in pages and the Flask-Login settings."""
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in.")
    login_manager.login_message_category = "info"
    app.register_blueprint(bp)
