"""Database engine set-up: SQLite pragmas and write transactions that never hit "database is locked"."""
from __future__ import annotations

import weakref
from contextlib import contextmanager
from typing import Iterator

from flask import Flask
from sqlalchemy import Table, event, insert
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import SingletonThreadPool, StaticPool

from .extensions import db

#: Execution option asking the SQLite driver for BEGIN IMMEDIATE instead of a deferred BEGIN.
IMMEDIATE = "dudao_sqlite_immediate"
#: Execution option for connections that only read, one statement at a time: on SQLite no BEGIN
#: is sent and each SELECT runs in SQLite's own implicit read transaction (the latest commit).
AUTOCOMMIT_READS = "dudao_sqlite_autocommit_reads"


def init_app(app: Flask) -> None:
    """Install the SQLite connection hooks (PostgreSQL needs none)."""
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # A copy: the dict may be the Config class's own, shared with every other app.
        options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        options["connect_args"] = {"timeout": 30, **options.get("connect_args", {})}
        options.pop("pool_pre_ping", None)
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


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
    options = conn.get_execution_options()
    if options.get(AUTOCOMMIT_READS):
        return
    # Straight to the driver: a BEGIN needs none of SQLAlchemy's statement machinery, and on the
    # write path every microsecond before the lock is taken is a microsecond less of waiting.
    conn.connection.dbapi_connection.execute("BEGIN IMMEDIATE" if options.get(IMMEDIATE) else "BEGIN")


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


# The public hot path (form and JSON submissions) works on pooled connections of its own
# instead of the request's ORM session: no Session bookkeeping, no identity map, no ORM
# compilation, and on SQLite the write lock is held for the INSERTs alone (see insert_rows).


def _one_connection_per_thread() -> bool:
    """In-memory SQLite hands every user in a thread the same connection: use the session there."""
    return isinstance(db.engine.pool, (SingletonThreadPool, StaticPool))


def end_session_transaction() -> None:
    """Commit the request's session if it has a transaction open (as write_transaction does),
    so a read snapshot it holds cannot hide the write that follows; never creates a session."""
    if db.session.registry.has():
        session = db.session()
        if session.in_transaction():
            session.commit()


@contextmanager
def read_connection() -> Iterator[Connection]:
    """A connection for reads of committed data, returned to the pool afterwards. On SQLite each
    statement sees the latest commit on its own (no BEGIN); use write_connection to write."""
    if _one_connection_per_thread():
        yield db.session.connection()
        return
    with db.engine.connect() as conn:
        conn.execution_options(**{AUTOCOMMIT_READS: True})
        yield conn


@contextmanager
def write_connection() -> Iterator[Connection]:
    """One write transaction on a connection of its own: BEGIN IMMEDIATE on SQLite, committed
    when the block ends, rolled back if it raises (nothing half-written)."""
    if _one_connection_per_thread():
        with write_transaction() as session:
            yield session.connection()
        return
    end_session_transaction()
    engine = db.engine
    with engine.connect() as conn:
        conn.execution_options(**{IMMEDIATE: True})
        with conn.begin():
            yield conn


def insert_rows(*batches: tuple[Table, list[dict]]) -> None:
    """INSERT each batch's rows (dicts keyed by column) into its table, all in one write
    transaction: either every row is stored or none. A conflict raises IntegrityError.

    On a SQLite file the statements go straight to the driver (BEGIN IMMEDIATE ... COMMIT), with
    SQL compiled once by SQLAlchemy from the table and every value converted by the column's own
    SQLAlchemy type before the lock is taken, so rows read back exactly as if Core had written
    them, at a fraction of Core's per-statement cost, and the write lock is held for the
    INSERTs alone. Elsewhere they are ordinary Core executions inside write_connection().
    """
    engine = db.engine
    plans = _sqlite_plans(engine, batches)
    if plans is None:
        with write_connection() as conn:
            for table, rows in batches:
                if rows:
                    conn.execute(_insert_of(table), rows if len(rows) > 1 else rows[0])
        return
    statements = [(sql, [convert(row) for row in rows])
                  for (sql, convert), (_table, rows) in zip(plans, batches) if rows]
    end_session_transaction()
    dbapi = engine.dialect.dbapi
    pooled = engine.raw_connection()
    try:
        driver = pooled.driver_connection
        driver.execute("BEGIN IMMEDIATE")
        try:
            for sql, values in statements:
                if len(values) == 1:
                    driver.execute(sql, values[0])
                else:
                    driver.executemany(sql, values)
            driver.execute("COMMIT")
        except BaseException:
            if driver.in_transaction:
                driver.execute("ROLLBACK")
            raise
    except dbapi.Error as exc:
        raise DBAPIError.instance(None, None, exc, dbapi.Error, dialect=engine.dialect) from exc
    finally:
        pooled.close()


_inserts: dict[Table, object] = {}


def _insert_of(table: Table):
    """One INSERT construct per table, so SQLAlchemy's statement cache key is computed once."""
    statement = _inserts.get(table)
    if statement is None:
        statement = _inserts[table] = insert(table)
    return statement


#: (dialect, table, column keys) -> (SQL, row converter), or None where the fast path does not apply.
_plans: dict[tuple, tuple | None] = {}
_fast_engines: "weakref.WeakKeyDictionary[Engine, bool]" = weakref.WeakKeyDictionary()


def _sqlite_plans(engine: Engine, batches) -> list | None:
    """The driver-level SQL and converters for the batches, or None to use Core instead."""
    fast = _fast_engines.get(engine)
    if fast is None:
        fast = _fast_engines[engine] = (
            engine.dialect.name == "sqlite" and engine.dialect.driver == "pysqlite"
            and engine.dialect.paramstyle == "qmark" and not _one_connection_per_thread()
            and (engine.url.database or ":memory:") != ":memory:")
    if not fast:
        return None
    plans = []
    for table, rows in batches:
        keys = tuple(rows[0]) if rows else ()
        cache_key = (engine.dialect, table, keys)
        if cache_key not in _plans:
            _plans[cache_key] = _plan(engine.dialect, table, keys) if rows else ("", None)
        plan = _plans[cache_key]
        if plan is None:
            return None
        plans.append(plan)
    return plans


def _plan(dialect, table: Table, keys: tuple[str, ...]):
    if any(column.key not in keys and column.default is not None for column in table.columns):
        return None  # Core would fill in a Python-side default: let it
    compiled = insert(table).compile(dialect=dialect, column_keys=list(keys))
    order = compiled.positiontup
    if not order or set(order) != set(keys):
        return None
    processors = [table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in order]
    steps = tuple(zip(order, processors))

    def convert(row: dict) -> tuple:
        return tuple(row[name] if process is None else process(row[name]) for name, process in steps)
    return compiled.string, convert
