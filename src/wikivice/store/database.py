"""Connecting to the database (SQLite or PostgreSQL) and migrating it.

SQLite runs in WAL mode so the web process reads while a worker writes. Python's
sqlite3 opens transactions lazily (BEGIN DEFERRED); a transaction that reads and then
writes fails at once with SQLITE_BUSY when another connection committed in between,
whatever busy_timeout says. So transactions that write begin with BEGIN IMMEDIATE:
`Database.write()`. PostgreSQL needs nothing of the kind.

Waiting is bounded (`WIKIVICE_DB_TIMEOUT`): for PostgreSQL to accept a connection
(libpq's `connect_timeout`) and for a free connection in the pool. Not for a statement:
a `statement_timeout` would also cut the long transactions of a big ingest or migration,
and a query that runs long is not a server that is gone. SQLite's lock wait stays at
30 s: its `timeout` is how long a writer waits for another's transaction, not for a
server, and a shorter one would fail writes under a busy ingest.
"""

from __future__ import annotations

import math
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError

from wikivice.store.errors import unknown_url, unreachable

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# The newest migration; tests/store/test_database.py checks it is Alembic's head.
SCHEMA_REVISION = "0008"
POSTGRESQL = "postgresql+psycopg"  # psycopg 3, the one PostgreSQL driver installed
SQLITE_BUSY_SECONDS = 30


class Database:
    """The engine plus the two ways in: `read()` and `write()` (each one transaction)."""

    def __init__(self, url: str, *, timeout: float = 5.0) -> None:
        """`timeout`: seconds to wait for a connection (`WIKIVICE_DB_TIMEOUT`). Raises
        `DatabaseUnavailable` for a URL of no database WikiVice knows."""
        self.url = engine_url(url)
        self.timeout = timeout
        self.engine = make_engine(self.url, timeout)
        self._writer = self.engine.execution_options(sqlite_begin="IMMEDIATE")

    def check(self) -> None:
        """Connect once; raises `DatabaseUnavailable` saying in one line why it cannot."""
        try:
            with self.engine.connect():
                return
        except DBAPIError as exc:
            raise unreachable(self.where, str(exc.orig), self.timeout) from None

    @property
    def where(self) -> str:
        """host:port of a server, or a SQLite file's path (never the password)."""
        url = make_url(self.url)
        if url.get_backend_name() == "sqlite":
            return url.database or ":memory:"
        return f"{url.host or 'localhost'}:{url.port or 5432}"

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            yield conn

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """One write transaction: committed on success, rolled back on error."""
        with self._writer.begin() as conn:
            yield conn

    def migrate(self) -> None:
        """`check`, then bring the schema up to date."""
        self.check()
        migrate(self.engine)

    def dispose(self, wait: float = 2.0) -> None:
        """Close the pool's connections, after waiting up to `wait` seconds for those in
        use to come back: a thread that outlives its job by a moment (the fetch thread
        giving back its politeness slot, a request finishing) would otherwise return its
        connection to a pool already gone, and nobody would ever close it."""
        deadline = time.monotonic() + wait
        checked_out = getattr(self.engine.pool, "checkedout", None)
        while checked_out is not None and checked_out() > 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        self.engine.dispose()


def dialect_insert(dialect_name: str):  # type: ignore[no-untyped-def]
    """`insert` with ON CONFLICT for this dialect (spelled per dialect in SQLAlchemy;
    imported on use: PostgreSQL's dialect is a twentieth of the CLI's start-up)."""
    if dialect_name == "postgresql":
        from sqlalchemy.dialects import postgresql

        return postgresql.insert
    from sqlalchemy.dialects import sqlite

    return sqlite.insert


def engine_url(url: str) -> str:
    """The SQLAlchemy URL of what an operator wrote: `postgres://` and `postgresql://`
    (libpq's and many hosts' spelling) mean PostgreSQL through psycopg 3. Raises
    `DatabaseUnavailable` for any other database or driver."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise unknown_url(None) from None
    if parsed.drivername in ("postgres", "postgresql"):
        parsed = parsed.set(drivername=POSTGRESQL)
    elif parsed.drivername not in (POSTGRESQL, "sqlite", "sqlite+pysqlite"):
        raise unknown_url(parsed.drivername)
    return parsed.render_as_string(hide_password=False)


def make_engine(url: str, timeout: float = 5.0) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(
            url,
            pool_pre_ping=True,
            pool_size=10,
            max_overflow=20,
            pool_timeout=timeout,
            # libpq counts whole seconds, and takes less than 2 as 2.
            connect_args={"connect_timeout": max(2, math.ceil(timeout))},
        )
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_SECONDS},
        pool_size=10,
        max_overflow=40,
        pool_timeout=timeout,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Hand transaction control to SQLAlchemy's "begin" event below.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_SECONDS * 1000}")
        _write_ahead_log(cursor)
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA cache_size=-8000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


def _write_ahead_log(cursor: Any) -> None:
    """The database file in WAL mode (it stays so: later connections only check). The
    switch needs the file to itself, and SQLite answers "locked" at once rather than wait
    when another process holds it (processes starting together on a new file): tried
    again for as long as any other wait for the database."""
    deadline = time.monotonic() + SQLITE_BUSY_SECONDS
    while True:
        try:
            if cursor.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to the newest Alembic revision (safe to run from many processes).
    `revision`: an older one instead (tests of a migration).

    A database already at `SCHEMA_REVISION` is recognised with one query, without
    importing Alembic (a third of a second saved on every command).

    SQLite migrates with foreign keys off: batch mode recreates a table, and dropping the
    old one with them on first deletes its rows, cascading to every row that refers to
    it (a page's revisions, jobs, stats). SQLite's ALTER TABLE page prescribes this; the
    keys are checked before the migration commits."""
    if _current_revision(engine) == SCHEMA_REVISION:
        return
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as conn:
        if sqlite:  # on the driver's connection: inside a transaction the pragma is a no-op
            conn.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
        try:
            # Several processes may start at once on a new database: one migrates, the
            # others wait for it, then find nothing to do. SQLite: the transaction takes
            # the write lock as it begins (a deferred one would read the schema, then
            # fail to write: another process wrote meanwhile).
            with conn.execution_options(sqlite_begin="IMMEDIATE").begin():
                if not sqlite:
                    conn.exec_driver_sql("SELECT pg_advisory_xact_lock(81523001)")
                config.attributes["connection"] = conn
                command.upgrade(config, revision)
                if sqlite and conn.exec_driver_sql("PRAGMA foreign_key_check").first():
                    raise RuntimeError("a migration left rows whose foreign keys fail")
        finally:
            if sqlite:
                conn.connection.driver_connection.execute("PRAGMA foreign_keys=ON")  # type: ignore[union-attr]


def _current_revision(engine: Engine) -> str | None:
    try:
        with engine.connect() as conn:
            value = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
    except Exception:  # no table yet: a new database
        return None
    return str(value) if value is not None else None


def sqlite_folder(db: Database) -> Path | None:
    """The folder of a SQLite database file (None for PostgreSQL or an in-memory one)."""
    url = make_url(db.url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database).parent


def schema_revision(db: Database) -> str | None:
    """The schema's Alembic revision (None: never migrated). Raises when the database
    cannot be reached: one cheap query, for readiness checks (`jobs.health`)."""
    from sqlalchemy.exc import DBAPIError

    with db.read() as conn:
        try:
            value = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
        except DBAPIError as exc:
            if exc.connection_invalidated or not _no_such_table(exc):
                raise
            return None
    return str(value) if value is not None else None


def _no_such_table(exc: Exception) -> bool:
    orig = getattr(exc, "orig", None)
    # PostgreSQL's SQLSTATE 42P01 (undefined_table); SQLite says it in words.
    return getattr(orig, "sqlstate", None) == "42P01" or "no such table" in str(orig)


def check_database(url: str, timeout: float) -> None:
    """Raises `DatabaseUnavailable` (one line) unless the database answers within
    `timeout` seconds: a server's start-up asks before anything else."""
    db = Database(url, timeout=timeout)
    try:
        db.check()
    finally:
        db.dispose()
