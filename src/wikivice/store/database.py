"""Connecting to the database (SQLite or PostgreSQL) and migrating it.

SQLite runs in WAL mode so the web process reads while a worker writes. Python's
sqlite3 opens transactions lazily (BEGIN DEFERRED); a transaction that reads and then
writes fails at once with SQLITE_BUSY when another connection committed in between,
whatever busy_timeout says. So transactions that write begin with BEGIN IMMEDIATE:
`Database.write()`. PostgreSQL needs nothing of the kind.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# The newest migration; tests/store/test_database.py checks it is Alembic's head.
SCHEMA_REVISION = "0002"


class Database:
    """The engine plus the two ways in: `read()` and `write()` (each one transaction)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self._writer = self.engine.execution_options(sqlite_begin="IMMEDIATE")

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
        migrate(self.engine)

    def dispose(self) -> None:
        self.engine.dispose()


def dialect_insert(dialect_name: str):  # type: ignore[no-untyped-def]
    """`insert` with ON CONFLICT for this dialect (spelled per dialect in SQLAlchemy;
    imported on use: PostgreSQL's dialect is a twentieth of the CLI's start-up)."""
    if dialect_name == "postgresql":
        from sqlalchemy.dialects import postgresql

        return postgresql.insert
    from sqlalchemy.dialects import sqlite

    return sqlite.insert


def make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": 30},
        pool_size=10,
        max_overflow=40,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Hand transaction control to SQLAlchemy's "begin" event below.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA cache_size=-8000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest Alembic revision (safe to run from many processes).

    A database already at `SCHEMA_REVISION` is recognised with one query, without
    importing Alembic (a third of a second saved on every command)."""
    if _current_revision(engine) == SCHEMA_REVISION:
        return
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            # Several processes may start at once on a new database: one migrates,
            # the others wait for it, then find nothing to do.
            conn.exec_driver_sql("SELECT pg_advisory_xact_lock(81523001)")
        config.attributes["connection"] = conn
        command.upgrade(config, "head")


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
