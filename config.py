"""Configuration classes; every setting can come from the environment."""
from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"


def _flag(name: str, default: bool) -> bool:
    """Read a boolean environment variable ("0", "false", "no" and "off" are false)."""
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() not in {"0", "false", "no", "off", ""}


#: Signs sessions in development only; production refuses to start with it.
DEV_SECRET_KEY = "dev-only-not-secret"


class Config:
    """Development defaults: SQLite under instance/, a development signing key."""

    SECRET_KEY = os.environ.get("SECRET_KEY", DEV_SECRET_KEY)
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'dudao.sqlite3'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    SURVEYS_DIR = os.environ.get("SURVEYS_DIR", str(BASE_DIR / "surveys"))
    #: Groups smaller than this are never shown (counts, means, indicators).
    MIN_GROUP_SIZE = int(os.environ.get("MIN_GROUP_SIZE", "10"))
    #: Public rate limits, held in memory per worker; a whole school behind one carrier NAT fits.
    RATELIMIT_ENABLED = _flag("RATELIMIT_ENABLED", True)
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    PUBLIC_SUBMIT_LIMIT = os.environ.get("PUBLIC_SUBMIT_LIMIT", "300 per minute")
    LOGIN_LIMIT = os.environ.get("LOGIN_LIMIT", "30 per minute")
    #: How many reverse proxies sit in front of the app (for the client address the limiter sees).
    PROXY_COUNT = int(os.environ.get("PROXY_COUNT", "0"))
    #: Seconds a person needs at least to fill a form; faster submissions are bots.
    FORM_MIN_SECONDS = float(os.environ.get("FORM_MIN_SECONDS", "3"))
    #: Lock an account after this many failed logins in a row, for LOGIN_LOCK_MINUTES.
    LOGIN_MAX_FAILURES = int(os.environ.get("LOGIN_MAX_FAILURES", "5"))
    LOGIN_LOCK_MINUTES = int(os.environ.get("LOGIN_LOCK_MINUTES", "15"))
    #: Absolute base URL for QR codes and posters (e.g. https://dudao.example.gov.cn); the
    #: request's own host is used when unset.
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "").rstrip("/")
    #: The office's name as printed on posters and reports, e.g. 清河县人民政府教育督导室.
    OFFICE_NAME = os.environ.get("OFFICE_NAME", "")
    #: Local time zone: dates people type and read are in it; everything is stored in UTC.
    TIMEZONE = os.environ.get("TIMEZONE", "Asia/Shanghai")
    BABEL_DEFAULT_LOCALE = "zh_CN"
    BABEL_DEFAULT_TIMEZONE = TIMEZONE
    BABEL_SUPPORTED_LOCALES = ("zh_CN", "en")
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "app" / "translations")
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _flag("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_HTTPONLY = True
    WTF_CSRF_TIME_LIMIT = None
    MAX_CONTENT_LENGTH = 8 * 1024 * 1024
    JSON_SORT_KEYS = False
    DEMO_ON_FIRST_RUN = _flag("DEMO_ON_FIRST_RUN", True)


class TestConfig(Config):
    """Tests: a throw-away database, no CSRF on forms, no minimum fill time."""

    TESTING = True
    SECRET_KEY = "test-secret"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    WTF_CSRF_ENABLED = False
    FORM_MIN_SECONDS = 0.0
    RATELIMIT_ENABLED = False


class ProductionConfig(Config):
    """Production: refuses to start without a real SECRET_KEY; secure cookies."""

    SESSION_COOKIE_SECURE = _flag("SESSION_COOKIE_SECURE", True)
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE

    @staticmethod
    def check(config) -> None:
        """Fail loudly on settings production must not run without (the loaded app config)."""
        key = config.get("SECRET_KEY")
        if not key or key == DEV_SECRET_KEY or len(key) < 16:
            raise RuntimeError("SECRET_KEY must be set (16+ characters) in production")


CONFIGS = {"development": Config, "testing": TestConfig, "production": ProductionConfig}
