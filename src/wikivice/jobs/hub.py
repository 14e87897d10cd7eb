"""The per-process hub that follows jobs for the event streams of one web process.

A web process follows each job once, however many streams watch it: one query per
wake-up, and the rows are shared in memory by all of that job's streams. The job
inspector's stream (`changes`) hears the same wake-ups for every job, and the same poll
covers it when a wake-up is lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from bisect import bisect_right
from collections.abc import AsyncIterator, Callable
from typing import Any, TypeVar

from anyio import to_thread
from sqlalchemy import func, select

from wikivice import metrics
from wikivice.jobs.events import Event, events_after, newest_seqs
from wikivice.jobs.wakeups import Notifier
from wikivice.store.database import Database
from wikivice.store.models import FetchJob

log = logging.getLogger(__name__)
T = TypeVar("T")


def _seq(event: Event) -> int:
    return event.seq


def _activity(db: Database) -> tuple[int, int]:
    """How many jobs there are and how many events they have had: it moves with every
    event committed by any process (seq numbers are taken from `fetch_jobs.events`), and
    with every job forgotten. One pass over the jobs' rows, not over their events."""
    with db.read() as conn:
        count, total = conn.execute(
            select(func.count(FetchJob.id), func.coalesce(func.sum(FetchJob.events), 0))
        ).one()
    return int(count), int(total)


class _Follower:
    """One job's events as this process has read them, shared by all its streams."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self.changed = asyncio.Event()
        self.streams = 0
        self.task: asyncio.Task[None] | None = None

    @property
    def last_seq(self) -> int:
        return self.events[-1].seq if self.events else 0

    @property
    def finished(self) -> bool:
        return bool(self.events) and self.events[-1].terminal


class EventHub:
    """Follows jobs for the streams of one web process (lives on its event loop).

    Its database reads run on worker threads, and `join` waits for the last one: none
    outlives the hub (nor the database it reads, which would leave a connection open)."""

    def __init__(
        self,
        db: Database,
        notifier: Notifier,
        poll_seconds: float,
        keepalive_seconds: float = 15.0,
    ) -> None:
        self.db = db
        self.poll_seconds = poll_seconds
        self.keepalive_seconds = keepalive_seconds
        self._followers: dict[int, _Follower] = {}
        self._wakeups: dict[int, asyncio.Event] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._poller: asyncio.Task[None] | None = None
        self._closing = False
        self._reads = 0  # reads running on worker threads
        self._reads_changed = threading.Condition()
        self._joined = False
        # The inspector's streams (`changes`): how many, the wake-ups heard for any job,
        # one shared signal, and the activity the poll saw last.
        self._watchers = 0
        self._heard = 0
        self._any_changed = asyncio.Event()
        self._activity: tuple[int, int] | None = None
        notifier.subscribe(self._on_publish)

    async def _read(self, read: Callable[..., T], *args: Any) -> T:
        """`read(db, *args)` on a worker thread."""
        return await to_thread.run_sync(self._counted, read, *args)

    def _counted(self, read: Callable[..., T], *args: Any) -> T:
        """On a worker thread (which goes on even if the awaiting task is cancelled)."""
        with self._reads_changed:
            if self._joined:
                raise RuntimeError("the event hub is closed")
            self._reads += 1
        try:
            return read(self.db, *args)
        finally:
            with self._reads_changed:
                self._reads -= 1
                self._reads_changed.notify_all()

    def _on_publish(self, job_id: int) -> None:
        loop = self._loop
        heard = job_id in self._wakeups or self._watchers > 0
        if loop is not None and heard and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop is shutting down
                loop.call_soon_threadsafe(self._wake, job_id)

    def _wake(self, job_id: int) -> None:
        wakeup = self._wakeups.get(job_id)
        if wakeup is not None:
            wakeup.set()
        if self._watchers:
            self._heard_change()

    def _heard_change(self) -> None:
        self._heard += 1
        self._any_changed.set()

    def _start_polling(self) -> None:
        self._loop = asyncio.get_running_loop()
        if self._poller is None or self._poller.done():
            self._poller = asyncio.create_task(self._poll())

    async def stream(self, job_id: int, after: int = 0) -> AsyncIterator[Event | None]:
        """Every event of the job after seq `after`, in order, ending with the terminal
        one; replays stored events first, then follows new ones. Yields None on the
        hub's keep-alive tick (every `keepalive_seconds`) when nothing happened."""
        if self._closing:
            return
        self._start_polling()
        follower = self._followers.get(job_id)
        if follower is None:
            follower = _Follower()
            self._followers[job_id] = follower
            self._wakeups[job_id] = asyncio.Event()
            follower.task = asyncio.create_task(self._follow(job_id, follower))
        follower.streams += 1
        metrics.STREAMS_OPEN.inc()
        try:
            cursor = after
            while not self._closing:
                events = follower.events
                for index in range(bisect_right(events, cursor, key=_seq), len(events)):
                    event = events[index]
                    yield event
                    cursor = event.seq
                    if event.terminal:
                        return
                if follower.finished or (follower.task is not None and follower.task.done()):
                    return  # nothing after `after`, or the job cannot be read any more
                follower.changed.clear()
                if follower.last_seq <= cursor:
                    # One shared wake-up for every stream of the job (no timer per stream:
                    # a thousand streams must cost little more than one).
                    await follower.changed.wait()
                    if follower.last_seq <= cursor and not self._closing:
                        yield None  # the keep-alive tick
        finally:
            metrics.STREAMS_OPEN.dec()
            follower.streams -= 1
            if follower.streams == 0:
                self._followers.pop(job_id, None)
                self._wakeups.pop(job_id, None)
                if follower.task is not None:
                    follower.task.cancel()

    async def _follow(self, job_id: int, follower: _Follower) -> None:
        """Reads the job's new rows each time it is woken (and once at the start)."""
        wakeup = self._wakeups[job_id]
        while not follower.finished:
            wakeup.clear()
            try:
                fresh = await self._read(events_after, job_id, follower.last_seq)
            except Exception:
                log.warning("could not read events of job %s", job_id, exc_info=True)
                fresh = []
            if fresh:
                follower.events.extend(fresh)
                follower.changed.set()
            if not follower.finished:
                await wakeup.wait()

    async def changes(self) -> AsyncIterator[bool]:
        """For the job inspector: True each time any job may have changed (a wake-up for
        any job, or the poll seeing the jobs' activity move), False on the keep-alive
        tick. Coalesced: any number of changes while the caller is busy come as one
        True. Ends when the hub closes."""
        if self._closing:
            return
        self._start_polling()
        if not self._watchers:  # (an asyncio.Event belongs to the loop it first waits on)
            self._any_changed = asyncio.Event()
        self._watchers += 1
        metrics.STREAMS_OPEN.inc()
        try:
            seen = self._heard
            if self._activity is None and not self._closing:
                await self._mark_activity()  # what the poll compares with from now on
            while not self._closing:
                self._any_changed.clear()
                if self._heard == seen:
                    await self._any_changed.wait()  # shared by every inspector stream
                if self._closing:
                    return
                changed, seen = self._heard != seen, self._heard
                yield changed
        finally:
            metrics.STREAMS_OPEN.dec()
            self._watchers -= 1
            if not self._watchers:
                self._activity = None  # the next watcher starts from what it renders

    async def _poll(self) -> None:
        """The safety net for lost wake-ups (one query for all followed jobs, one for
        the inspector's), and the keep-alive tick of idle streams. Ends when nothing is
        followed (the next stream starts it again)."""
        ticked = time.monotonic()
        while True:
            await asyncio.sleep(self.poll_seconds)
            if not self._followers and not self._watchers:
                return
            if time.monotonic() - ticked >= self.keepalive_seconds:
                ticked = time.monotonic()
                for follower in self._followers.values():
                    follower.changed.set()
                self._any_changed.set()
            try:
                if self._followers:
                    await self._poll_followed()
                if self._watchers:
                    await self._poll_activity()
            except Exception:
                log.warning("could not poll job events", exc_info=True)

    async def _poll_followed(self) -> None:
        seen = {job_id: f.last_seq for job_id, f in self._followers.items()}
        latest = await self._read(newest_seqs, list(seen))
        for job_id, seq in latest.items():
            if seq > seen.get(job_id, seq):
                self._wake(job_id)

    async def _poll_activity(self) -> None:
        activity = await self._read(_activity)
        if self._activity is not None and activity != self._activity and self._watchers:
            self._heard_change()
        self._activity = activity

    async def _mark_activity(self) -> None:
        try:
            self._activity = await self._read(_activity)
        except Exception:  # the poll takes its first mark instead
            log.warning("could not read the jobs' activity", exc_info=True)

    def close(self) -> None:
        """End every stream now (the server is stopping; clients will reconnect)."""
        self._closing = True
        if self._poller is not None:
            self._poller.cancel()
        for follower in self._followers.values():
            if follower.task is not None:
                follower.task.cancel()
            follower.changed.set()
        self._any_changed.set()

    def join(self) -> None:
        """After `close`: wait for the reads in progress to end; none starts after."""
        with self._reads_changed:
            self._joined = True
            self._reads_changed.wait_for(lambda: self._reads == 0)

    def close_soon(self) -> None:
        """`close`, from a signal handler or another thread."""
        loop = self._loop
        if loop is None or loop.is_closed():
            self._closing = True
            return
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(self.close)
