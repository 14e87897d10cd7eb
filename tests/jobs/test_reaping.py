"""The reaper: stalled jobs back to the queue (or failed once their attempts are spent),
delayed jobs enqueued as their delay ends, waiting jobs enqueued again."""

from __future__ import annotations

import pytest

from support import Clock, kinds
from wikivice.jobs.machine import Jobs, LeaseLost
from wikivice.store.database import Database
from wikivice.store.vocabulary import EventKind, JobStatus


def test_stale_job_is_requeued_then_failed_when_attempts_are_spent(
    jobs: Jobs, db: Database, page_id: int, clock: Clock
) -> None:
    job_id, _ = jobs.submit(page_id)
    first = jobs.claim(job_id)
    assert first is not None
    clock.now += 5
    assert jobs.reap(stale_seconds=10) == []  # heartbeat still fresh
    clock.now += 10
    assert jobs.reap(stale_seconds=10) == [job_id]
    job = jobs.get(job_id)
    assert job is not None and job.status == JobStatus.QUEUED
    with pytest.raises(LeaseLost):  # the old worker's writes now match nothing
        jobs.update(first, EventKind.PROGRESS, done=5)
    second = jobs.claim(job_id)
    assert second is not None and second.attempt == 2
    clock.now += 20
    assert jobs.reap(stale_seconds=10) == []
    job = jobs.get(job_id)
    assert job is not None and job.status == JobStatus.FAILED
    assert "stopped responding 2 times" in job.error
    assert kinds(db, job_id) == [
        EventKind.QUEUED,
        EventKind.STARTED,
        EventKind.STALLED,
        EventKind.STARTED,
        EventKind.FAILED,
    ]


def test_a_delayed_job_is_enqueued_again_as_soon_as_its_delay_ends(
    jobs: Jobs, page_id: int, clock: Clock
) -> None:
    # "trying again in 10 s" means 10 s, not whenever the reaper's 30 s come round.
    job_id, _ = jobs.submit(page_id)
    claim = jobs.claim(job_id)
    assert claim is not None
    jobs.requeue(claim, "the wiki is not answering; trying again in 10 s", delay=10)
    assert jobs.reap(stale_seconds=10, requeue_after=30) == []
    clock.now += 10.5
    assert jobs.reap(stale_seconds=10, requeue_after=30) == [job_id]
    assert jobs.reap(stale_seconds=10, requeue_after=30) == []  # once
    assert jobs.claim(job_id) is not None


def test_waiting_job_is_enqueued_again_and_says_so(
    jobs: Jobs, db: Database, page_id: int, clock: Clock
) -> None:
    job_id, _ = jobs.submit(page_id)
    assert jobs.reap(stale_seconds=10, requeue_after=30) == []
    clock.now += 31
    assert jobs.reap(stale_seconds=10, requeue_after=30) == [job_id]
    # Not again right away: it was just re-enqueued.
    assert jobs.reap(stale_seconds=10, requeue_after=30) == []
    job = jobs.get(job_id)
    assert job is not None and "waiting for a free worker" in job.message
    assert kinds(db, job_id) == [EventKind.QUEUED, EventKind.WAITING]
