"""Queued jobs that no queue holds: putting their id on the queue failed (Redis down, a
locked queue file). Issue 10: such a row was left queued forever, and every later
visitor "joined" it.

The row stays queued (the visitor is told 503, try again) and is marked here, in its
`claimed_by` (a queued job has no lease, and a worker's `claim` overwrites it). The
reaper tries the marked jobs again at each round, and a visitor who joins one puts it
on the queue at once; whoever succeeds clears the mark. A job put on the queue twice is
harmless: only one claim can succeed (`jobs.machine`).
"""

from __future__ import annotations

import logging

from sqlalchemy import select, update

from wikivice.jobs.queue import QueueUnavailable
from wikivice.jobs.runtime import Runtime
from wikivice.store.database import Database
from wikivice.store.models import FetchJob
from wikivice.store.vocabulary import JobStatus

log = logging.getLogger(__name__)
UNQUEUED = "unqueued"  # never a lease token (those are uuid4 hex)
WAITING_FOR_QUEUE = "waiting for the job queue, which cannot be reached; it starts once it is back"


def enqueue(rt: Runtime, job_id: int, *, marked: bool = False) -> None:
    """Put the job on the queue (`marked`: it carries the mark, to clear). If the
    queue cannot be reached, mark the job and raise `QueueUnavailable`."""
    try:
        rt.queue.enqueue(job_id)
    except QueueUnavailable:
        mark(rt.db, job_id)
        raise
    if marked:
        clear(rt.db, job_id)


def enqueue_all(rt: Runtime, job_ids: list[int], marked: set[int]) -> list[int]:
    """`enqueue` each (the reaper's round); once the queue fails, the rest are marked
    without trying. Returns the ids put on the queue."""
    done: list[int] = []
    for n, job_id in enumerate(job_ids):
        try:
            enqueue(rt, job_id, marked=job_id in marked)
        except QueueUnavailable as exc:
            for rest in job_ids[n + 1 :]:
                mark(rt.db, rest)
            log.warning("%s jobs wait for the queue: %s", len(job_ids) - n, exc)
            break
        done.append(job_id)
    return done


def mark(db: Database, job_id: int) -> None:
    with db.write() as conn:
        conn.execute(
            update(FetchJob)
            .where(FetchJob.id == job_id, FetchJob.status == JobStatus.QUEUED)
            .values(claimed_by=UNQUEUED, message=WAITING_FOR_QUEUE)
        )


def clear(db: Database, job_id: int) -> None:
    with db.write() as conn:
        conn.execute(
            update(FetchJob)
            .where(FetchJob.id == job_id, FetchJob.claimed_by == UNQUEUED)
            .values(claimed_by=None, message="waiting for a worker")
        )


def is_marked(db: Database, job_id: int) -> bool:
    with db.read() as conn:
        found = conn.execute(
            select(FetchJob.id).where(FetchJob.id == job_id, FetchJob.claimed_by == UNQUEUED)
        ).first()
    return found is not None


def marked_jobs(db: Database) -> list[int]:
    """Queued jobs that no queue holds, oldest first."""
    with db.read() as conn:
        return list(
            conn.execute(
                select(FetchJob.id)
                .where(FetchJob.status == JobStatus.QUEUED, FetchJob.claimed_by == UNQUEUED)
                .order_by(FetchJob.id)
            ).scalars()
        )
