"""Cancel, resume, retry and "now" (jobs/control.py), on SQLite and PostgreSQL: the
transitions, who may make them, and a run cancelled mid-fetch then resumed to an exact
history over the simulator."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from support import Clock, kinds
from wikivice.jobs import control
from wikivice.jobs.analyses import start_analysis
from wikivice.jobs.caps import active_jobs
from wikivice.jobs.control import ControlRefused, Who
from wikivice.jobs.machine import Jobs, LeaseLost
from wikivice.jobs.runner import run_claimed
from wikivice.jobs.runtime import Runtime
from wikivice.jobs.snapshot import JobSnapshot
from wikivice.simulator import SimulatorServer
from wikivice.store.database import Database
from wikivice.store.models import JobEvent, Revision
from wikivice.store.vocabulary import Canceller, EventKind, JobStatus, Stage
from wikivice.wiki.sites import parse_wiki

ALICE, MALLORY = "192.0.2.10", "198.51.100.7"


def job_of(jobs: Jobs, job_id: int) -> JobSnapshot:
    job = jobs.get(job_id)
    assert job is not None
    return job


# -- the transitions ---------------------------------------------------------------------


def test_cancel_a_queued_job_frees_its_page_and_no_worker_takes_it(
    jobs: Jobs, db: Database, page_id: int
) -> None:
    job_id, _ = jobs.submit(page_id, requested_by=ALICE)
    assert control.cancel(jobs, job_id, Canceller.REQUESTER)
    job = job_of(jobs, job_id)
    assert (job.status, job.stage, job.cancelled_by) == (
        JobStatus.CANCELLED,
        Stage.CANCELLED,
        Canceller.REQUESTER,
    )
    assert job.finished and job.finished_at is not None
    assert jobs.claim(job_id) is None  # its id may still be on the queue: harmless
    assert jobs.active_for_page(page_id) is None and active_jobs(db, ALICE) == 0
    assert kinds(db, job_id) == [EventKind.QUEUED, EventKind.CANCELLED]
    assert not control.cancel(jobs, job_id, Canceller.REQUESTER)  # once
    again, created = jobs.submit(page_id)  # the page may have a new one
    assert created and again != job_id


def test_cancel_a_running_job_fails_every_later_write_of_its_worker(
    jobs: Jobs, db: Database, page_id: int, clock: Clock
) -> None:
    job_id, _ = jobs.submit(page_id)
    claim = jobs.claim(job_id)
    assert claim is not None
    with db.write() as conn:
        jobs.save_checkpoint(conn, claim, 500, 2000, '{"rvcontinue": "20200101000000|42"}', 500)
    assert control.cancel(jobs, job_id, Canceller.OPERATOR)
    with pytest.raises(LeaseLost), db.write() as conn:  # the next batch rolls back
        jobs.save_checkpoint(conn, claim, 1000, 2000, '{"rvcontinue": "20200102000000|43"}', 1000)
    with pytest.raises(LeaseLost):
        jobs.update(claim, EventKind.PROGRESS, done=1000)
    assert not jobs.heartbeat(claim)
    job = job_of(jobs, job_id)
    assert (job.status, job.done, job.cancelled_by) == (
        JobStatus.CANCELLED,
        500,
        Canceller.OPERATOR,
    )
    clock.now += 3600  # its heartbeat long stale: the reaper leaves it alone
    assert jobs.reap(stale_seconds=10) == []
    assert job_of(jobs, job_id).status == JobStatus.CANCELLED
    assert kinds(db, job_id)[-1] == EventKind.CANCELLED


def test_resume_continues_from_the_checkpoint_with_fresh_attempts(
    jobs: Jobs, db: Database, page_id: int
) -> None:
    job_id, _ = jobs.submit(page_id)
    claim = jobs.claim(job_id)
    assert claim is not None
    jobs.update(claim, EventKind.STAGE, stage=Stage.FETCHING)
    jobs.update(claim, EventKind.PROGRESS, total=2000, total_is_estimate=True)
    with db.write() as conn:
        jobs.save_checkpoint(conn, claim, 500, 2000, '{"rvcontinue": "20200101000000|42"}', 500)
    control.cancel(jobs, job_id, Canceller.REQUESTER)
    assert not control.requeue_stopped(jobs, job_id, (JobStatus.FAILED,), "no")  # not failed
    assert control.requeue_stopped(jobs, job_id, control.RESUMABLE, "resumed")
    job = job_of(jobs, job_id)
    assert (job.status, job.stage, job.cancelled_by, job.finished_at) == (
        JobStatus.QUEUED,
        Stage.FETCHING,
        None,
        None,
    )
    assert (job.attempts, job.max_attempts, job.done) == (1, 1 + jobs.max_attempts, 500)
    again = jobs.claim(job_id)
    assert again is not None and again.attempt == 2
    assert again.checkpoint == {"rvcontinue": "20200101000000|42"}
    assert again.stage == Stage.FETCHING
    assert again.new_before == 500  # the first attempt's, counted on from there
    assert again.estimate_before == 2000  # shown again until the new walk has its own
    assert kinds(db, job_id)[-3:] == [EventKind.CANCELLED, EventKind.RESUMED, EventKind.STARTED]


def test_a_job_cancelled_before_it_ran_resumes_from_the_start(jobs: Jobs, page_id: int) -> None:
    job_id, _ = jobs.submit(page_id)
    control.cancel(jobs, job_id, Canceller.REQUESTER)
    assert control.requeue_stopped(jobs, job_id, control.RESUMABLE, "resumed")
    claim = jobs.claim(job_id)
    assert claim is not None and claim.checkpoint is None and claim.stage == Stage.RESOLVING


def test_resume_is_refused_while_another_job_of_the_page_runs_or_after_a_newer_one(
    rt: Runtime,
) -> None:
    old = started_by(rt, ALICE)
    control.cancel_job(rt, old, Who(ALICE))
    newer = started_by(rt, MALLORY)
    with pytest.raises(ControlRefused) as refused:
        control.resume_job(rt, old, Who(ALICE))
    assert refused.value.status == 409 and "already running" in refused.value.detail
    claim = rt.jobs.claim(newer)
    assert claim is not None
    rt.jobs.finish(claim, "done")
    # The newer job has the page's history: nothing left to resume.
    with pytest.raises(ControlRefused) as refused:
        control.resume_job(rt, old, Who(ALICE))
    assert refused.value.status == 409 and "newer analysis" in refused.value.detail
    assert job_of(rt.jobs, old).status == JobStatus.CANCELLED


def test_hurry_makes_a_delayed_job_due_at_once(jobs: Jobs, db: Database, page_id: int) -> None:
    job_id, _ = jobs.submit(page_id)
    claim = jobs.claim(job_id)
    assert claim is not None
    jobs.requeue(claim, "the wiki is down; trying again in 60 s", delay=60)
    assert jobs.claim(job_id) is None
    assert control.hurry(jobs, job_id)
    assert kinds(db, job_id)[-1] == EventKind.RESUMED
    assert jobs.claim(job_id) is not None
    assert not control.hurry(jobs, job_id)  # running: not queued


def test_prune_forgets_old_failed_jobs_and_their_events_only(
    jobs: Jobs, db: Database, page_id: int, clock: Clock
) -> None:
    failed, _ = jobs.submit(page_id)
    claim = jobs.claim(failed)
    assert claim is not None
    jobs.fail(claim, "the wiki said no")
    cancelled, _ = jobs.submit(page_id)
    control.cancel(jobs, cancelled, Canceller.REQUESTER)
    clock.now += 2 * control.DAY
    assert control.prune_failed(jobs, keep_days=3) == 0
    clock.now += 2 * control.DAY
    assert control.prune_failed(jobs, keep_days=3) == 1
    assert jobs.get(failed) is None and jobs.get(cancelled) is not None
    with db.read() as conn:
        left = conn.execute(select(JobEvent.job_id).distinct()).scalars().all()
    assert left == [cancelled]


# -- who may -------------------------------------------------------------------------------


def started_by(rt: Runtime, client: str | None, title: str = "Synthetic 300") -> int:
    site = parse_wiki(rt.settings.default_wiki)
    analysis = start_analysis(rt, site, title, enqueue=False, client=client)
    assert analysis.job_id is not None
    return analysis.job_id


def test_only_its_requester_or_the_operator_may_cancel_or_resume(rt: Runtime) -> None:
    job_id = started_by(rt, ALICE)
    for verb in (control.cancel_job, control.resume_job):
        with pytest.raises(ControlRefused) as refused:
            verb(rt, job_id, Who(MALLORY))
        assert refused.value.status == 403 and "Only the person who started" in refused.value.detail
    job = control.cancel_job(rt, job_id, Who(ALICE))
    assert job.status == JobStatus.CANCELLED and job.cancelled_by == Canceller.REQUESTER
    assert control.cancel_job(rt, job_id, Who(ALICE)).status == JobStatus.CANCELLED  # again: ok
    job = control.resume_job(rt, job_id, Who(ALICE))
    assert job.status == JobStatus.QUEUED
    job = control.cancel_job(rt, job_id, Who(None, operator=True))
    assert job.cancelled_by == Canceller.OPERATOR
    cli_job = started_by(rt, None, "Synthetic 301")  # `wikivice fetch`: the operator's only
    with pytest.raises(ControlRefused):
        control.cancel_job(rt, cli_job, Who(ALICE))
    with pytest.raises(ControlRefused) as missing:
        control.cancel_job(rt, 10_000, Who(ALICE))
    assert missing.value.status == 404


def test_a_finished_job_cannot_be_cancelled_and_only_the_operator_retries_failures(
    rt: Runtime,
) -> None:
    job_id = started_by(rt, ALICE)
    claim = rt.jobs.claim(job_id)
    assert claim is not None
    rt.jobs.fail(claim, "the wiki said no")
    with pytest.raises(ControlRefused) as ended:
        control.cancel_job(rt, job_id, Who(ALICE))
    assert ended.value.status == 409 and "already ended (failed)" in ended.value.detail
    with pytest.raises(ControlRefused) as refused:
        control.resume_job(rt, job_id, Who(ALICE))
    assert refused.value.status == 409
    # A title the wiki has no article of (as `jobs.asked` fails it) is left out of the
    # bulk retry (a review: typos were retried with the rest, and failed again).
    typo = started_by(rt, ALICE, "Synthetic 302")
    typo_claim = rt.jobs.claim(typo)
    assert typo_claim is not None
    rt.jobs.fail(typo_claim, "no article called that", {"missing": True, "suggestions": []})
    with rt.db.read() as conn:
        assert control.no_such_article(conn) == {typo}
    assert control.retry_all_failed(rt) == [job_id]
    job = rt.jobs.get(job_id)
    assert job is not None and job.status == JobStatus.QUEUED and job.error is None
    resumed = control.resume_job(rt, typo, Who(None, operator=True))  # one by one, it can
    assert resumed.status == JobStatus.QUEUED


# -- a run cancelled, then resumed (the simulator) -----------------------------------------


def test_a_run_cancelled_mid_fetch_stops_keeps_its_rows_and_resumes_exact(
    rt: Runtime, simulator: SimulatorServer
) -> None:
    title, size = "Synthetic 10000", 10_000
    job_id = started_by(rt, ALICE, title)
    cancelled: list[int] = []

    def cancel_once(job_id: int) -> None:
        job = rt.jobs.get(job_id)
        if not cancelled and job is not None and job.done > 0:
            cancelled.append(job.done)
            control.cancel_job(rt, job_id, Who(ALICE))

    rt.notifier.subscribe(cancel_once)  # in the runner's thread, after a batch commits
    simulator.sim.latency = 0.03
    claim = rt.jobs.claim(job_id)
    assert claim is not None
    requeued: list[int] = []
    assert run_claimed(rt, claim, threading.Event(), requeue=requeued.append) is None
    job = job_of(rt.jobs, job_id)
    assert job.status == JobStatus.CANCELLED and requeued == []
    stored = stored_revids(rt, job.page_id)
    assert job.done == len(stored) == cancelled[0] < size  # stopped within one batch
    history = simulator.sim.history(title)
    assert history is not None
    assert stored == [rev["revid"] for rev in history.iter(0, len(stored))]

    control.resume_job(rt, job_id, Who(ALICE))
    again = rt.jobs.claim(job_id)
    assert again is not None and again.checkpoint is not None
    run_claimed(rt, again, threading.Event(), requeue=requeued.append)
    job = job_of(rt.jobs, job_id)
    assert job.status == JobStatus.DONE and job.done == size
    assert stored_revids(rt, job.page_id) == [rev["revid"] for rev in history.iter(0, size)]
    assert kinds(rt.db, job_id).count(EventKind.CANCELLED) == 1


def stored_revids(rt: Runtime, page_id: int) -> list[int]:
    with rt.db.read() as conn:
        return list(
            conn.execute(
                select(Revision.revid)
                .where(Revision.page_id == page_id)
                .order_by(Revision.ts, Revision.revid)
            ).scalars()
        )
