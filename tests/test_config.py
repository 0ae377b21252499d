"""Configuration: production refuses a missing or development signing key and secures cookies."""
from __future__ import annotations

import secrets

import pytest

from app import create_app
from config import Config, TestConfig, _flag

IN_MEMORY = {"SQLALCHEMY_DATABASE_URI": "sqlite://"}


@pytest.fixture(autouse=True)
def private_engine_options(monkeypatch):
    """Give each test its own copy of the class-level engine options: building an SQLite app
    changes them in place, which would break PostgreSQL apps built later."""
    monkeypatch.setattr(Config, "SQLALCHEMY_ENGINE_OPTIONS", dict(Config.SQLALCHEMY_ENGINE_OPTIONS))


@pytest.fixture
def proper_key(monkeypatch) -> str:
    """A long random SECRET_KEY in the environment."""
    key = secrets.token_urlsafe(32)
    monkeypatch.setenv("SECRET_KEY", key)
    return key


def test_production_refuses_to_start_without_a_secret_key(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app("production", IN_MEMORY)


@pytest.mark.parametrize("key", ["", Config.SECRET_KEY, "dev-only-not-secret", "short-key"])
def test_production_refuses_an_empty_default_or_short_key(monkeypatch, key):
    monkeypatch.setenv("SECRET_KEY", key)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app("production", IN_MEMORY)


def test_production_is_chosen_by_dudao_config(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("DUDAO_CONFIG", "production")
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(test_config=IN_MEMORY)


def test_production_starts_with_a_proper_key_and_secure_cookies(proper_key):
    app = create_app("production", IN_MEMORY)
    assert app.config["TESTING"] is False
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["REMEMBER_COOKIE_HTTPONLY"] is True
    assert app.config.get("WTF_CSRF_ENABLED", True) is True


def test_production_signs_with_the_key_it_checked(proper_key):
    app = create_app("production", IN_MEMORY)
    assert app.config["SECRET_KEY"] == proper_key


def test_an_sqlite_app_leaves_the_engine_options_of_later_apps_alone():
    before = dict(Config.SQLALCHEMY_ENGINE_OPTIONS)
    create_app("testing", IN_MEMORY)
    assert Config.SQLALCHEMY_ENGINE_OPTIONS == before
    postgres = create_app("testing", {"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://u@localhost/db"})
    assert "connect_args" not in postgres.config["SQLALCHEMY_ENGINE_OPTIONS"]


def test_development_config_has_a_default_key_and_http_only_cookies():
    assert Config.SECRET_KEY
    assert Config.SESSION_COOKIE_HTTPONLY is True and Config.SESSION_COOKIE_SAMESITE == "Lax"


def test_testing_config_uses_a_throwaway_database_without_csrf_and_rate_limits():
    assert TestConfig.TESTING is True
    assert TestConfig.WTF_CSRF_ENABLED is False and TestConfig.RATELIMIT_ENABLED is False
    assert TestConfig.FORM_MIN_SECONDS == 0.0


@pytest.mark.parametrize("value, expected", [
    ("0", False), ("false", False), ("No", False), (" off ", False), ("", False),
    ("1", True), ("true", True), ("yes", True), ("on", True),
])
def test_boolean_settings_read_common_spellings(monkeypatch, value, expected):
    monkeypatch.setenv("DUDAO_TEST_FLAG", value)
    assert _flag("DUDAO_TEST_FLAG", not expected) is expected


def test_boolean_setting_falls_back_to_its_default(monkeypatch):
    monkeypatch.delenv("DUDAO_TEST_FLAG", raising=False)
    assert _flag("DUDAO_TEST_FLAG", True) is True and _flag("DUDAO_TEST_FLAG", False) is False


def test_unknown_config_name_is_refused():
    with pytest.raises(KeyError):
        create_app("staging", IN_MEMORY)


def test_production_session_cookie_is_secure_and_http_only(proper_key, database_url, make_user):
    make_user("admin")
    app = create_app("production", {"SQLALCHEMY_DATABASE_URI": database_url,
                                    "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
    try:
        response = app.test_client().post("/login", data={"username": "admin",
                                                          "password": "password123"})
        assert response.status_code == 302
        cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    finally:
        with app.app_context():
            from app.extensions import db
            db.engine.dispose()


@pytest.mark.parametrize("key", [
    " " * 16, " " * 40, "\t\n" * 20,               # blank or whitespace, however long
    "x" * 31, "a-31-character-key-is-too-short",   # shorter than 32 characters
    "ab" * 20, "0123456780123456780123456780123",  # long but few distinct characters
])
def test_production_refuses_weak_keys(monkeypatch, key):
    monkeypatch.setenv("SECRET_KEY", key)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app("production", IN_MEMORY)


@pytest.fixture
def app_logger_enabled(monkeypatch):
    """Alembic's logging setup (run by the migrated-database fixture) disables existing loggers."""
    import logging
    monkeypatch.setattr(logging.getLogger("app"), "disabled", False)


def test_development_warns_when_signing_with_the_development_key(monkeypatch, caplog,
                                                                  app_logger_enabled):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with caplog.at_level("WARNING"):
        app = create_app("development", IN_MEMORY)
    assert app.config["SECRET_KEY"] == "dev-only-not-secret"
    warnings = [r for r in caplog.records if r.levelname == "WARNING" and "SECRET_KEY" in r.getMessage()]
    assert warnings and "development key" in warnings[0].getMessage()


def test_development_with_a_proper_key_does_not_warn(proper_key, caplog, app_logger_enabled):
    with caplog.at_level("WARNING"):
        create_app("development", IN_MEMORY)
    assert not [r for r in caplog.records if "SECRET_KEY" in r.getMessage()]
