"""The per-process hub that follows jobs for the event streams of one web process.

A web process follows each job once, however many streams watch it: one query per
wake-up, and the rows are shared in memory by all of that job's streams.
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

from wikivice import metrics
from wikivice.jobs.events import Event, events_after, newest_seqs
from wikivice.jobs.wakeups import Notifier
from wikivice.store.database import Database

log = logging.getLogger(__name__)
T = TypeVar("T")


def _seq(event: Event) -> int:
    return event.seq


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
        if loop is not None and job_id in self._wakeups and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop is shutting down
                loop.call_soon_threadsafe(self._wake, job_id)

    def _wake(self, job_id: int) -> None:
        wakeup = self._wakeups.get(job_id)
        if wakeup is not None:
            wakeup.set()

    async def stream(self, job_id: int, after: int = 0) -> AsyncIterator[Event | None]:
        """Every event of the job after seq `after`, in order, ending with the terminal
        one; replays stored events first, then follows new ones. Yields None on the
        hub's keep-alive tick (every `keepalive_seconds`) when nothing happened."""
        if self._closing:
            return
        self._loop = asyncio.get_running_loop()
        if self._poller is None or self._poller.done():
            self._poller = asyncio.create_task(self._poll())
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

    async def _poll(self) -> None:
        """The safety net for lost wake-ups (one query for all followed jobs), and the
        keep-alive tick of idle streams. Ends when no job is followed (the next stream
        starts it again)."""
        ticked = time.monotonic()
        while True:
            await asyncio.sleep(self.poll_seconds)
            if not self._followers:
                return
            if time.monotonic() - ticked >= self.keepalive_seconds:
                ticked = time.monotonic()
                for follower in self._followers.values():
                    follower.changed.set()
            seen = {job_id: f.last_seq for job_id, f in self._followers.items()}
            try:
                latest = await self._read(newest_seqs, list(seen))
            except Exception:
                log.warning("could not poll job events", exc_info=True)
                continue
            for job_id, seq in latest.items():
                if seq > seen.get(job_id, seq):
                    self._wake(job_id)

    def close(self) -> None:
        """End every stream now (the server is stopping; clients will reconnect)."""
        self._closing = True
        if self._poller is not None:
            self._poller.cancel()
        for follower in self._followers.values():
            if follower.task is not None:
                follower.task.cancel()
            follower.changed.set()

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
