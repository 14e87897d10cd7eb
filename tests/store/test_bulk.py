"""Bulk writes on SQLite and PostgreSQL: PostgreSQL really goes through COPY (straight
into the table, or through the staging table when a row is stored already), a batch sent
again after a crash stores nothing twice, and hostile strings come back exactly."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from sqlalchemy import Connection, func, select

from support import fetch
from wikivice.jobs.runtime import Runtime
from wikivice.store import bulk
from wikivice.store.bulk import NUL, REPLACEMENT, Statements, without_nul
from wikivice.store.database import Database
from wikivice.store.models import Editor, Revision
from wikivice.store.pages import PageRef
from wikivice.store.revisions import BatchState, EditorCache, store_batch
from wikivice.wiki.client import RevisionBatch

from .test_models import add_page, add_wiki

HOSTILE = [
    "back\\slash \\N \\. \\\\ and a lone \\",
    "tab\there, newline\nthere, return\r, form feed\f, vertical tab\v",
    "\\.\n",  # the end marker of COPY's text format, on a line of its own
    "quotes ' \" `, <script>alert(1)</script>, RTL \u202e and astral \U0001f600",
    "x" * 200_000,  # a huge summary
    "",
]


@pytest.fixture
def page(db: Database) -> PageRef:
    with db.write() as conn:
        wiki_id = add_wiki(conn)
        page_id = add_page(conn, wiki_id)
    return PageRef(page_id, wiki_id, 7, "Coffee", None, 0, None, None, None, None)


def revisions(first: int, count: int, **fields: Any) -> list[dict[str, Any]]:
    return [
        {
            "revid": revid,
            "parentid": revid - 1,
            "timestamp": f"2024-01-01T00:{revid // 60 % 60:02d}:{revid % 60:02d}Z",
            "user": f"Editor {revid % 7}",
            "userid": revid % 7 + 1,
            "size": revid * 3,
            "sha1": f"{revid:040x}",
            "comment": f"edit {revid}",
            **fields,
        }
        for revid in range(first, first + count)
    ]


def store(conn: Connection, page: PageRef, revs: list[dict[str, Any]]) -> None:
    """One batch, in `conn`'s transaction, as ingest stores it (with no state: nothing
    skipped before the insert, so the database alone must keep it idempotent)."""
    sql = Statements(conn, page)
    sql.begin(conn)
    store_batch(
        conn, sql, page, RevisionBatch(revs, None), BatchState(), EditorCache(page.wiki_id, {})
    )


def stored(db: Database) -> list[tuple[int, str | None, str | None]]:
    with db.read() as conn:
        rows = conn.execute(
            select(Revision.revid, Revision.comment, Editor.name)
            .outerjoin(Editor, Editor.id == Revision.editor_id)
            .order_by(Revision.revid)
        ).all()
    return [tuple(row) for row in rows]  # type: ignore[misc]


@pytest.fixture
def statements() -> Iterator[list[str]]:
    """Every statement psycopg's cursors run or copy with, in order."""
    seen: list[str] = []
    execute, copy = psycopg.Cursor.execute, psycopg.Cursor.copy

    def spy_execute(self: psycopg.Cursor[Any], query: Any, *args: Any, **kw: Any) -> Any:
        seen.append(str(query))
        return execute(self, query, *args, **kw)

    def spy_copy(self: psycopg.Cursor[Any], statement: Any, *args: Any, **kw: Any) -> Any:
        seen.append(str(statement))
        return copy(self, statement, *args, **kw)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(psycopg.Cursor, "execute", spy_execute)
        patch.setattr(psycopg.Cursor, "copy", spy_copy)
        yield seen


def test_postgresql_stores_every_batch_through_copy(rt: Runtime, statements: list[str]) -> None:
    job = fetch(rt, "Synthetic 1234")
    assert job is not None and job.new_revisions == 1234
    copies = [s for s in statements if s.startswith("COPY ")]
    inserts = [s for s in statements if s.startswith(("INSERT INTO revisions", "WITH batch"))]
    if rt.db.engine.dialect.name == "postgresql":
        # Three batches of 500 or fewer, new: each copied straight into the table, each
        # in a savepoint of its own, and the staging table never needed.
        assert sum(s.startswith("COPY revisions ") for s in copies) == 3
        assert inserts == [] and not any(bulk.REVISIONS_STAGING in s for s in statements)
        assert sum(f"SAVEPOINT {bulk.SAVEPOINT}" in s for s in statements) == 3
        assert any(s.startswith("INSERT INTO editors") and "unnest" in s for s in statements)
    else:  # SQLite keeps its multi-row INSERT (psycopg is not even in use)
        assert copies == [] and inserts == []
    with rt.db.read() as conn:
        assert conn.execute(select(func.count()).select_from(Revision)).scalar_one() == 1234


def test_a_batch_sent_again_stores_nothing_twice(
    db: Database, page: PageRef, statements: list[str]
) -> None:
    with db.write() as conn:
        store(conn, page, revisions(1, 300))
    with db.write() as conn:  # the checkpoint was lost: the batch comes again, and more
        store(conn, page, revisions(200, 300))
    assert [r[0] for r in stored(db)] == list(range(1, 500))
    if db.engine.dialect.name == "postgresql":  # the second COPY collided, then the move
        assert any(s.startswith(f"ROLLBACK TO SAVEPOINT {bulk.SAVEPOINT}") for s in statements)
        assert any(s.startswith(f"COPY {bulk.REVISIONS_STAGING} ") for s in statements)


def test_a_collision_in_a_later_batch_keeps_the_batches_before(db: Database, page: PageRef) -> None:
    """The fallback rolls back to the batch's own savepoint, not the transaction's start:
    the batches stored before it in the same transaction stay, and so do their editors."""
    with db.write() as conn:
        store(conn, page, revisions(1, 100))
    with db.write() as conn:
        sql = Statements(conn, page)
        sql.begin(conn)
        editors, state = EditorCache(page.wiki_id, frozenset()), BatchState()
        for first in (101, 151, 301):  # the second sends 151-250 again... after 101-200
            batch = RevisionBatch(revisions(first, 100, user=f"New {first}"), None)
            store_batch(conn, sql, page, batch, state, editors)
    assert [r[0] for r in stored(db)] == list(range(1, 251)) + list(range(301, 401))
    names = {r[0]: r[2] for r in stored(db)}
    assert (names[120], names[220], names[320]) == ("New 101", "New 151", "New 301")


def test_a_big_batch_colliding_at_its_first_row_falls_back(db: Database, page: PageRef) -> None:
    """The unique violation comes while the COPY is still sending (a megabyte after the
    first row): the batch still falls back whole."""
    with db.write() as conn:
        store(conn, page, revisions(1, 1))
    with db.write() as conn:
        store(conn, page, revisions(1, 500, comment="x" * 4000))
    rows = stored(db)
    assert [r[0] for r in rows] == list(range(1, 501))
    assert rows[0][1] == "edit 1" and rows[1][1] == "x" * 4000


def test_editor_names_an_array_could_mistake_come_back_exactly(db: Database, page: PageRef) -> None:
    """New editors go to PostgreSQL as arrays: `NULL` (a real user name on English
    Wikipedia), braces, commas and quotes must stay names."""
    names = ["NULL", "null", "{x}", "a,b", '"q"', " NULL "]
    revs = revisions(1, len(names))
    for rev, name in zip(revs, names, strict=True):
        rev["user"] = name
    with db.write() as conn:
        store(conn, page, revs)
    assert [r[2] for r in stored(db)] == names


def test_a_foreign_unique_violation_is_not_mistaken_for_a_collision(
    db: Database, page: PageRef
) -> None:
    """Only a stored revision sends a batch down the slow path; any other error of its
    COPY (here a page that does not exist) still fails the batch."""
    missing = PageRef(page.id + 1000, page.wiki_id, 8, "Gone", None, 0, None, None, None, None)
    with pytest.raises(Exception, match="(?i)foreign key"), db.write() as conn:
        store(conn, missing, revisions(1, 10))
    assert stored(db) == []


def test_a_batch_rolled_back_between_copy_and_insert_leaves_nothing_behind(
    db: Database, page: PageRef
) -> None:
    with db.engine.connect() as conn:  # one connection: its staging table is the same
        with pytest.raises(RuntimeError), conn.begin():
            sql = Statements(conn, page)
            sql.begin(conn)
            if sql.copy:  # the rows are in the staging table, not yet moved
                cursor = sql.cursor(conn)
                rows = [(r, 0, r, None, "user", 0, 0, False, None, "x", None, 0, False, False,
                         None) for r in range(1, 101)]  # fmt: skip
                conn.exec_driver_sql(
                    bulk._staging(bulk.REVISIONS_STAGING, bulk.COLUMNS, bulk._TYPES)
                )
                copy = f"COPY {bulk.REVISIONS_STAGING} ({', '.join(bulk.COLUMNS)}) FROM STDIN"
                bulk._copy(cursor, copy, bulk._TYPES, rows)
            else:
                store(conn, page, revisions(1, 100))
            raise RuntimeError("the worker died here")
        with conn.begin():
            store(conn, page, revisions(50, 100))  # resumed: the batch comes again
            if conn.dialect.name == "postgresql":  # gone with the rollback, or empty
                table = f"pg_temp.{bulk.REVISIONS_STAGING}"
                exists = conn.exec_driver_sql(f"SELECT to_regclass('{table}')").scalar_one()
                if exists is not None:
                    left = conn.exec_driver_sql(f"SELECT count(*) FROM {table}")
                    assert left.scalar_one() == 0
    assert [r[0] for r in stored(db)] == list(range(50, 150))


def test_hostile_strings_come_back_exactly(db: Database, page: PageRef) -> None:
    revs = revisions(1, len(HOSTILE))
    for rev, text in zip(revs, HOSTILE, strict=True):
        rev["comment"] = text
        rev["user"] = "User " + text[:400]  # names are at most 512 characters
    with db.write() as conn:
        store(conn, page, revs)
    rows = stored(db)
    assert [r[1] for r in rows] == HOSTILE
    assert [r[2] for r in rows] == ["User " + text[:400] for text in HOSTILE]


def test_nul_is_kept_on_sqlite_and_replaced_on_postgresql(db: Database, page: PageRef) -> None:
    revs = revisions(1, 2)
    revs[0]["comment"] = f"before{NUL}after"
    revs[1]["user"] = f"Mallory{NUL}"
    with db.write() as conn:
        store(conn, page, revs)
        postgresql = conn.dialect.name == "postgresql"
    mark = REPLACEMENT if postgresql else NUL
    rows = stored(db)
    assert rows[0][1] == f"before{mark}after"
    assert rows[1][2] == f"Mallory{mark}"


def test_without_nul_copies_only_the_revisions_it_changes() -> None:
    revs = revisions(1, 3)
    assert without_nul(revs) is revs
    revs[1]["sha1"] = NUL
    revs[2]["comment"] = 42  # not text: left as it is
    fixed = without_nul(revs)
    assert fixed[0] is revs[0] and fixed[2] is revs[2]
    assert fixed[1]["sha1"] == REPLACEMENT and revs[1]["sha1"] == NUL


def test_editors_are_created_once_however_often_they_come(db: Database, page: PageRef) -> None:
    for first in (1, 1, 5):
        with db.write() as conn:
            store(conn, page, revisions(first, 20))
    with db.read() as conn:
        names = conn.execute(select(Editor.name, func.count()).group_by(Editor.name)).all()
    assert sorted(names) == [(f"Editor {n}", 1) for n in range(7)]


def test_statistics_are_refreshed_on_postgresql_after_a_big_fetch_only(
    db: Database, page: PageRef, statements: list[str]
) -> None:
    with db.write() as conn:
        store(conn, page, revisions(1, 50))
    with db.write() as conn:
        assert not bulk.refresh_statistics(conn, bulk.ANALYZE_AFTER - 1)
        ran = bulk.refresh_statistics(conn, bulk.ANALYZE_AFTER)
        postgresql = conn.dialect.name == "postgresql"
    assert ran == postgresql
    assert sum("ANALYZE" in s for s in statements) == (1 if postgresql else 0)
    if postgresql:
        with db.read() as conn:
            # A table this small is read whole: the planner now knows its size exactly.
            estimate = conn.exec_driver_sql(
                "SELECT reltuples FROM pg_class WHERE relname = 'revisions'"
            ).scalar()
            assert estimate == conn.execute(select(func.count()).select_from(Revision)).scalar()
