"""Fair queues (issue 13): small analyses are never stuck behind huge ones.

Two lanes by expected size. A job is *huge* when it is expected to store more than
`huge_job_revisions` revisions: the wiki's count (or its estimate past the count's cap),
or the job's revision limit if that is lower. A job not counted yet is *small*: most are,
and the count comes with the first requests of its run.

The queue (Huey) is first in, first out, and a job's size is only known once it runs;
so rather than sorting the queue, a huge job gives way. Between batches, once it has run
for `MIN_TURN` seconds, a huge job looks (every `LOOK_EVERY` seconds) whether a small one
has waited for a worker for `SMALL_WAITED` seconds or more (every worker busy: an idle
one would have taken it); if so it goes back to the end of the queue with its checkpoint
and resumes from there when its turn comes again. So all the fleet's workers are never
held by huge jobs while small ones wait, a huge job still moves on by at least a turn
each time it is taken, and nothing needs to know how many workers the fleet has.

The line a queued job sees (`place_in_line`): small jobs in the order they came, then
huge ones; its expected wait is its place times the recent small jobs' median run time,
shared among the workers now busy.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import replace

from sqlalchemy import ColumnElement, and_, func, or_, select

from wikivice.jobs.snapshot import JobSnapshot
from wikivice.store.database import Database
from wikivice.store.models import FetchJob
from wikivice.store.vocabulary import JobStatus

MIN_TURN = 5.0  # seconds a huge job runs after each claim before it may give way
LOOK_EVERY = 1.0  # seconds between its looks at the queue (one cheap query)
SMALL_WAITED = 1.0  # a small job waiting this long means every worker is busy
RECENT_JOBS = 20  # finished small jobs whose run times predict the wait
GAVE_WAY = "paused to let smaller analyses go first; resuming where it left off"


def is_small(threshold: int) -> ColumnElement[bool]:
    """A job's lane, in SQL: small unless its count or estimate is past `threshold`
    (and its revision limit, if any, too)."""
    return or_(
        FetchJob.total.is_(None),
        FetchJob.total <= threshold,
        and_(FetchJob.revision_limit.is_not(None), FetchJob.revision_limit <= threshold),
    )


def in_line(now: float) -> ColumnElement[bool]:
    """Queued, due, and on the queue: a queued job with a `claimed_by` is one that no
    queue holds (`jobs.unqueued`), and one with a `not_before` to come waits to retry."""
    return and_(
        FetchJob.status == JobStatus.QUEUED,
        FetchJob.claimed_by.is_(None),
        or_(FetchJob.not_before.is_(None), FetchJob.not_before <= now),
    )


def small_waiting(db: Database, threshold: int, now: float | None = None) -> bool:
    """Whether a small job has waited for a worker for SMALL_WAITED seconds or more
    (since it was queued, or given back, or last said to be waiting)."""
    now = time.time() if now is None else now
    since = func.coalesce(FetchJob.not_before, FetchJob.heartbeat_at, FetchJob.created_at)
    with db.read() as conn:
        found = conn.execute(
            select(FetchJob.id)
            .where(in_line(now), is_small(threshold), since <= now - SMALL_WAITED)
            .limit(1)
        ).first()
    return found is not None


class Turn:
    """A running job's turn on its worker: `over()` (asked between batches) turns true,
    and stays so, once the job is huge and a small one waits (see the module docstring)."""

    def __init__(
        self,
        db: Database,
        job_id: int,
        threshold: int,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.db, self.job_id, self.threshold, self.clock = db, job_id, threshold, clock
        self.next_look = clock() + MIN_TURN
        self.gave_way = False

    def over(self) -> bool:
        if self.gave_way:
            return True
        now = self.clock()
        if now < self.next_look:
            return False
        self.next_look = now + LOOK_EVERY
        self.gave_way = self.huge() and small_waiting(self.db, self.threshold)
        return self.gave_way

    def huge(self) -> bool:
        with self.db.read() as conn:
            small = conn.execute(
                select(is_small(self.threshold)).where(FetchJob.id == self.job_id)
            ).scalar()
        return small is not None and not small


def place_in_line(db: Database, job: JobSnapshot, threshold: int) -> JobSnapshot:
    """The job with its place in line and expected wait (seconds) filled in, if it is
    queued; as it is otherwise."""
    if job.status != JobStatus.QUEUED:
        return job
    now = time.time()
    small = is_small(threshold)
    with db.read() as conn:
        own_small = conn.execute(select(small).where(FetchJob.id == job.id)).scalar()
        before = FetchJob.id < job.id
        ahead_of_it = and_(small, before) if own_small else or_(small, before)
        ahead = conn.execute(
            select(func.count()).where(in_line(now), FetchJob.id != job.id, ahead_of_it)
        ).scalar_one()
        running = conn.execute(
            select(func.count()).where(FetchJob.status == JobStatus.RUNNING)
        ).scalar_one()
        runs = conn.execute(
            select(FetchJob.finished_at - FetchJob.started_at)
            .where(FetchJob.status == JobStatus.DONE, small, FetchJob.started_at.is_not(None))
            .order_by(FetchJob.finished_at.desc())
            .limit(RECENT_JOBS)
        ).scalars()
        seconds = [float(s) for s in runs if s is not None]
    position = int(ahead) + 1
    wait = expected_wait(position, int(running), seconds) if own_small else None
    return replace(job, position=position, expected_wait=wait, place=describe(position, wait))


def describe(position: int, wait: float | None) -> str:
    """A place in words: "next in line, about 5 s", "3rd in line, about 2 min"."""
    place = "next" if position == 1 else _ordinal(position)
    if wait is None:
        return f"{place} in line"
    about = f"{max(1, round(wait))} s" if wait < 90 else f"{round(wait / 60)} min"
    return f"{place} in line, about {about}"


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n:,}{suffix}"


def expected_wait(position: int, running: int, recent_runs: list[float]) -> float | None:
    """Seconds until a job `position`th in line starts: the jobs ahead (and the one
    each busy worker is on) take the recent runs' median each, shared among the busy
    workers (at least one). None without any recent run to go by."""
    if not recent_runs:
        return None
    median = statistics.median(recent_runs)
    return round(position * median / max(1, running), 1)
