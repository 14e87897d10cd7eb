"""Running one fetch job against the simulator, on SQLite and PostgreSQL: how each run
ends (done; back on the queue with its checkpoint; failed with a message a person can
read) and what the job says on the way (progress with rate and ETA, retries).

Whole histories, resumes and refreshes as ingest stores them are tests/store/test_ingest.py's.
"""

from __future__ import annotations

import errno
import logging
import threading
import time
from collections.abc import Callable

import pytest
from sqlalchemy import select, update

from support import fetch
from wikivice.jobs.analyses import refresh_analysis, start_analysis
from wikivice.jobs.asked import RESOLVE_REUSE
from wikivice.jobs.events import events_after
from wikivice.jobs.machine import Claim, Jobs
from wikivice.jobs.runner import (
    INTERNAL_ERROR,
    run_claimed,
    run_job,
)
from wikivice.jobs.runtime import Runtime
from wikivice.jobs.snapshot import JobSnapshot
from wikivice.settings import Settings
from wikivice.simulator import FaultSpec, SimulatorServer
from wikivice.store import pages
from wikivice.store.database import Database
from wikivice.store.models import Page, Revision
from wikivice.store.pages import PageRef
from wikivice.store.vocabulary import EventKind, JobStatus, Stage
from wikivice.wiki.client import ResolvedPage
from wikivice.wiki.sites import WikiSite, parse_wiki

GONE = ResolvedPage(pageid=77, ns=0, title="Vanished", latest_revid=5, length=10)


@pytest.fixture
def wiki_settings(settings: Settings, simulator: SimulatorServer) -> Settings:
    """Quick retries (one per request), two attempts per job."""
    return settings.model_copy(
        update={
            "default_wiki": simulator.api_url,
            "max_retries": 1,
            "max_retry_wait": 0.01,
            "job_attempts": 2,
        }
    )


@pytest.fixture
def site(simulator: SimulatorServer) -> WikiSite:
    return parse_wiki(simulator.api_url)


@pytest.fixture
def requeued() -> list[int]:
    """What a run hands to the queue (the `requeue` callback)."""
    return []


def new_job(rt: Runtime, site: WikiSite, title: str = "Synthetic 300") -> int:
    analysis = start_analysis(rt, site, title, enqueue=False)
    assert analysis.job_id is not None
    return analysis.job_id


def gone_job(rt: Runtime, site: WikiSite, *, resolved_long_ago: bool) -> int:
    """A job for a page we stored that the wiki no longer has (deleted since)."""
    with rt.db.write() as conn:
        page = pages.upsert_page(conn, pages.ensure_wiki(conn, site), GONE)
        if resolved_long_ago:
            conn.execute(update(Page).where(Page.id == page.id).values(resolved_at=0.0))
    job_id, _ = rt.jobs.submit(page.id)
    return job_id


def job_of(rt: Runtime, job_id: int) -> JobSnapshot:
    job = rt.jobs.get(job_id)
    assert job is not None
    return job


def kinds(rt: Runtime, job_id: int) -> list[str]:
    return [event.kind for event in events_after(rt.db, job_id)]


def stored_revids(rt: Runtime, page_id: int) -> list[int]:
    with rt.db.read() as conn:
        return list(
            conn.execute(
                select(Revision.revid)
                .where(Revision.page_id == page_id)
                .order_by(Revision.ts, Revision.revid)
            ).scalars()
        )


def claim(rt: Runtime, job_id: int) -> Claim:
    taken = rt.jobs.claim(job_id)
    assert taken is not None
    return taken


def when_stored(rt: Runtime, act: Callable[[JobSnapshot], object]) -> None:
    """Call `act(job)` once, in the runner's own thread, right after the first batch of
    revisions of a job is committed (its wake-up), so a run is caught in its middle."""
    acted = threading.Event()

    def on_wakeup(job_id: int) -> None:
        if acted.is_set():
            return
        job = rt.jobs.get(job_id)
        if job is not None and job.done > 0 and job.status is JobStatus.RUNNING:
            acted.set()
            act(job)

    rt.notifier.subscribe(on_wakeup)


# -- how a run ends -----------------------------------------------------------------------


def test_run_job_stores_every_revision_and_ends_done(
    rt: Runtime, site: WikiSite, simulator: SimulatorServer, requeued: list[int]
) -> None:
    job_id = new_job(rt, site)
    result = run_job(rt, job_id, threading.Event(), requeue=requeued.append)
    assert result is not None
    assert (result.new_revisions, result.stored_revisions) == (300, 300)
    job = job_of(rt, job_id)
    assert (job.status, job.stage) == (JobStatus.DONE, Stage.DONE)
    assert (job.done, job.total, job.new_revisions) == (300, 300, 300)
    assert job.message == "300 new revisions" and job.error is None
    assert job.finished_at is not None
    history = simulator.sim.history("Synthetic 300")
    assert history is not None
    assert stored_revids(rt, job.page_id) == [rev["revid"] for rev in history.iter()]
    events = kinds(rt, job_id)
    assert events[:2] == [EventKind.QUEUED, EventKind.STARTED]
    assert events[-1] == EventKind.DONE and events.count(EventKind.DONE) == 1
    assert requeued == []


def test_run_job_of_a_job_it_cannot_claim_does_nothing(rt: Runtime, site: WikiSite) -> None:
    job_id = new_job(rt, site)
    claim(rt, job_id)  # another worker has it
    assert run_job(rt, job_id, threading.Event()) is None
    assert job_of(rt, job_id).done == 0
    assert kinds(rt, job_id) == [EventKind.QUEUED, EventKind.STARTED]


def test_run_job_analyses_what_it_stored_before_it_is_done(rt: Runtime, site: WikiSite) -> None:
    job_id = new_job(rt, site)
    seen: list[tuple[int, str]] = []

    def analyse(db: Database, page: PageRef) -> None:
        seen.append((page.stored_revisions, job_of(rt, job_id).stage))

    run_job(rt, job_id, threading.Event(), analyse=analyse)
    assert seen == [(300, Stage.ANALYSING)]
    assert job_of(rt, job_id).status is JobStatus.DONE


@pytest.mark.parametrize(
    ("resolved_ago", "requests"),
    [(0.0, 0), (RESOLVE_REUSE + 1, 1)],
    ids=["resolved-just-now", "resolved-long-ago"],
)
def test_run_job_of_a_current_page_is_done_at_once(
    rt: Runtime,
    site: WikiSite,
    simulator: SimulatorServer,
    resolved_ago: float,
    requests: int,
) -> None:
    fetch(rt, "Synthetic 300")
    with rt.db.write() as conn:
        wiki_id = pages.wiki_id(conn, site.key)
        assert wiki_id is not None
        page = pages.page_by_title(conn, wiki_id, "Synthetic 300")
        assert page is not None
        conn.execute(
            update(Page).where(Page.id == page.id).values(resolved_at=time.time() - resolved_ago)
        )
    job_id = refresh_analysis(rt, page)
    simulator.sim.reset_stats()
    result = run_job(rt, job_id, threading.Event())
    assert result is not None and result.new_revisions == 0
    job = job_of(rt, job_id)
    assert job.status is JobStatus.DONE and job.message == "already up to date"
    assert simulator.sim.stats.requests == requests  # a recent resolve is not repeated


def test_run_claimed_stopped_midway_goes_back_to_the_queue_with_its_checkpoint(
    rt: Runtime, site: WikiSite, simulator: SimulatorServer, requeued: list[int]
) -> None:
    job_id = new_job(rt, site, "Synthetic 5000")
    stop = threading.Event()
    when_stored(rt, lambda job: stop.set())  # as SIGTERM would, between two batches
    simulator.sim.latency = 0.01
    assert run_claimed(rt, claim(rt, job_id), stop, requeue=requeued.append) is None
    assert requeued == [job_id]
    job = job_of(rt, job_id)
    # Queued again, at the stage it reached: a page never goes back to "Waiting for a
    # worker" (issue 11), nor, once resumed, to "Counting revisions".
    assert (job.status, job.stage) == (JobStatus.QUEUED, Stage.FETCHING)
    assert job.message == "the worker stopped; resuming where it left off"
    assert job.error is None
    assert kinds(rt, job_id)[-1] == EventKind.REQUEUED
    stored = stored_revids(rt, job.page_id)
    assert 0 < job.done == len(stored) < 5000
    # The next run resumes right after the last stored revision.
    again = claim(rt, job_id)
    assert again.attempt == 2 and again.checkpoint is not None
    history = simulator.sim.history("Synthetic 5000")
    assert history is not None
    next_revid = int(again.checkpoint["rvcontinue"].split("|")[1])
    assert history.index_of(next_revid) == len(stored)
    assert stored == [rev["revid"] for rev in history.iter(0, len(stored))]
    # The stopped run's new revisions stay the job's (a reviewer saw a job that gave way
    # end with "172,500 new revisions" of 200,000): the next run counts on from them.
    assert again.new_before == job.new_revisions == len(stored)
    simulator.sim.latency = 0.0
    assert run_claimed(rt, again, threading.Event(), requeue=requeued.append) is not None
    done = job_of(rt, job_id)
    assert (done.status, done.done, done.new_revisions) == (JobStatus.DONE, 5000, 5000)
    assert done.message == "5,000 new revisions"


@pytest.mark.parametrize("resolved_long_ago", [True, False], ids=["on-resolve", "on-walk"])
def test_run_claimed_of_a_page_deleted_on_the_wiki_fails_readably(
    rt: Runtime, site: WikiSite, requeued: list[int], resolved_long_ago: bool
) -> None:
    job_id = gone_job(rt, site, resolved_long_ago=resolved_long_ago)
    assert run_claimed(rt, claim(rt, job_id), threading.Event(), requeue=requeued.append) is None
    job = job_of(rt, job_id)
    assert (job.status, job.stage) == (JobStatus.FAILED, Stage.FAILED)
    assert job.error is not None
    assert job.error.startswith("the page was deleted or moved away")
    assert "Traceback" not in job.error
    assert kinds(rt, job_id)[-1] == EventKind.FAILED
    assert requeued == []


def test_run_claimed_while_the_wiki_keeps_failing_requeues_then_fails(
    rt: Runtime, site: WikiSite, simulator: SimulatorServer, requeued: list[int]
) -> None:
    job_id = new_job(rt, site)
    simulator.sim.faults = FaultSpec.parse("5xx=1,retry_after=0")
    assert run_claimed(rt, claim(rt, job_id), threading.Event(), requeue=requeued.append) is None
    job = job_of(rt, job_id)
    assert job.status is JobStatus.QUEUED  # attempts remain: later, not now
    assert job.message is not None
    assert "did not answer usefully" in job.message and "trying again in 10 s" in job.message
    assert requeued == [job_id]
    assert rt.jobs.claim(job_id) is None  # not due yet
    rt.jobs.clock = lambda: time.time() + 60  # ...but a minute later it is
    last = claim(rt, job_id)
    assert last.attempt == rt.settings.job_attempts
    assert run_claimed(rt, last, threading.Event(), requeue=requeued.append) is None
    job = job_of(rt, job_id)
    assert job.status is JobStatus.FAILED
    assert job.error is not None and "did not answer usefully" in job.error
    assert requeued == [job_id]  # not again
    assert kinds(rt, job_id)[-1] == EventKind.FAILED


def test_the_wait_before_a_failing_wiki_is_tried_again_is_the_operator_s(
    rt: Runtime, site: WikiSite, simulator: SimulatorServer, requeued: list[int]
) -> None:
    rt.settings = rt.settings.model_copy(update={"job_retry_delay": 3.0})
    job_id = new_job(rt, site)
    simulator.sim.faults = FaultSpec.parse("5xx=1,retry_after=0")
    now = time.time()
    assert run_claimed(rt, claim(rt, job_id), threading.Event(), requeue=requeued.append) is None
    job = job_of(rt, job_id)
    assert job.status is JobStatus.QUEUED and "trying again in 3 s" in (job.message or "")
    rt.jobs.clock = lambda: now + 2.5
    assert rt.jobs.claim(job_id) is None  # not due yet
    rt.jobs.clock = lambda: time.time() + 3.5
    assert claim(rt, job_id).attempt == 2


def test_run_claimed_stopping_while_the_wiki_fails_gives_the_job_back(
    rt: Runtime, site: WikiSite, simulator: SimulatorServer, requeued: list[int]
) -> None:
    # The worker is stopping when the wiki's last try fails: attempts remain, so the job
    # goes back to the queue like any job of a stopping worker (the module's contract).
    job_id = new_job(rt, site)
    simulator.sim.faults = FaultSpec.parse("5xx=1,retry_after=0")
    rt.settings.max_retries = 0  # the first failure is the last try
    stop = threading.Event()
    stop.set()
    run_claimed(rt, claim(rt, job_id), stop, requeue=requeued.append)
    job = job_of(rt, job_id)
    assert job.status is JobStatus.QUEUED, job.error
    assert requeued == [job_id]


@pytest.mark.parametrize(
    "make_error",
    [
        lambda: ValueError("no such column: secret_column"),
        lambda: OSError(errno.ENOSPC, "No space left on device", "/var/lib/secret_column"),
    ],
    ids=["driver", "errno"],
)
def test_run_job_that_breaks_unexpectedly_fails_in_plain_words(
    rt: Runtime,
    site: WikiSite,
    caplog: pytest.LogCaptureFixture,
    make_error: Callable[[], Exception],
) -> None:
    job_id = new_job(rt, site)
    error = make_error()  # a new one each time (a raised one holds its frames)

    def analyse(db: Database, page: PageRef) -> None:
        raise error

    with caplog.at_level(logging.ERROR, logger="wikivice.jobs.runner"):
        assert run_job(rt, job_id, threading.Event(), analyse=analyse) is None
    job = job_of(rt, job_id)
    assert job.status is JobStatus.FAILED
    assert job.error == INTERNAL_ERROR
    # The details are for the operator's log, not for whoever reads the job.
    shown = " ".join(str(e.data) for e in events_after(rt.db, job_id))
    for raw in ("secret_column", "Errno", "No space left", type(error).__name__):
        assert raw not in job.error and raw not in shown
    assert any(r.exc_info and "secret_column" in str(r.exc_info[1]) for r in caplog.records)
    assert kinds(rt, job_id)[-1] == EventKind.FAILED


def test_run_claimed_that_lost_its_lease_stops_without_writing(
    rt: Runtime, site: WikiSite, simulator: SimulatorServer, requeued: list[int]
) -> None:
    job_id = new_job(rt, site, "Synthetic 5000")
    taken: list[tuple[JobSnapshot, Claim]] = []

    def take_over(job: JobSnapshot) -> None:
        # The reaper of another process thought this worker dead and gave the job away.
        later = Jobs(rt.db, lambda job_id: None, clock=lambda: time.time() + 3600)
        assert later.reap(stale_seconds=60) == [job_id]
        other = later.claim(job_id)
        assert other is not None
        taken.append((job_of(rt, job_id), other))

    when_stored(rt, take_over)
    simulator.sim.latency = 0.01
    assert run_claimed(rt, claim(rt, job_id), threading.Event(), requeue=requeued.append) is None
    assert len(taken) == 1
    at_takeover, _ = taken[0]
    job = job_of(rt, job_id)
    assert job.status is JobStatus.RUNNING and job.attempts == 2  # the new owner's
    assert job.done == at_takeover.done  # nothing written since
    assert kinds(rt, job_id)[-2:] == [EventKind.STALLED, EventKind.STARTED]
    assert len(stored_revids(rt, job.page_id)) == at_takeover.done
    assert requeued == []


def test_retry_notices_of_a_run_become_retrying_events(
    rt: Runtime, site: WikiSite, simulator: SimulatorServer
) -> None:
    job_id = new_job(rt, site)
    simulator.sim.faults = FaultSpec.parse("5xx=1,count=1,retry_after=0")
    assert run_job(rt, job_id, threading.Event()) is not None
    events = events_after(rt.db, job_id)
    retrying = [event for event in events if event.kind == EventKind.RETRYING]
    assert len(retrying) == 1
    assert retrying[0].data["reason"] == "5xx"
    host = site.api_url.split("/")[2]
    assert retrying[0].data["message"] == (
        f"{host} is failing (HTTP 503); trying again now, attempt 2 of 2"
    )
    assert events[-1].kind == EventKind.DONE
