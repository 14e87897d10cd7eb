"""Walking a page's history in a thread of its own, a few batches ahead of whoever
stores it.

No database here (nor SQLAlchemy): `wikivice fetch` starts a new page's walk while the
database layer is still loading (`wikivice.store.headstart`).
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable

from wikivice import logs
from wikivice.wiki.client import MediaWiki, RevisionBatch

AHEAD = 8  # batches fetched and not yet stored, at most (500 revisions each)
# How long a walk whose batches ahead are all waiting to be stored keeps its slot: the
# next is stored in milliseconds as a rule; a commit held up gives the slot back.
KEEP_SLOT_WAITING = 0.25  # seconds


class Interrupted(Exception):
    """The worker is stopping: the job goes back to the queue from its checkpoint."""


class Fetcher:
    """Walks the continuation in its own thread, at most `ahead` batches ahead: the
    next request is in flight while the batch before is stored, and a slow commit does
    not hold up the walk."""

    def __init__(
        self,
        wiki: MediaWiki,
        pageid: int,
        resume: dict[str, str] | None = None,
        newer: str | None = None,
        *,
        ahead: int = AHEAD,
    ) -> None:
        self.wiki = wiki
        self.pageid = pageid
        self.start_point = (resume, newer)
        self._batches = wiki.iter_revisions(pageid, resume=resume, newer_than=newer)
        self._queue: queue.Queue[RevisionBatch | BaseException | None] = queue.Queue(ahead)
        self._stopping = threading.Event()
        self._held: list[BaseException | None] = []  # an error or the end, seen early
        self._thread = threading.Thread(
            target=logs.in_context(self._run), name="ingest-fetch", daemon=True
        )

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        item: RevisionBatch | BaseException | None
        try:
            # One politeness slot for the walk, kept from request to request: the next
            # follows each answer at once, unless the batches ahead wait to be stored.
            with self.wiki.keeping_slot():
                for item in self._batches:
                    if not self._put(item):
                        return
                item = None
        except BaseException as exc:  # handed to the consumer, which re-raises it
            item = exc
        self._put(item)

    def _put(self, item: RevisionBatch | BaseException | None) -> bool:
        if self._stopping.is_set():
            return False
        try:
            self._queue.put(item, timeout=KEEP_SLOT_WAITING)
            return True
        except queue.Full:  # storing is behind: the slot goes back while the walk waits
            self.wiki.give_back_slot()
        while not self._stopping.is_set():
            try:
                self._queue.put(item, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    def ready(self, until: float = 0.0) -> RevisionBatch | None:
        """The next batch if it arrives by the monotonic time `until` (if it has
        already arrived, by default). Errors and the end wait for `next`, so they are
        raised outside the transaction in progress, and a walk that ends is not
        waited for."""
        if self._held:
            return None
        timeout = until - time.monotonic()
        try:
            item = self._queue.get(True, timeout) if timeout > 0 else self._queue.get_nowait()
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

    @property
    def stopped(self) -> bool:
        return self._stopping.is_set()

    def stop(self) -> None:
        # A request in flight is abandoned (the thread is a daemon): stopping must not
        # wait for a hanging wiki.
        self._stopping.set()
