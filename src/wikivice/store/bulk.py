"""Writing a batch's rows in bulk, the fastest way each database allows.

SQLite: one multi-row `INSERT … ON CONFLICT DO NOTHING` per piece of the batch, on the
driver's own cursor. PostgreSQL: the batch is `COPY`ed (binary) straight into `revisions`
inside a savepoint: COPY has no `ON CONFLICT`, but a batch of a walk is new revisions
but for rare cases (a batch sent again, a revision merged in from another page), and
then the unique key stops the COPY, the savepoint is rolled back and the batch takes the
slow path: COPY into a temporary staging table, moved by one `INSERT … SELECT … ON
CONFLICT DO NOTHING` (issue 13: the multi-row INSERT cost six times SQLite's ingest, most
of it binding 7,500 parameters a statement; the staging table's write, read and delete a
sixth of the rest; docs/benchmarks.md). Both paths are idempotent: a batch sent again
after a crash stores nothing twice, since the unique keys decide. New editors, a few
dozen a batch, go in by one `INSERT … SELECT FROM unnest(…)`: one round trip, not three.

The staging table is `TEMP … ON COMMIT DELETE ROWS`: private to the connection, and
empty at every transaction's end whatever happened (a batch rolled back between its COPY
and its move leaves nothing behind for the next transaction on that connection).

PostgreSQL's text cannot hold NUL (U+0000), which a hostile wiki may put in a user name or
a summary; there such a character is stored as U+FFFD (SQLite keeps it). Every other
string (backslashes, tabs, newlines, `\\N`, astral characters, huge summaries) is stored
exactly: binary COPY and array parameters send strings as they are, with no escaping to
get wrong.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import chain
from typing import Any

from sqlalchemy import Connection

from wikivice.store.pages import PageRef

# A batch's revisions are one flat list of values, WIDTH per revision, in this column
# order (the hot path skips SQLAlchemy's per-row parameter processing: 100,000 rows must
# cost milliseconds, not seconds). `wiki_id` and `page_id`, the same for every revision
# of a page, are written into the statement instead.
COLUMNS = (
    "revid", "parent_id", "ts", "editor_id", "kind", "size", "delta", "minor", "sha1",
    "comment", "tags", "hidden", "is_revert", "reverted", "reverted_by",
)  # fmt: skip
WIDTH = len(COLUMNS)
# The staging columns' types, which binary COPY must be told (as in models.Revision).
_TYPES = (
    "int8", "int8", "int8", "int4", "varchar", "int4", "int4", "bool", "varchar",
    "text", "text", "int2", "bool", "bool", "int8",
)  # fmt: skip
_SQL_TYPES = {"int8": "bigint", "int4": "integer", "int2": "smallint", "bool": "boolean"}
_DIRECT_TYPES = ("int4", "int4", *_TYPES)  # `wiki_id` and `page_id` first
EDITOR_COLUMNS = ("wiki_id", "name", "userid", "kind", "country")
_EDITOR_ARRAYS = ("int4", "text", "int8", "text", "text")
REVISIONS_STAGING = "staged_revisions"
SAVEPOINT = "optimistic_copy"
# Batches one PostgreSQL transaction stores at most: each is a subtransaction, and past 64
# every session's snapshots must look further (pg_subtrans) while it is open.
MAX_SAVEPOINTS = 48
UNIQUE_VIOLATION = "23505"  # SQLSTATE
NUL, REPLACEMENT = "\x00", "\ufffd"
# New revisions in one fetch after which PostgreSQL's planner statistics of `revisions` are
# refreshed at once (`refresh_statistics`).
ANALYZE_AFTER = 20_000
_TEXT_KEYS = ("user", "comment", "sha1")


def _staging(name: str, columns: tuple[str, ...], types: tuple[str, ...]) -> str:
    body = ", ".join(f"{c} {_SQL_TYPES.get(t, t)}" for c, t in zip(columns, types, strict=True))
    return f"CREATE TEMP TABLE IF NOT EXISTS {name} ({body}) ON COMMIT DELETE ROWS"


class Statements:
    """The hot path's statements for one page, run on the driver's own cursor
    (SQLAlchemy's execution layer, result metadata included, cost a fifth of the time
    of storing a batch). On SQLite one multi-row INSERT per piece rather than
    executemany, so SQLite releases the GIL once per batch and not once per row (with
    the fetch thread busy, each release can cost a GIL hand-over)."""

    def __init__(self, conn: Connection, page: PageRef) -> None:
        self.copy = conn.dialect.name == "postgresql"
        self.mark = "%s" if self.copy else "?"
        self._inserts: dict[tuple[str, int], str] = {}
        self._page = (int(page.wiki_id), int(page.id))
        mark = self.mark
        self.mark_reverted = (
            f"UPDATE revisions SET reverted = {mark}, reverted_by = {mark} "
            f"WHERE wiki_id = {mark} AND revid = {mark} AND reverted_by IS NULL"
        )
        wiki_id, page_id = self._page
        columns = ", ".join(COLUMNS)
        self._copy_revisions = f"COPY revisions (wiki_id, page_id, {columns}) FROM STDIN"
        self._setup = ""  # sent with the transaction's first savepoint (`begin`)
        self._in_savepoint = False
        self.batches = 0  # stored in this transaction
        self._move_revisions = (
            f"WITH batch AS (DELETE FROM {REVISIONS_STAGING} RETURNING {columns}) "
            f"INSERT INTO revisions (wiki_id, page_id, {columns}) "
            f"SELECT {wiki_id}, {page_id}, {columns} FROM batch "
            "ON CONFLICT (wiki_id, revid) DO NOTHING"
        )
        arrays = ", ".join(f"%s::{t}[]" for t in _EDITOR_ARRAYS)
        self._insert_editors = (
            f"INSERT INTO editors ({', '.join(EDITOR_COLUMNS)}) SELECT * FROM unnest({arrays}) "
            "ON CONFLICT (wiki_id, name) DO NOTHING RETURNING name, id"
        )

    @staticmethod
    def cursor(conn: Connection) -> Any:
        """A driver cursor inside `conn`'s transaction."""
        return conn.connection.driver_connection.cursor()  # type: ignore[union-attr]

    def begin(self, conn: Connection) -> None:
        """Once in each transaction, before its first batch. On PostgreSQL its commit
        then does not wait for its WAL to reach the disk: SQLite's `synchronous=NORMAL`
        in WAL mode, the same promise. A crash of the server may lose the last fraction
        of a second of batches, never part of one: each batch is stored with its
        checkpoint in one transaction, so both are lost together and the resumed job
        fetches them again (docs/benchmarks.md: issue 13). The setting goes with the
        transaction's first savepoint, in its round trip."""
        self._setup = "SET LOCAL synchronous_commit = off; " if self.copy else ""
        self._in_savepoint = False
        self.batches = 0  # stored in this transaction

    def insert_revisions(self, cursor: Any, values: list[Any]) -> None:
        """Store the revisions in `values` (WIDTH per revision) that are not stored yet."""
        count = len(values) // WIDTH
        self.batches += 1
        if self.copy:
            self._copy_or_move(cursor, values)
            return
        for start, size in chunks(count):
            chunk = values if size == count else values[start * WIDTH : (start + size) * WIDTH]
            statement = self._insert(
                "revisions", ("wiki_id", "page_id", *COLUMNS), size, "wiki_id, revid", "",
                constants=self._page,
            )  # fmt: skip
            cursor.execute(statement, chunk)

    def insert_editors(self, cursor: Any, rows: list[tuple[Any, ...]]) -> list[tuple[str, int]]:
        """Create the editors of `rows` (EDITOR_COLUMNS) not stored yet; returns the names
        and ids of those it created (existing ones are left for the caller to look up)."""
        if self.copy:
            columns = [[row[at] for row in rows] for at in range(len(EDITOR_COLUMNS))]
            cursor.execute(self._insert_editors, columns)
            return list(cursor.fetchall())
        created: list[tuple[str, int]] = []
        for start, size in chunks(len(rows)):
            chunk = rows[start : start + size]
            statement = self._insert(
                "editors", EDITOR_COLUMNS, size, "wiki_id, name", " RETURNING name, id"
            )
            cursor.execute(statement, tuple(chain.from_iterable(chunk)))
            created += cursor.fetchall()
        return created

    def _copy_or_move(self, cursor: Any, values: list[Any]) -> None:
        """PostgreSQL: COPY straight into `revisions`, or, when a row is stored already,
        through the staging table (see the module docstring). One savepoint at a time:
        each batch releases the one before in the same round trip, and every savepoint
        is a subtransaction (past 64 in one transaction, PostgreSQL's snapshots of every
        session grow slower: `ingest` keeps its transactions below that)."""
        release = f"RELEASE SAVEPOINT {SAVEPOINT}; " if self._in_savepoint else ""
        cursor.execute(f"{self._setup}{release}SAVEPOINT {SAVEPOINT}")
        self._setup, self._in_savepoint = "", True
        wiki_id, page_id = self._page
        rows = ((wiki_id, page_id, *row) for row in _rows(values, WIDTH))
        try:
            _copy(cursor, self._copy_revisions, _DIRECT_TYPES, rows)
        except Exception as exc:  # psycopg's UniqueViolation, by its SQLSTATE
            if getattr(exc, "sqlstate", None) != UNIQUE_VIOLATION:
                raise
            cursor.execute(
                f"ROLLBACK TO SAVEPOINT {SAVEPOINT}; "
                + _staging(REVISIONS_STAGING, COLUMNS, _TYPES)
            )
            staging = f"COPY {REVISIONS_STAGING} ({', '.join(COLUMNS)}) FROM STDIN"
            _copy(cursor, staging, _TYPES, _rows(values, WIDTH))
            cursor.execute(self._move_revisions)

    def _insert(
        self,
        table: str,
        columns: tuple[str, ...],
        count: int,
        key: str,
        returning: str,
        constants: tuple[int, ...] = (),
    ) -> str:
        """`constants` are the values of the first columns, the same in every row: they
        are integers, written into the statement."""
        statement = self._inserts.get((table, count))
        if statement is None:
            values = [str(int(c)) for c in constants]
            values += [self.mark] * (len(columns) - len(constants))
            row = "(" + ", ".join(values) + ")"
            statement = (
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
                f"{', '.join([row] * count)} ON CONFLICT ({key}) DO NOTHING{returning}"
            )
            self._inserts[(table, count)] = statement
        return statement


def _rows(values: list[Any], width: int) -> Iterator[tuple[Any, ...]]:
    """The flat list's rows, `width` values each."""
    flat = iter(values)
    return zip(*([flat] * width), strict=True)


def _copy(cursor: Any, statement: str, types: tuple[str, ...], rows: Any) -> None:
    """`statement` (`COPY … FROM STDIN`) with `rows`, in binary."""
    with cursor.copy(f"{statement} (FORMAT BINARY)") as copy:
        copy.set_types(types)
        for row in rows:
            copy.write_row(row)


def chunks(count: int, whole: int = 500) -> Iterator[tuple[int, int]]:
    """(start, size) pieces of `count` rows: whole batches of 500, then power-of-two
    sizes, so the driver prepares and caches a handful of distinct multi-row statements
    rather than one per batch size (memory stays flat however long a worker runs)."""
    start = 0
    while count - start >= whole:
        yield start, whole
        start += whole
    while start < count:
        size = 1 << ((count - start).bit_length() - 1)
        yield start, size
        start += size


def without_nul(revisions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The revisions with every NUL of their user name, summary and sha1 replaced by
    U+FFFD, for PostgreSQL (see the module docstring); the list itself when none has
    one, as is usual (MediaWiki itself never sends one)."""
    fixed: list[dict[str, Any]] | None = None
    for at, rev in enumerate(revisions):
        get = rev.get
        for key in _TEXT_KEYS:
            value = get(key)
            if value.__class__ is str and NUL in value:
                fixed = fixed if fixed is not None else list(revisions)
                fixed[at] = {**rev}
                for text in _TEXT_KEYS:
                    if rev.get(text).__class__ is str:
                        fixed[at][text] = rev[text].replace(NUL, REPLACEMENT)
                break
    return revisions if fixed is None else fixed


def refresh_statistics(conn: Connection, new_revisions: int) -> bool:
    """`ANALYZE revisions` on PostgreSQL after a fetch stored `new_revisions` >=
    ANALYZE_AFTER rows; True when it ran. A first fetch of a big history can grow the
    table many times over, and until autovacuum gets to it (a minute or more later) the
    planner keeps the old statistics: the history explorer's filters then pick scans
    that take seconds instead of milliseconds. ANALYZE samples a fixed number of rows
    (~30,000), so it costs a fraction of a second whatever the table's size. SQLite's
    planner needs no statistics for these queries (its indexes decide)."""
    if conn.dialect.name != "postgresql" or new_revisions < ANALYZE_AFTER:
        return False
    conn.exec_driver_sql("ANALYZE revisions")
    return True
