"""The job state machine on SQLite and PostgreSQL: joins, claims, leases, the reaper."""

from __future__ import annotations

import threading

from support import Clock
from wikivice.jobs.events import events_after
from wikivice.jobs.machine import Jobs
from wikivice.store.database import Database
from wikivice.store.vocabulary import EventKind, JobStatus, Stage


def test_submit_twice_joins_the_running_job(jobs: Jobs, page_id: int) -> None:
    first, created = jobs.submit(page_id)
    second, created_again = jobs.submit(page_id)
    assert created and not created_again
    assert first == second


def test_submit_concurrently_creates_one_job(jobs: Jobs, page_id: int) -> None:
    results: list[tuple[int, bool]] = []
    threads = [
        threading.Thread(target=lambda: results.append(jobs.submit(page_id))) for _ in range(8)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({job_id for job_id, _ in results}) == 1
    assert sum(created for _, created in results) == 1


def test_submit_after_finish_creates_a_new_job(jobs: Jobs, page_id: int) -> None:
    job_id, _ = jobs.submit(page_id)
    claim = jobs.claim(job_id)
    assert claim is not None
    jobs.finish(claim, "ok")
    again, created = jobs.submit(page_id)
    assert created and again != job_id


def test_claim_is_exclusive(jobs: Jobs, page_id: int) -> None:
    job_id, _ = jobs.submit(page_id)
    assert jobs.claim(job_id) is not None
    assert jobs.claim(job_id) is None


def test_events_have_increasing_ids_and_end_with_done(
    jobs: Jobs, db: Database, page_id: int, notified: list[int]
) -> None:
    job_id, _ = jobs.submit(page_id)
    claim = jobs.claim(job_id)
    assert claim is not None
    jobs.update(claim, EventKind.PROGRESS, done=10, total=20)
    jobs.finish(claim, "20 new revisions", new_revisions=20)
    events = events_after(db, job_id)
    assert [e.seq for e in events] == [1, 2, 3, 4]
    assert [e.kind for e in events] == [
        EventKind.QUEUED,
        EventKind.STARTED,
        EventKind.PROGRESS,
        EventKind.DONE,
    ]
    assert events[2].data["done"] == 10 and events[2].data["total"] == 20
    assert events[-1].data["status"] == JobStatus.DONE and events[-1].data["new_revisions"] == 20
    assert events_after(db, job_id, after=2) == events[2:]
    assert notified.count(job_id) == 4


def test_requeue_keeps_the_checkpoint(jobs: Jobs, page_id: int) -> None:
    job_id, _ = jobs.submit(page_id)
    claim = jobs.claim(job_id)
    assert claim is not None
    jobs.update(
        claim, EventKind.PROGRESS, checkpoint='{"rvcontinue": "20200101000000|42"}', done=500
    )
    assert jobs.requeue(claim, "the worker stopped")
    again = jobs.claim(job_id)
    assert again is not None
    assert again.checkpoint == {"rvcontinue": "20200101000000|42"}


def test_requeue_with_delay_is_not_claimed_early(jobs: Jobs, page_id: int, clock: Clock) -> None:
    job_id, _ = jobs.submit(page_id)
    claim = jobs.claim(job_id)
    assert claim is not None
    jobs.requeue(claim, "the wiki is down", delay=30)
    assert jobs.claim(job_id) is None
    clock.now += 31
    assert jobs.claim(job_id) is not None


def test_stages_never_go_back_through_requeues_and_claims(
    jobs: Jobs, db: Database, page_id: int, clock: Clock
) -> None:
    job_id, _ = jobs.submit(page_id)
    claim = jobs.claim(job_id)
    assert claim is not None and claim.stage == Stage.RESOLVING
    jobs.update(claim, EventKind.STAGE, stage=Stage.FETCHING)
    clock.now += 60  # its worker dies: the reaper queues it, at the same stage
    assert jobs.reap(stale_seconds=10) == [job_id]
    again = jobs.claim(job_id)
    assert again is not None and again.stage == Stage.FETCHING  # the runner goes on from it
    assert jobs.requeue(again, "the worker stopped")
    stages = [e.data["stage"] for e in events_after(db, job_id)]
    assert stages == ["queued", "resolving", "fetching", "fetching", "fetching", "fetching"]
