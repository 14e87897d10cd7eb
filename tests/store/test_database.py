"""Migrations on SQLite and PostgreSQL; SQLite's settings; the URLs accepted, and the
bounded waits for a database that is down or full."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.exc import TimeoutError as SqlTimeout

from support import BlackHole
from wikivice.store.database import MIGRATIONS_DIR, SCHEMA_REVISION, Database, migrate
from wikivice.store.errors import DatabaseUnavailable
from wikivice.store.models import Base


def test_schema_revision_is_alembics_head() -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    assert ScriptDirectory.from_config(config).get_current_head() == SCHEMA_REVISION


@pytest.fixture
def new_db(new_database_url: str) -> Iterator[Database]:
    """A database never migrated before (`db` is migrated already)."""
    database = Database(new_database_url)
    try:
        yield database
    finally:
        database.dispose()


def test_migrations_create_every_table_and_run_twice(new_db: Database) -> None:
    db = new_db
    db.migrate()
    db.migrate()  # a second run finds nothing to do
    tables = set(inspect(db.engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    with db.read() as conn:
        version = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
    assert version == SCHEMA_REVISION


MIGRATE_AT = """
import sys, time
from wikivice.store.database import Database
url, at = sys.argv[1], float(sys.argv[2])
database = Database(url)
time.sleep(max(0.0, at - time.time()))
database.migrate()
"""


def test_processes_starting_together_migrate_a_new_database_once(new_database_url: str) -> None:
    # `wikivice serve` and `wikivice worker` started at once on a new database: each
    # migrates; one does the work, the others wait for it and find nothing left to do.
    at = time.time() + 2.0  # every process imported by then, as a rule: they start together
    starters = [
        subprocess.Popen(
            [sys.executable, "-c", MIGRATE_AT, new_database_url, str(at)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(4)
    ]
    outputs = [process.communicate(timeout=90)[0] for process in starters]
    assert [process.returncode for process in starters] == [0] * 4, outputs
    database = Database(new_database_url)
    try:
        with database.read() as conn:
            versions = conn.exec_driver_sql("SELECT version_num FROM alembic_version").all()
        assert versions == [(SCHEMA_REVISION,)]
    finally:
        database.dispose()


def test_migrated_schema_matches_the_models(new_db: Database) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    db = new_db
    db.migrate()
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


# A wiki, a page with a job and a revision, and a second wiki, in SQL every revision
# since 0006 accepts.
OLD_ROWS = [
    "INSERT INTO wikis (id, key, api_url, rest_url, article_url) VALUES (1, 'en', 'a', 'r', 'u')",
    "INSERT INTO wikis (id, key, api_url, rest_url, article_url) VALUES (2, 'de', 'b', 'r', 'u')",
    "INSERT INTO pages (id, wiki_id, pageid, ns, title, stored_revisions)"
    " VALUES (1, 1, 7, 0, 'Coffee', 1)",
    "INSERT INTO fetch_jobs (id, page_id, status, stage, done, total_is_lower_bound,"
    " new_revisions, attempts, max_attempts, events, created_at)"
    " VALUES (1, 1, 'done', 'done', 1, false, 1, 1, 3, 0, 0)",
]


def revision_sql(wiki_id: int, revid: int) -> str:
    """A revision of page 1 (of wiki 1) said to be of `wiki_id`."""
    return (
        "INSERT INTO revisions (wiki_id, revid, page_id, parent_id, ts, kind, size, delta,"
        f" minor, hidden, is_revert, reverted) VALUES ({wiki_id}, {revid}, 1, 0, {revid},"
        " 'hidden', 0, 0, false, 0, false, false)"
    )


@pytest.mark.parametrize("old", ["0006", "0007"])
def test_upgrading_keeps_the_revisions_and_then_holds_the_page_key(
    new_db: Database, old: str
) -> None:
    db = new_db
    migrate(db.engine, old)
    with db.write() as conn:
        for sql in [*OLD_ROWS, revision_sql(1, 100)]:
            conn.exec_driver_sql(sql)
    # SQLite recreates `pages` (0007, 0008): with foreign keys on, that deleted its
    # revisions and jobs.
    db.migrate()
    with db.read() as conn:  # the pool's one connection, which migrated
        assert conn.exec_driver_sql("SELECT revid FROM revisions").scalars().all() == [100]
        assert conn.exec_driver_sql("SELECT count(*) FROM fetch_jobs").scalar() == 1
        if db.engine.dialect.name == "sqlite":
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    with pytest.raises(IntegrityError), db.write() as conn:  # page 1 is of wiki 1, not 2
        conn.exec_driver_sql(revision_sql(2, 101))
    with db.write() as conn:
        conn.exec_driver_sql("DELETE FROM pages WHERE id = 1")
    with db.read() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM revisions").scalar() == 0


def test_sqlite_runs_in_wal_mode(tmp_path: object) -> None:
    database = Database(f"sqlite:///{tmp_path}/x.db")
    try:
        with database.read() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        database.dispose()


def test_postgres_urls_in_every_spelling_reach_postgresql(postgres_url: str) -> None:
    rest = postgres_url.split("://", 1)[1]
    for scheme in ("postgres", "postgresql", "postgresql+psycopg"):
        database = Database(f"{scheme}://{rest}")
        try:
            assert database.url.startswith("postgresql+psycopg://")
            database.check()
            with database.read() as conn:
                assert conn.exec_driver_sql("SELECT 1").scalar() == 1
        finally:
            database.dispose()


@pytest.mark.parametrize(
    "url", ["mysql://u:secret@h/db", "postgresql+asyncpg://u:secret@h/db", "not a url secret"]
)
def test_a_url_of_no_database_we_know_is_one_clear_line(url: str) -> None:
    with pytest.raises(DatabaseUnavailable) as caught:
        Database(url)
    message = str(caught.value)
    assert message.startswith("WIKIVICE_DATABASE_URL: ") and "\n" not in message
    assert "secret" not in message


def test_a_database_that_never_answers_fails_within_its_timeout() -> None:
    with BlackHole() as hole:
        database = Database(f"postgresql://u:secret@127.0.0.1:{hole.port}/db", timeout=2)
        started = time.monotonic()
        with pytest.raises(DatabaseUnavailable) as caught:
            database.migrate()
        waited = time.monotonic() - started
        database.dispose()
    assert 1.5 < waited < 4
    assert str(caught.value) == (
        f"cannot reach the database at 127.0.0.1:{hole.port} (no answer in 2 s); "
        "check WIKIVICE_DATABASE_URL"
    )


def test_the_pool_waits_for_a_free_connection_only_as_long_as_the_timeout(
    tmp_path: Path,
) -> None:
    database = Database(f"sqlite:///{tmp_path}/x.db", timeout=0.5)
    held = [database.engine.connect() for _ in range(50)]  # pool_size + max_overflow
    try:
        started = time.monotonic()
        with pytest.raises(SqlTimeout):
            database.engine.connect()
        assert time.monotonic() - started < 2
    finally:
        for conn in held:
            conn.close()
        database.dispose()
