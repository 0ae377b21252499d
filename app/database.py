"""Database engine set-up: SQLite pragmas and write transactions that never hit "database is locked"."""
from __future__ import annotations

from contextlib import contextmanager

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from .extensions import db

#: Execution option asking the SQLite driver for BEGIN IMMEDIATE instead of a deferred BEGIN.
IMMEDIATE = "dudao_sqlite_immediate"


def init_app(app: Flask) -> None:
    """Install the SQLite connection hooks (PostgreSQL needs none)."""
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        options = app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
        options.setdefault("connect_args", {}).setdefault("timeout", 30)
        options.pop("pool_pre_ping", None)


@event.listens_for(Engine, "connect")
def _sqlite_on_connect(dbapi_connection, connection_record):
    """WAL, a busy timeout and foreign keys; let SQLAlchemy, not the driver, issue BEGIN."""
    if type(dbapi_connection).__module__.split(".")[0] not in {"sqlite3", "pysqlite2"}:
        return
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_on_begin(conn):
    """Writers take the write lock up front, so a read-then-write never fails to upgrade."""
    if conn.dialect.name != "sqlite":
        return
    if conn.get_execution_options().get(IMMEDIATE):
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        conn.exec_driver_sql("BEGIN")


@contextmanager
def write_transaction():
    """Run the block in one write transaction on the request's session; commit or roll back."""
    session = db.session()  # the request's real Session behind the scoped proxy
    if session.in_transaction():
        session.commit()
    session.connection(execution_options={IMMEDIATE: True})
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
