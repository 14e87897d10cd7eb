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
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import select, update

from support import fetch, make_settings
from wikivice.jobs.analyses import refresh_analysis, start_analysis
from wikivice.jobs.asked import RESOLVE_REUSE
from wikivice.jobs.events import Event, events_after
from wikivice.jobs.machine import Claim, Jobs
from wikivice.jobs.progress import PROGRESS_EVERY, JobProgress
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
from wikivice.store.fetcher import Interrupted
from wikivice.store.models import FetchJob, Page, Revision
from wikivice.store.pages import PageRef
from wikivice.store.vocabulary import EventKind, JobStatus, Stage
from wikivice.wiki.client import ResolvedPage, RevisionBatch
from wikivice.wiki.sites import WikiSite, parse_wiki
from wikivice.wiki.timestamps import iso
from wikivice.wiki.transport import RetryNotice

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


# -- JobProgress, on its own (SQLite: its SQL is the state machine's) ------------------------


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Iterator[Database]:
    db = Database(make_settings(tmp_path).sqlalchemy_url)
    db.migrate()
    yield db
    db.dispose()


@pytest.fixture
def woken() -> list[int]:
    return []


@pytest.fixture
def jobs(sqlite_db: Database, woken: list[int]) -> Jobs:
    return Jobs(sqlite_db, woken.append)


@pytest.fixture
def running(jobs: Jobs, sqlite_db: Database) -> Claim:
    with sqlite_db.write() as conn:
        wiki_id = pages.ensure_wiki(conn, parse_wiki("en"))
        page = pages.upsert_page(conn, wiki_id, ResolvedPage(7, 0, "Coffee", 100, 2000))
    job_id, _ = jobs.submit(page.id)
    taken = jobs.claim(job_id)
    assert taken is not None
    return taken


def progress_events(db: Database, job_id: int) -> list[Event]:
    return [e for e in events_after(db, job_id) if e.kind == EventKind.PROGRESS]


def stored_batch(
    progress: JobProgress,
    db: Database,
    done: int,
    total: int | None = 5000,
    checkpoint: dict[str, str] | None = None,
) -> bool:
    with db.write() as conn:
        return progress.batch_stored(conn, done, total, checkpoint)


def checkpoint_of(db: Database, job_id: int) -> str | None:
    with db.read() as conn:
        return conn.execute(select(FetchJob.checkpoint).where(FetchJob.id == job_id)).scalar()


MORE = {"rvcontinue": "20200119165415|10050000000501", "continue": "||"}


def test_progress_events_are_throttled_but_every_batch_checkpoints(
    jobs: Jobs, running: Claim, sqlite_db: Database
) -> None:
    progress = JobProgress(jobs, running, parse_wiki("en"), 0)
    assert stored_batch(progress, sqlite_db, 500, checkpoint=MORE) is True
    assert stored_batch(progress, sqlite_db, 1000, checkpoint=MORE | {"n": "2"}) is False
    assert len(progress_events(sqlite_db, running.job_id)) == 1
    job = jobs.get(running.job_id)
    assert job is not None and job.done == 1000  # recorded all the same...
    assert checkpoint_of(sqlite_db, running.job_id) == (  # ...with its checkpoint
        '{"rvcontinue":"20200119165415|10050000000501","continue":"||","n":"2"}'
    )
    time.sleep(PROGRESS_EVERY)
    assert stored_batch(progress, sqlite_db, 1500, checkpoint=MORE) is True
    assert [e.data["done"] for e in progress_events(sqlite_db, running.job_id)] == [500, 1500]


def test_the_last_batch_always_shows(jobs: Jobs, running: Claim, sqlite_db: Database) -> None:
    progress = JobProgress(jobs, running, parse_wiki("en"), 0)
    assert stored_batch(progress, sqlite_db, 500, checkpoint=MORE) is True
    assert stored_batch(progress, sqlite_db, 700, checkpoint=None) is True  # at once
    assert [e.data["done"] for e in progress_events(sqlite_db, running.job_id)] == [500, 700]


def walk(progress: JobProgress, batches: int, pause: float = 0.1) -> float:
    """`batches` batches of 500 revisions walked, `pause` apart; returns the seconds."""
    started = time.monotonic()
    for k in range(batches):
        if k:
            time.sleep(pause)
        when = 1_500_000_000 + k * 500 * 60
        progress.walked(
            RevisionBatch([{"timestamp": iso(when + 60 * i)} for i in range(500)], MORE)
        )
    return time.monotonic() - started


def test_progress_events_carry_rate_and_eta(
    jobs: Jobs, running: Claim, sqlite_db: Database
) -> None:
    progress = JobProgress(jobs, running, parse_wiki("en"), 1000)  # 1,000 stored before
    progress.total(5000, False)
    elapsed = walk(progress, 3)
    stored_batch(progress, sqlite_db, 2500, total=5000, checkpoint=MORE)
    event = progress_events(sqlite_db, running.job_id)[-1]
    rate, eta = event.data["rate"], event.data["eta"]
    # This run's revisions per second: 1,000 after the first batch, in 0.2 s and a bit.
    assert 1000 / elapsed - 1 <= rate <= 1000 / 0.2
    # Requests left (2,500 / 500 a request) over requests a second (rate / 500).
    assert eta == pytest.approx(5 / (rate / 500), abs=0.06)  # (rounded to 0.1 s)
    assert event.data["total_is_estimate"] is False


def test_batches_fetched_ahead_count_at_the_wikis_pace_not_the_queues(
    jobs: Jobs, running: Claim, sqlite_db: Database
) -> None:
    """Batches the fetcher got ahead (a tenth of a second apart) and stored in a burst:
    the rate, and so the ETA, is the wiki's, not the burst's (bench/progress.py showed
    ETAs half the truth at 20% before)."""
    progress = JobProgress(jobs, running, parse_wiki("en"), 0)
    progress.total(50_000, False)
    fetched = time.monotonic() - 1.0
    for k in range(11):
        when = 1_500_000_000 + k * 500 * 60
        revisions = [{"timestamp": iso(when + 60 * i)} for i in range(500)]
        progress.walked(RevisionBatch(revisions, MORE, fetched_at=fetched + k * 0.1))
    stored_batch(progress, sqlite_db, 5500, total=50_000, checkpoint=MORE)
    event = progress_events(sqlite_db, running.job_id)[-1]
    assert event.data["rate"] == pytest.approx(5000, rel=0.05)  # 10 requests a second
    assert event.data["eta"] == pytest.approx(89 / 10, abs=0.1)  # 89 requests left


def test_progress_without_a_total_has_no_eta(
    jobs: Jobs, running: Claim, sqlite_db: Database
) -> None:
    progress = JobProgress(jobs, running, parse_wiki("en"), 0)
    walk(progress, 2, pause=0.05)
    stored_batch(progress, sqlite_db, 1000, total=None, checkpoint=MORE)
    (event,) = progress_events(sqlite_db, running.job_id)
    assert event.data["rate"] > 0 and event.data["eta"] is None


def test_a_capped_count_becomes_an_estimate_once_the_walk_shows_a_rate(
    jobs: Jobs, running: Claim, sqlite_db: Database
) -> None:
    progress = JobProgress(jobs, running, parse_wiki("en"), 0)
    progress.total(30_000, True)  # the REST count stops there
    job = jobs.get(running.job_id)
    assert job is not None and (job.total, job.total_is_estimate) == (30_000, False)
    # An edit a minute so far, and as often lately, until 1,000 hours after the walk began.
    progress.far_end([1_500_000_000 + 3_600_000 - 60 * i for i in range(500)])
    walk(progress, 6, pause=0.01)
    stored_batch(progress, sqlite_db, 3000, total=30_000, checkpoint=None)
    event = progress_events(sqlite_db, running.job_id)[-1]
    assert event.data["total_is_estimate"] is True and event.data["total_is_lower_bound"] is True
    assert event.data["total"] == pytest.approx(3_000 + (3_600_000 - 180_000) / 60, rel=0.01)
    assert event.data["eta"] is not None


def test_followers_are_woken_after_the_commit_of_an_event_only(
    jobs: Jobs, running: Claim, sqlite_db: Database, woken: list[int]
) -> None:
    progress = JobProgress(jobs, running, parse_wiki("en"), 0)
    woken.clear()
    stored_batch(progress, sqlite_db, 500, checkpoint=MORE)
    assert woken == []  # the batch's transaction wrote the event: not before its commit
    progress.batch_committed()
    assert woken == [running.job_id]
    stored_batch(progress, sqlite_db, 1000, checkpoint=MORE)  # throttled: no event
    progress.batch_committed()
    assert woken == [running.job_id]


@pytest.mark.parametrize(
    ("notice", "message"),
    [
        (
            RetryNotice("unreachable", "the connection was refused", 7.6, 1, 6),
            "stopped answering (the connection was refused); trying again in 8 s, attempt 2 of 6",
        ),
        (
            RetryNotice("maxlag", "the wiki's database is lagged (6 s)", 5.0, 1, 7),
            "asked us to slow down (the wiki's database is lagged (6 s)); trying again in 5 s, "
            "attempt 2 of 7",
        ),
        (
            RetryNotice("429", "HTTP 429", 2.0, 2, 7),
            "asked us to slow down (HTTP 429); trying again in 2 s, attempt 3 of 7",
        ),
        (
            RetryNotice("5xx", "HTTP 503", 1.0, 1, 7),
            "is failing (HTTP 503); trying again in 1 s, attempt 2 of 7",
        ),
        (
            RetryNotice("timeout", "no answer within 30 s", 4.0, 3, 7),
            "stopped answering (no answer within 30 s); trying again in 4 s, attempt 4 of 7",
        ),
    ],
    ids=lambda v: v.reason if isinstance(v, RetryNotice) else "",
)
def test_retry_notices_become_retrying_events_with_plain_messages(
    jobs: Jobs, running: Claim, sqlite_db: Database, notice: RetryNotice, message: str
) -> None:
    site = parse_wiki("fr")
    JobProgress(jobs, running, site, 0).retrying(notice)
    (event,) = [e for e in events_after(sqlite_db, running.job_id) if e.kind == "retrying"]
    assert event.data["message"] == f"fr.wikipedia.org {message}"
    assert (event.data["reason"], event.data["wait"]) == (notice.reason, notice.wait)
    assert (event.data["attempt"], event.data["tries"]) == (notice.attempt + 1, notice.tries)
    job = jobs.get(running.job_id)
    assert job is not None and job.message == f"fr.wikipedia.org {message}"
    assert "maxlag" not in message and "5xx" not in message  # our words, not a code


def test_a_retry_notice_after_losing_the_lease_interrupts_the_run(
    jobs: Jobs, running: Claim, sqlite_db: Database
) -> None:
    progress = JobProgress(jobs, running, parse_wiki("en"), 0)
    later = Jobs(sqlite_db, lambda job_id: None, clock=lambda: time.time() + 3600)
    later.reap(stale_seconds=60)
    with pytest.raises(Interrupted):
        progress.retrying(RetryNotice("5xx", "HTTP 503", 1.0, 1))
