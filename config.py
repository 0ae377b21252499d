"""Configuration classes; every setting can come from the environment."""
from __future__ import annotations

import logging
import os
from datetime import timedelta
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
#: Production keys are at least this long and use at least this many distinct characters.
MIN_SECRET_KEY_LENGTH = 32
MIN_SECRET_KEY_DISTINCT = 10


def secret_key_problem(key) -> str | None:
    """Why a signing key is too weak to run in production, or None for a good one."""
    if not isinstance(key, str) or not key.strip():
        return "is missing or blank"
    if key == DEV_SECRET_KEY:
        return "is the public development key"
    if len(key.strip()) < MIN_SECRET_KEY_LENGTH:
        return f"is shorter than {MIN_SECRET_KEY_LENGTH} characters"
    if len(set(key)) < MIN_SECRET_KEY_DISTINCT:
        return f"uses fewer than {MIN_SECRET_KEY_DISTINCT} distinct characters"
    return None


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
    #: Failed sign-ins are slowed, never locked out: after LOGIN_FREE_ATTEMPTS failures for one
    #: username from one address, each further attempt from there waits 1, 2, 4 … seconds, at
    #: most LOGIN_MAX_DELAY_SECONDS. Across all addresses, after LOGIN_ACCOUNT_FREE_ATTEMPTS
    #: failures the username waits the same way, at most LOGIN_ACCOUNT_MAX_DELAY_SECONDS (kept
    #: short, so an attacker elsewhere holds the rightful user back by seconds, not minutes).
    LOGIN_FREE_ATTEMPTS = int(os.environ.get("LOGIN_FREE_ATTEMPTS", "5"))
    LOGIN_MAX_DELAY_SECONDS = int(os.environ.get("LOGIN_MAX_DELAY_SECONDS", "300"))
    LOGIN_ACCOUNT_FREE_ATTEMPTS = int(os.environ.get("LOGIN_ACCOUNT_FREE_ATTEMPTS", "20"))
    LOGIN_ACCOUNT_MAX_DELAY_SECONDS = int(os.environ.get("LOGIN_ACCOUNT_MAX_DELAY_SECONDS", "30"))
    #: Failure counts are forgotten after this long without a failure.
    LOGIN_FAILURE_WINDOW_MINUTES = int(os.environ.get("LOGIN_FAILURE_WINDOW_MINUTES", "60"))
    #: A sign-in lasts this long without "keep me signed in", and REMEMBER_DAYS with it.
    SESSION_HOURS = int(os.environ.get("SESSION_HOURS", "12"))
    REMEMBER_DAYS = int(os.environ.get("REMEMBER_DAYS", "14"))
    REMEMBER_COOKIE_DURATION = timedelta(days=REMEMBER_DAYS)
    #: API bearer tokens stop working this many days after they are issued.
    API_TOKEN_DAYS = int(os.environ.get("API_TOKEN_DAYS", "90"))
    #: Absolute base URL for QR codes and posters (e.g. https://dudao.example.gov.cn); the
    #: request's own host is used when unset.
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "").rstrip("/")
    #: Host names the app answers to, comma-separated (e.g. dudao.example.gov.cn); a request for
    #: any other Host is refused with 400 (Flask's TRUSTED_HOSTS). Unset: any host.
    TRUSTED_HOSTS = [host.strip() for host in os.environ.get("TRUSTED_HOSTS", "").split(",")
                     if host.strip()] or None
    #: The office's name as printed on posters and reports, e.g. 清河县人民政府教育督导室.
    OFFICE_NAME = os.environ.get("OFFICE_NAME", "")
    #: The county's name for report titles and file names, e.g. 清河县 (empty: 本县).
    COUNTY_NAME = os.environ.get("COUNTY_NAME", "")
    #: An annual workbook lists each launch's answer distributions up to this many launches (a
    #: county-wide workbook over more points to the zones' workbooks instead: ~50 ms a launch).
    ANNUAL_DISTRIBUTIONS_MAX_LAUNCHES = int(os.environ.get("ANNUAL_DISTRIBUTIONS_MAX_LAUNCHES", "300"))
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
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    WTF_CSRF_TIME_LIMIT = None
    MAX_CONTENT_LENGTH = 8 * 1024 * 1024
    JSON_SORT_KEYS = False
    DEMO_ON_FIRST_RUN = _flag("DEMO_ON_FIRST_RUN", True)
    #: Responses are gzip-compressed when the client accepts it (Flask-Compress); gzip only:
    #: every phone browser reads it and it costs the server least.
    COMPRESS_ALGORITHM = ["gzip"]
    COMPRESS_LEVEL = 6
    COMPRESS_MIN_SIZE = 500
    COMPRESS_MIMETYPES = ["text/html", "text/css", "text/csv", "application/json",
                          "image/svg+xml", "text/javascript"]
    #: Visits and rectification (issue 7): a problem past its deadline by more than this many
    #: days is escalated to the county office; supervisors submit the monthly report by this day.
    ESCALATION_GRACE_DAYS = int(os.environ.get("ESCALATION_GRACE_DAYS", "14"))
    MONTHLY_REPORT_DUE_DAY = int(os.environ.get("MONTHLY_REPORT_DUE_DAY", "27"))
    #: Anonymous reports from the school plaque (issue 9): per-address limit and time limits
    #: (working days) to acknowledge and to conclude a report.
    PLAQUE_REPORT_LIMIT = os.environ.get("PLAQUE_REPORT_LIMIT", "30 per minute")
    COMPLAINT_ACK_WORKING_DAYS = int(os.environ.get("COMPLAINT_ACK_WORKING_DAYS", "2"))
    COMPLAINT_CONCLUDE_WORKING_DAYS = int(os.environ.get("COMPLAINT_CONCLUDE_WORKING_DAYS", "15"))
    #: Background jobs (issue 8): the Huey queue. Default: SQLite file under instance/; set
    #: HUEY_URL to redis://… for many workers. Generated files are archived under REPORTS_DIR.
    HUEY_URL = os.environ.get("HUEY_URL", "")
    REPORTS_DIR = os.environ.get("REPORTS_DIR", str(INSTANCE_DIR / "reports"))
    #: The embedded queue's own SQLite file (when HUEY_URL is unset); True runs jobs at once, in
    #: the requesting process (tests). A running job whose worker has not written a heartbeat
    #: for JOBS_STALE_MINUTES was cut off: it is started once more, then marked failed.
    HUEY_FILE = os.environ.get("HUEY_FILE", str(INSTANCE_DIR / "huey.sqlite3"))
    HUEY_IMMEDIATE = _flag("HUEY_IMMEDIATE", False)
    JOBS_STALE_MINUTES = int(os.environ.get("JOBS_STALE_MINUTES", "5"))

    @staticmethod
    def check(config, logger: logging.Logger) -> None:
        """Development: say loudly when sessions are signed with a weak or public key."""
        problem = secret_key_problem(config.get("SECRET_KEY"))
        if problem:
            logger.warning("SECRET_KEY %s: anyone can forge sessions of this server. Set "
                           "SECRET_KEY (and DUDAO_CONFIG=production) before real use.", problem)


class TestConfig(Config):
    """Tests: a throw-away database, no CSRF on forms, no minimum fill time."""

    TESTING = True
    SECRET_KEY = "test-secret"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    WTF_CSRF_ENABLED = False
    FORM_MIN_SECONDS = 0.0
    RATELIMIT_ENABLED = False
    HUEY_IMMEDIATE = True

    @staticmethod
    def check(config, logger: logging.Logger) -> None:
        """Tests sign with a fixed key on purpose."""


class ProductionConfig(Config):
    """Production: refuses to start without a real SECRET_KEY; secure cookies."""

    SESSION_COOKIE_SECURE = _flag("SESSION_COOKIE_SECURE", True)
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE

    @staticmethod
    def check(config, logger: logging.Logger) -> None:
        """Refuse to start on settings production must not run with (the loaded app config)."""
        problem = secret_key_problem(config.get("SECRET_KEY"))
        if problem:
            raise RuntimeError(f"SECRET_KEY {problem}: production needs a random key of "
                               f"{MIN_SECRET_KEY_LENGTH}+ characters, e.g. from "
                               "`python -c 'import secrets; print(secrets.token_urlsafe(32))'`")


CONFIGS = {"development": Config, "testing": TestConfig, "production": ProductionConfig}
