"""Storing a page's whole revision history, fast, resumable and idempotent.

The pipeline: a fetcher thread walks the API's continuation (500 revisions a request)
and hands batches over a two-slot queue, so the next HTTP request is in flight while the
current batch is inserted; each batch is stored in one transaction together with the
job's checkpoint (the `continue` parameters that follow it), so an interrupted fetch
resumes exactly after the last stored batch. Inserts are bulk and `ON CONFLICT DO
NOTHING`, so a repeated batch changes nothing. Memory holds at most three batches and
bounded caches, whatever the history's size.

Facts derived here, once: the size change of each revision, the kind of its editor
(anonymous, temporary account, bot, registered), and reverts. An identity revert is a
revision whose sha1 equals that of one of the previous 15 revisions (the nearest such,
and not the immediately previous one, which would be a null edit); the revisions between
are reverted by it. MediaWiki's revert tags count too.
"""

from __future__ import annotations

import queue
import re
import sys
import threading
import time
from calendar import timegm
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import chain, islice
from typing import Any, Protocol

import orjson
from iptocc import country_code
from sqlalchemy import Connection, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from wikivice.db import Database
from wikivice.mediawiki import EditCount, MediaWiki, RevisionBatch
from wikivice.models import (
    HIDDEN_COMMENT,
    HIDDEN_SHA1,
    HIDDEN_USER,
    SUPPRESSED,
    Editor,
    Page,
    Revision,
    Wiki,
)
from wikivice.pages import PageRef

REVERT_WINDOW = 15
REVERT_TAGS = frozenset({"mw-undo", "mw-rollback", "mw-manual-revert"})
REVERTED_TAG = "mw-reverted"
BOT_LIST_MAX_AGE = 86400.0
# Temporary accounts on Wikimedia wikis: `~2025-12345-67` (and older `~2024-…` forms).
TEMP_ACCOUNT = re.compile(r"^~\d{4}-")
_EDITOR_CACHE_MAX = 100_000
GIL_SWITCH_INTERVAL = 0.0005
MAX_TRANSACTION_SECONDS = 0.5  # other writers (heartbeats, other jobs) wait at most this


class Interrupted(Exception):
    """The worker is stopping: the job goes back to the queue from its checkpoint."""


class IngestListener(Protocol):
    """What the pipeline tells its owner (a fetch job, or the CLI)."""

    def stage(self, stage: str, message: str | None = None) -> None:
        """A new stage began: counting, fetching, storing…"""

    def total(self, total: int | None, lower_bound: bool) -> None:
        """The number of revisions to expect (None: unknown; lower_bound: at least)."""

    def batch_stored(
        self, conn: Connection, done: int, total: int | None, checkpoint: dict[str, str] | None
    ) -> None:
        """Called inside the batch's transaction: record progress and the checkpoint
        there, so they commit with the rows; raise to roll the batch back."""

    def batch_committed(self) -> None:
        """The batch and its progress are committed (time to wake up followers)."""


@dataclass
class IngestResult:
    new_revisions: int
    stored_revisions: int
    requests: int
    seconds: float


@dataclass
class _State:
    """Carried from batch to batch (and rebuilt from the database on resume)."""

    last_size: int = 0
    last_key: tuple[int, int] | None = None  # (ts, revid) of the newest stored revision
    window: _RevertWindow = field(default_factory=lambda: _RevertWindow([]))
    done: int = 0
    new: int = 0


class _RevertWindow:
    """The last 15 revisions, and where in the stream each of their sha1s last appeared,
    so finding an identity revert costs one dict lookup."""

    def __init__(self, recent: list[tuple[int, str | None]]) -> None:
        self.revids: deque[int] = deque(maxlen=REVERT_WINDOW)
        self.sha1s: deque[str | None] = deque(maxlen=REVERT_WINDOW)
        self.last_at: dict[str, int] = {}
        self.position = 0
        for revid, sha1 in recent:
            self.push(revid, sha1)

    def undone_by(self, sha1: str) -> list[int]:
        """The revisions a new revision with `sha1` reverts (none if it reverts nothing)."""
        at = self.last_at.get(sha1)
        if at is None:
            return []
        between = self.position - at - 1  # 0: the same as the previous one, a null edit
        return list(islice(self.revids, len(self.revids) - between, None)) if between else []

    def push(self, revid: int, sha1: str | None) -> None:
        if len(self.revids) == REVERT_WINDOW:
            leaving = self.sha1s[0]
            if leaving is not None and self.last_at.get(leaving) == self.position - REVERT_WINDOW:
                del self.last_at[leaving]
        self.revids.append(revid)
        self.sha1s.append(sha1)
        if sha1 is not None:
            self.last_at[sha1] = self.position
        self.position += 1


def ingest(
    db: Database,
    wiki: MediaWiki,
    page: PageRef,
    listener: IngestListener,
    *,
    resume: dict[str, str] | None = None,
    should_stop: Callable[[], bool] = lambda: False,
) -> IngestResult:
    """Fetch and store every revision of `page` not stored yet; see the module docstring."""
    # The fetch thread and this one take turns on the GIL; at the default 5 ms switch
    # interval each hand-over can idle the other (and the wiki) that long. Measured:
    # Synthetic 100000 took 3.0 s at 5 ms, 1.7 s at 0.5 ms.
    if sys.getswitchinterval() > GIL_SWITCH_INTERVAL:
        sys.setswitchinterval(GIL_SWITCH_INTERVAL)
    started = time.monotonic()
    requests_before = wiki.requests
    state = _load_state(db, page)
    refresh = state.last_key is not None and resume is None
    newer_than = _iso(state.last_key[0]) if refresh and state.last_key else None

    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="ingest-side") as side:
        # Side requests run alongside the first page of revisions (3 at once at most).
        count: Future[EditCount | None] | None = None
        if not refresh:
            listener.stage("counting")
            count = side.submit(wiki.edit_count, page.title)
        bots_future = side.submit(_bot_names, db, wiki, page.wiki_id)
        fetcher = _Fetcher(wiki, page.pageid, resume, newer_than)
        fetcher.start()
        try:
            total: int | None = None
            if count is not None:
                counted = count.result()
                if counted is not None:
                    total = max(counted.count, state.done)
                    listener.total(total, counted.capped)
            listener.stage("fetching")
            bots = bots_future.result()
            editors = _EditorCache(page.wiki_id, bots)
            sql: _Sql | None = None
            batch = fetcher.next(should_stop)
            while batch is not None:
                # Batches that are already waiting share one transaction (a commit
                # writes every touched page to the WAL: fewer, larger ones are faster);
                # each still records its own checkpoint, so a crash loses nothing
                # committed and the rows and checkpoint always agree.
                opened = time.monotonic()
                with db.write() as conn:
                    sql = sql or _Sql(conn)
                    while batch is not None:
                        _store_batch(conn, sql, page, batch, state, editors)
                        if total is not None and state.done > total:
                            total = state.done
                        listener.batch_stored(conn, state.done, total, batch.continue_params)
                        if should_stop() or time.monotonic() - opened > MAX_TRANSACTION_SECONDS:
                            batch = None
                            break
                        batch = fetcher.ready()
                listener.batch_committed()
                batch = fetcher.next(should_stop)
        finally:
            fetcher.stop()

    listener.stage("storing")
    with db.write() as conn:
        stored = _finish(conn, page)
    return IngestResult(
        new_revisions=state.new,
        stored_revisions=stored,
        requests=wiki.requests - requests_before,
        seconds=time.monotonic() - started,
    )


class _Fetcher:
    """Walks the continuation in its own thread, at most two batches ahead."""

    def __init__(
        self, wiki: MediaWiki, pageid: int, resume: dict[str, str] | None, newer: str | None
    ) -> None:
        self._batches = wiki.iter_revisions(pageid, resume=resume, newer_than=newer)
        self._queue: queue.Queue[RevisionBatch | BaseException | None] = queue.Queue(2)
        self._stopping = threading.Event()
        self._held: list[BaseException | None] = []  # an error or the end, seen early
        self._thread = threading.Thread(target=self._run, name="ingest-fetch", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        item: RevisionBatch | BaseException | None
        try:
            for item in self._batches:
                if not self._put(item):
                    return
            item = None
        except BaseException as exc:  # handed to the consumer, which re-raises it
            item = exc
        self._put(item)

    def _put(self, item: RevisionBatch | BaseException | None) -> bool:
        while not self._stopping.is_set():
            try:
                self._queue.put(item, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    def ready(self) -> RevisionBatch | None:
        """The next batch if it has already arrived (errors and the end wait for
        `next`, so they are raised outside the transaction in progress)."""
        if self._held:
            return None
        try:
            item = self._queue.get_nowait()
        except queue.Empty:
            return None
        if isinstance(item, RevisionBatch):
            return item
        self._held.append(item)
        return None

    def next(self, should_stop: Callable[[], bool]) -> RevisionBatch | None:
        if self._held:
            held = self._held.pop()
            if held is not None:
                raise held
            return None
        while True:
            if should_stop():
                raise Interrupted
            try:
                item = self._queue.get(timeout=0.1)
            except queue.Empty:
                continue
            if isinstance(item, BaseException):
                raise item
            return item

    def stop(self) -> None:
        # A request in flight is abandoned (the thread is a daemon): stopping must not
        # wait for a hanging wiki.
        self._stopping.set()


# Revision rows are lists in this column order (the hot path skips SQLAlchemy's per-row
# parameter processing: 100,000 rows must cost milliseconds, not seconds).
COLUMNS = (
    "wiki_id", "revid", "page_id", "parent_id", "ts", "editor_id", "kind", "size", "delta",
    "minor", "sha1", "comment", "tags", "hidden", "is_revert", "reverted", "reverted_by",
)  # fmt: skip
_EDITOR, _REVERTED, _REVERTED_BY = 5, 15, 16


EDITOR_COLUMNS = ("wiki_id", "name", "userid", "kind", "country")


class _Sql:
    """The hot path's statements, in the driver's parameter style: one multi-row INSERT
    per batch rather than executemany, so SQLite releases the GIL once per batch and not
    once per row (with the fetch thread busy, each release can cost a GIL hand-over)."""

    def __init__(self, conn: Connection) -> None:
        self.mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
        self._inserts: dict[tuple[str, int], str] = {}
        mark = self.mark
        self.mark_reverted = (
            f"UPDATE revisions SET reverted = {mark}, reverted_by = {mark} "
            f"WHERE wiki_id = {mark} AND revid = {mark} AND reverted_by IS NULL"
        )

    def insert_revisions(self, count: int) -> str:
        return self._insert("revisions", COLUMNS, count, "wiki_id, revid", "")

    def insert_editors(self, count: int) -> str:
        # RETURNING gives the ids of the editors created; existing ones are looked up.
        return self._insert(
            "editors", EDITOR_COLUMNS, count, "wiki_id, name", " RETURNING name, id"
        )

    def _insert(
        self, table: str, columns: tuple[str, ...], count: int, key: str, returning: str
    ) -> str:
        statement = self._inserts.get((table, count))
        if statement is None:
            row = "(" + ", ".join([self.mark] * len(columns)) + ")"
            statement = (
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
                f"{', '.join([row] * count)} ON CONFLICT ({key}) DO NOTHING{returning}"
            )
            self._inserts[(table, count)] = statement
        return statement


class _EditorCache:
    """Editor name → id, bounded; creates editors in bulk, idempotently."""

    def __init__(self, wiki_id: int, bots: frozenset[str]) -> None:
        self.wiki_id = wiki_id
        self.bots = bots
        self.ids: dict[str, int] = {}

    def resolve(self, conn: Connection, sql: _Sql, wanted: dict[str, tuple[int, str]]) -> None:
        """Make sure every name in `wanted` (name → (userid, kind)) has an id."""
        missing = [name for name in wanted if name not in self.ids]
        if not missing:
            return
        if len(self.ids) + len(missing) > _EDITOR_CACHE_MAX:
            self.ids.clear()
        anon = [n for n in missing if wanted[n][1] == "anon"]
        countries = dict(zip(anon, country_code(anon), strict=True)) if anon else {}
        values: list[Any] = []
        for name in missing:
            userid, kind = wanted[name]
            values += (self.wiki_id, name, userid, kind, countries.get(name))
        created = conn.exec_driver_sql(sql.insert_editors(len(missing)), tuple(values))
        self.ids.update((name, id_) for name, id_ in created)
        known = [name for name in missing if name not in self.ids]  # seen on other pages
        if known:
            found = conn.execute(
                select(Editor.name, Editor.id).where(
                    Editor.wiki_id == self.wiki_id, Editor.name.in_(known)
                )
            )
            self.ids.update((name, id_) for name, id_ in found)


def _store_batch(
    conn: Connection,
    sql: _Sql,
    page: PageRef,
    batch: RevisionBatch,
    state: _State,
    editors: _EditorCache,
) -> None:
    rows: list[list[Any]] = []
    by_revid: dict[int, list[Any]] = {}
    earlier_reverted: list[tuple[bool, int, int, int]] = []
    wanted: dict[str, tuple[int, str]] = {}
    window = state.window
    last_key = state.last_key
    last_size = state.last_size
    wiki_id, page_id = page.wiki_id, page.id
    bots = editors.bots
    for rev in batch.revisions:
        get = rev.get
        revid = rev["revid"]
        ts = parse_timestamp(rev["timestamp"])
        if last_key is not None and (ts, revid) <= last_key:
            continue  # a refresh asks from the newest stored timestamp, inclusive
        hidden = 0
        name = get("user")
        if name is None:  # `userhidden`
            hidden = HIDDEN_USER
            kind = "hidden"
        else:
            if get("anon"):
                kind = "anon"
            elif get("temp") or (name[0] == "~" and TEMP_ACCOUNT.match(name)):
                kind = "temp"
            else:
                kind = "bot" if name in bots else "user"
            wanted[name] = (get("userid") or 0, kind)
        if get("commenthidden"):
            hidden |= HIDDEN_COMMENT
        if get("sha1hidden"):
            hidden |= HIDDEN_SHA1
        if get("suppressed"):
            hidden |= SUPPRESSED
        size = get("size") or 0
        tag_list = get("tags")
        sha1 = get("sha1")
        is_revert = reverted = False
        tags = None
        if tag_list:
            tags = orjson.dumps(sorted(tag_list)).decode()
            is_revert = not REVERT_TAGS.isdisjoint(tag_list)
            reverted = REVERTED_TAG in tag_list
        if sha1 is not None:
            undone = window.undone_by(sha1)
            if undone:
                is_revert = True
                for revid_undone in undone:
                    target = by_revid.get(revid_undone)
                    if target is None:
                        earlier_reverted.append((True, revid, wiki_id, revid_undone))
                    elif target[_REVERTED_BY] is None:
                        target[_REVERTED_BY] = revid
                        target[_REVERTED] = True
        row = [
            wiki_id, revid, page_id, get("parentid") or 0, ts, name, kind, size,
            size - last_size if last_key is not None else size, get("minor") is True, sha1,
            get("comment"), tags, hidden, is_revert, reverted, None,
        ]  # fmt: skip
        window.push(revid, sha1)
        rows.append(row)
        by_revid[revid] = row
        last_size = size
        last_key = (ts, revid)
    state.last_size, state.last_key = last_size, last_key

    editors.resolve(conn, sql, wanted)
    ids = editors.ids
    for row in rows:
        name = row[_EDITOR]
        if name is not None:
            row[_EDITOR] = ids[name]
    if rows:
        conn.exec_driver_sql(sql.insert_revisions(len(rows)), tuple(chain.from_iterable(rows)))
    if earlier_reverted:
        conn.exec_driver_sql(sql.mark_reverted, earlier_reverted)
    state.done += len(rows)
    state.new += len(rows)


def _load_state(db: Database, page: PageRef) -> _State:
    """Where the stored history ends: the newest revisions, for deltas and reverts."""
    with db.read() as conn:
        last = conn.execute(
            select(Revision.revid, Revision.sha1, Revision.size, Revision.ts)
            .where(Revision.page_id == page.id)
            .order_by(Revision.ts.desc(), Revision.revid.desc())
            .limit(REVERT_WINDOW)
        ).all()
        done = conn.execute(
            select(func.count()).select_from(Revision).where(Revision.page_id == page.id)
        ).scalar_one()
    state = _State(done=int(done))
    if last:
        newest = last[0]
        state.last_size = int(newest.size)
        state.last_key = (int(newest.ts), int(newest.revid))
        state.window = _RevertWindow([(int(r.revid), r.sha1) for r in reversed(last)])
    return state


def _finish(conn: Connection, page: PageRef) -> int:
    """Record on the page what is now stored; returns the number of revisions."""
    count = conn.execute(
        select(func.count()).select_from(Revision).where(Revision.page_id == page.id)
    ).scalar_one()
    newest = conn.execute(
        select(Revision.revid, Revision.ts)
        .where(Revision.page_id == page.id)
        .order_by(Revision.ts.desc(), Revision.revid.desc())
        .limit(1)
    ).first()
    conn.execute(
        update(Page)
        .where(Page.id == page.id)
        .values(
            stored_revisions=count,
            stored_latest_revid=newest.revid if newest else None,
            stored_latest_ts=newest.ts if newest else None,
            fetched_at=time.time(),
        )
    )
    return int(count)


def _bot_names(db: Database, wiki: MediaWiki, wiki_id: int) -> frozenset[str]:
    """The wiki's bot accounts, asked once a day and kept on the wiki's row."""
    with db.read() as conn:
        row = conn.execute(
            select(Wiki.bot_names, Wiki.bots_checked_at).where(Wiki.id == wiki_id)
        ).one()
    if row.bot_names is not None and (time.time() - (row.bots_checked_at or 0)) < BOT_LIST_MAX_AGE:
        return frozenset(orjson.loads(row.bot_names))
    names = wiki.bot_names()
    with db.write() as conn:
        conn.execute(
            update(Wiki)
            .where(Wiki.id == wiki_id)
            .values(bot_names=orjson.dumps(sorted(names)).decode(), bots_checked_at=time.time())
        )
    return frozenset(names)


_day_starts: dict[str, int] = {}


def parse_timestamp(text: str) -> int:
    """`2023-11-24T18:05:57Z` → seconds since the epoch (fast: one parse per day)."""
    day = text[:10]
    start = _day_starts.get(day)
    if start is None:
        start = timegm((int(day[:4]), int(day[5:7]), int(day[8:10]), 0, 0, 0))
        if len(_day_starts) > 50_000:
            _day_starts.clear()
        _day_starts[day] = start
    return start + int(text[11:13]) * 3600 + int(text[14:16]) * 60 + int(text[17:19])


def _iso(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _insert(conn: Connection):  # type: ignore[no-untyped-def]
    return postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
