"""The reaper's side of the job state machine (`jobs.machine`): jobs whose worker died,
and jobs that no queue holds any more.

Huey delivers a task at most once (a consumer killed mid-task loses it), and a queue
kept in Redis is lost with Redis. So every process reaps: a running job whose heartbeat
is stale goes back to the queue (or fails once its attempts are spent), and a queued job
nobody took for a while, or whose wait for a retry is over, is returned to be enqueued
again (a duplicate delivery is harmless: only one claim can succeed).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_, select

from wikivice.jobs.machine import FAILED, QUEUED, RUNNING, Jobs
from wikivice.store.models import FetchJob
from wikivice.store.vocabulary import EventKind, Stage


def reap(jobs: Jobs, stale_seconds: float, requeue_after: float = 30.0) -> list[int]:
    """Deal with stalled jobs; returns the ids to put on the queue again.

    A running job whose heartbeat is older than `stale_seconds` goes back to the
    queue, or fails once its attempts are spent. A queued job that is due and has
    waited `requeue_after` seconds (its queue message may have been lost) is
    returned to be enqueued again."""
    now = jobs.clock()
    with jobs.db.read() as conn:
        stalled = conn.execute(
            select(FetchJob.id, FetchJob.attempts, FetchJob.max_attempts).where(
                FetchJob.status == RUNNING, FetchJob.heartbeat_at < now - stale_seconds
            )
        ).all()
        waiting = select(FetchJob.id).where(
            FetchJob.status == QUEUED,
            or_(FetchJob.not_before.is_(None), FetchJob.not_before <= now),
            or_(  # (heartbeat_at, when set, is after created_at)
                func.coalesce(FetchJob.heartbeat_at, FetchJob.created_at) < now - requeue_after,
                # Given back to try later (a wiki not answering): due now.
                FetchJob.not_before > FetchJob.heartbeat_at,
            ),
        )
        waited = conn.execute(waiting).scalars().all()
    to_enqueue = [job_id for job_id in waited if _still_waiting(jobs, job_id, now)]
    for job_id, attempts, max_attempts in stalled:
        if _reap_stalled(jobs, job_id, attempts >= max_attempts, attempts, now, stale_seconds):
            to_enqueue.append(job_id)
    return to_enqueue


def _still_waiting(jobs: Jobs, job_id: int, now: float) -> bool:
    """Say that a queued job still waits for a worker; False if it is not queued."""
    return jobs.transition(
        job_id,
        [FetchJob.status == QUEUED],
        EventKind.WAITING,
        heartbeat_at=now,  # re-enqueued now: not again before requeue_after
        message="still waiting for a free worker; it starts as soon as one is",
    )


def _reap_stalled(
    jobs: Jobs, job_id: int, spent: bool, attempts: int, now: float, stale_seconds: float
) -> bool:
    """Fail a stalled job whose attempts are spent, else queue it again (True)."""
    values: dict[str, Any] = (
        {
            "status": FAILED,
            "stage": Stage.FAILED,
            "error": f"the worker stopped responding {attempts} times; giving up",
            "finished_at": now,
        }
        if spent
        else {
            "status": QUEUED,  # keeping the stage it reached
            "message": "the worker stopped responding; resuming where it left off",
            # Marks when it was re-queued, so it is not re-enqueued at once again.
            "heartbeat_at": now,
        }
    )
    # Nothing if it came back to life, or another reaper got there first.
    moved = jobs.transition(
        job_id,
        [FetchJob.status == RUNNING, FetchJob.heartbeat_at < now - stale_seconds],
        EventKind.FAILED if spent else EventKind.STALLED,
        claimed_by=None,
        **values,
    )
    return moved and not spent
