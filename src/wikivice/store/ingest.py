"""Storing a page's whole revision history, fast, resumable and idempotent.

The pipeline: a fetcher thread (`wikivice.store.fetcher`) walks the API's continuation (500
revisions a request) and hands batches over a bounded queue, so the next HTTP request is
in flight while the current batch is inserted; each batch is stored together with the
job's checkpoint (the `continue` parameters that follow it), in the same transaction, so
an interrupted fetch resumes exactly after the last stored batch. Batches that arrive
close together share a transaction (a fifth of a second's worth at most), which records
the checkpoint of its last. Inserts are
bulk and `ON CONFLICT DO NOTHING`, so a repeated batch changes nothing. Memory holds a
bounded number of batches and bounded caches, whatever the history's size.

Turning a batch into rows, and the facts derived on the way, is `wikivice.store.revisions`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Protocol

import orjson
from sqlalchemy import Connection, func, select, update

from wikivice import logs, metrics
from wikivice.store.bulk import MAX_SAVEPOINTS, Statements, refresh_statistics
from wikivice.store.database import Database
from wikivice.store.fetcher import Fetcher
from wikivice.store.models import Page, Revision, Wiki
from wikivice.store.pages import PageRef
from wikivice.store.revisions import BatchState, EditorCache, load_state, store_batch
from wikivice.store.tags import refresh_tag_labels
from wikivice.store.vocabulary import Stage
from wikivice.wiki.client import EditCount, MediaWiki, RevisionBatch
from wikivice.wiki.errors import MediaWikiError
from wikivice.wiki.timestamps import iso

BOT_LIST_MAX_AGE = 86400.0
TAGS_WAIT_SECONDS = 30.0  # for the tags' names at the end of a walk (one request)
MAX_TRANSACTION_SECONDS = 0.2  # other writers (web requests, other jobs) wait at most this
# A transaction waits this long for more batches before it commits (unless it holds a
# progress event: those are seen at once): a commit writes every database page it touched
# to the WAL, and the editors' index alone touches a page for most revisions; fewer,
# larger commits cost a quarter less CPU (docs/benchmarks.md).
COMMIT_AFTER = 0.1


class IngestListener(Protocol):
    """What the pipeline tells its owner (a fetch job, or the CLI)."""

    def stage(self, stage: Stage, message: str | None = None) -> None:
        """A new stage began: counting, fetching, storing…"""

    def total(self, total: int | None, lower_bound: bool) -> None:
        """The number of revisions to expect (None: unknown; lower_bound: at least)."""

    def far_end(self, timestamps: list[int]) -> None:
        """When the count is capped or missing: the times of the history's newest
        revisions (epoch seconds), which show how often it is edited lately."""

    def walked(self, batch: RevisionBatch) -> None:
        """A batch of the walk is about to be stored (its timestamps show the edit rate)."""

    def batch_stored(
        self, conn: Connection, done: int, total: int | None, checkpoint: dict[str, str] | None
    ) -> bool:
        """Called inside a transaction of batches, after its last: record progress and
        the checkpoint there, so they commit with the rows; raise to roll the batches
        back. True when it recorded something someone is waiting to see (a progress
        event); the transaction commits right after, either way."""

    def batch_committed(self) -> None:
        """The batch and its progress are committed (time to wake up followers)."""


@dataclass
class IngestResult:
    new_revisions: int
    stored_revisions: int
    requests: int
    seconds: float
    capped: bool = False  # stopped at the limit: the wiki has revisions not stored


def ingest(
    db: Database,
    wiki: MediaWiki,
    page: PageRef,
    listener: IngestListener,
    *,
    resume: dict[str, str] | None = None,
    should_stop: Callable[[], bool] = lambda: False,
    head_start: Fetcher | None = None,
    limit: int | None = None,
) -> IngestResult:
    """Fetch and store every revision of `page` not stored yet; see the module docstring.

    `head_start` is a walk begun before the job ran (`wikivice.store.headstart`); it is used
    if it starts where the stored history says to, and stopped otherwise. With `limit`, it
    stops once the page holds that many (the oldest), saying if it left any out (`capped`)."""
    started = time.monotonic()
    requests_before = wiki.requests
    state = load_state(db, page)
    state.limit = limit
    refresh = state.last_key is not None and resume is None
    newer_than = iso(state.last_key[0]) if refresh and state.last_key else None

    side = ThreadPoolExecutor(max_workers=2, thread_name_prefix="ingest-side")
    # Side requests run alongside the first page of revisions (3 at once at most); the
    # count only improves the progress bar, so nothing waits for it.
    counting: _Counting | None = None
    if not refresh:
        listener.stage(Stage.COUNTING)
        counting = _Counting(side, wiki, page, listener)
    bots_future = side.submit(logs.in_context(_bot_names), db, wiki, page.wiki_id)
    # The tags' display names, for the history explorer: not needed to store anything.
    tags_future = side.submit(logs.in_context(refresh_tag_labels), db, wiki, page.wiki_id)
    fetcher, head = _walk(head_start, wiki, page.wiki_pageid, resume, newer_than)
    try:
        group = _Group(db, page, state, EditorCache(page.wiki_id, bots_future.result()), listener)
        batch = fetcher.next(should_stop)
        listener.stage(Stage.FETCHING)
        while batch is not None:
            group.store(batch, fetcher, should_stop)
            if state.capped:
                break
            if counting is not None:
                counting.take(group)
            batch = fetcher.next(should_stop)
    finally:
        fetcher.stop()
        wait([tags_future], timeout=0 if should_stop() else TAGS_WAIT_SECONDS)
        side.shutdown(wait=False, cancel_futures=True)

    listener.stage(Stage.STORING)
    return IngestResult(
        new_revisions=state.new,
        stored_revisions=_wrap_up(db, page, state.new),
        requests=wiki.requests - requests_before + (fetcher.wiki.requests if head else 0),
        seconds=time.monotonic() - started,
        capped=state.capped,
    )


def _wrap_up(db: Database, page: PageRef, new_revisions: int) -> int:
    """The page's totals and times written after its fetch (`_finish`), and the planner's
    statistics refreshed after a big one; returns the revisions it holds."""
    with db.write() as conn:
        stored = _finish(conn, page)
    with db.write() as conn:  # apart: ANALYZE holds its lock until its commit
        refresh_statistics(conn, new_revisions)
    return stored


@dataclass(frozen=True)
class HeadStored:
    """The first batch of a history, stored by whoever resolved the title."""

    stored: int  # revisions of the page now stored
    checkpoint: dict[str, str] | None  # where the walk goes on; None: nothing left


def store_head(
    db: Database, page: PageRef, batch: RevisionBatch, bots: frozenset[str], limit: int | None
) -> HeadStored:
    """Store the first batch of a page never fetched (`MediaWiki.first_sight`), with its
    checkpoint for the job that walks the rest. When it is the whole history (or all
    that `limit` lets in), the page is finished as a fetch finishes it: nothing is left
    for a job to do (issue 11: up to 500 revisions, complete after one round trip)."""
    state = load_state(db, page)
    state.limit = limit
    with db.write() as conn:
        sql = Statements(conn, page)
        sql.begin(conn)  # its staging tables, on PostgreSQL
        store_batch(conn, sql, page, batch, state, EditorCache(page.wiki_id, bots))
        complete = batch.continue_params is None or state.capped
        if complete:
            _finish(conn, page)
    metrics.REVISIONS_STORED.inc(state.new)
    return HeadStored(state.done, None if complete else batch.continue_params)


def known_bot_names(db: Database, wiki_id: int) -> frozenset[str] | None:
    """The wiki's bot accounts as last asked, or None if they are not known (or too old
    to trust): then only a job, which may ask the wiki, can store revisions."""
    with db.read() as conn:
        row = conn.execute(
            select(Wiki.bot_names, Wiki.bots_checked_at).where(Wiki.id == wiki_id)
        ).first()
    if row is None or row.bot_names is None:
        return None
    if time.time() - (row.bots_checked_at or 0) >= BOT_LIST_MAX_AGE:
        return None
    return frozenset(orjson.loads(row.bot_names))


def _walk(
    head_start: Fetcher | None,
    wiki: MediaWiki,
    pageid: int,
    resume: dict[str, str] | None,
    newer_than: str | None,
) -> tuple[Fetcher, bool]:
    """The walk to store, and whether it is the head start: that one is taken over if it
    begins where the stored history says to, else stopped and a new walk started."""
    if head_start is not None:
        if (head_start.pageid, head_start.start_point) == (pageid, (resume, newer_than)):
            head_start.wiki.report_like(wiki)  # its retries are this job's from now on
            return head_start, True
        head_start.stop()
    fetcher = Fetcher(wiki, pageid, resume, newer_than)
    fetcher.start()
    return fetcher, False


class _Group:
    """Stores batches in grouped transactions.

    Batches share a transaction: those that arrive within COMMIT_AFTER of its start,
    then those already waiting, for MAX_TRANSACTION_SECONDS at most (and MAX_SAVEPOINTS
    on PostgreSQL); the first of a walk has one batch, so followers see progress at
    once. The last batch's checkpoint and progress go in with the rows, so a crash loses
    nothing committed and the rows and checkpoint agree."""

    def __init__(
        self,
        db: Database,
        page: PageRef,
        state: BatchState,
        editors: EditorCache,
        listener: IngestListener,
    ) -> None:
        self.db, self.page, self.state = db, page, state
        self.editors, self.listener = editors, listener
        self.sql: Statements | None = None
        self.total: int | None = None
        self.counted = state.new  # new revisions already counted in the metrics
        self.first = True  # the walk's first transaction: one batch, shown at once

    def store(
        self, batch: RevisionBatch, fetcher: Fetcher, should_stop: Callable[[], bool]
    ) -> None:
        """Store `batch` and those that follow it closely, in one transaction. Its progress
        and checkpoint are recorded once, with its last batch: the ones before would be
        overwritten unseen, in the same transaction (a round trip a batch, saved)."""
        state, opened = self.state, time.monotonic()
        next_batch: RevisionBatch | None = batch
        with self.db.write() as conn:
            sql = self.sql = self.sql or Statements(conn, self.page)
            sql.begin(conn)
            while next_batch is not None:
                self.listener.walked(next_batch)
                store_batch(conn, sql, self.page, next_batch, state, self.editors)
                if self.total is not None and state.done > self.total:
                    self.total = state.done
                checkpoint, next_batch = next_batch.continue_params, None
                if not (
                    self.first
                    or should_stop()
                    or state.capped
                    or time.monotonic() - opened > MAX_TRANSACTION_SECONDS
                    or (sql.copy and sql.batches >= MAX_SAVEPOINTS)
                ):
                    next_batch = fetcher.ready(until=opened + COMMIT_AFTER)
                if next_batch is None:
                    self.listener.batch_stored(conn, state.done, self.total, checkpoint)
        self.first = False
        metrics.REVISIONS_STORED.inc(state.new - self.counted)  # committed: now they count
        self.counted = state.new
        self.listener.batch_committed()


class _Counting:
    """Side requests whose answers only improve the progress bar, taken as they come:
    the wiki's count, then, if it stops counting (30,000) or has no count, the times of
    the newest revisions, to estimate the rest by (`jobs.estimate`)."""

    def __init__(
        self, side: ThreadPoolExecutor, wiki: MediaWiki, page: PageRef, listener: IngestListener
    ) -> None:
        self.side, self.wiki, self.page, self.listener = side, wiki, page, listener
        self.count: Future[EditCount | None] | None = side.submit(
            logs.in_context(wiki.edit_count), page.title
        )
        self.far_end: Future[list[int]] | None = None

    def take(self, group: _Group) -> None:
        if self.count is not None and self.count.done():
            counted, self.count = self.count.result(), None
            if counted is not None:
                group.total = max(counted.count, group.state.done)
                self.listener.total(group.total, counted.capped)
            if counted is None or counted.capped:
                self.far_end = self.side.submit(logs.in_context(self._newest))
        if self.far_end is not None and self.far_end.done():
            timestamps, self.far_end = self.far_end.result(), None
            if timestamps:
                self.listener.far_end(timestamps)

    def _newest(self) -> list[int]:
        try:
            return self.wiki.newest_timestamps(self.page.wiki_pageid)
        except MediaWikiError:
            return []  # only the estimate needed it: the fetch goes on


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
    known = known_bot_names(db, wiki_id)
    if known is not None:
        return known
    names = wiki.bot_names()
    with db.write() as conn:
        conn.execute(
            update(Wiki)
            .where(Wiki.id == wiki_id)
            .values(bot_names=orjson.dumps(sorted(names)).decode(), bots_checked_at=time.time())
        )
    return frozenset(names)
