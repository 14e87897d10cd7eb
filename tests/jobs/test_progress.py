"""A running job's progress on its own (`jobs.progress.JobProgress`, SQLite: its SQL is
the state machine's): throttled progress events while every batch checkpoints, rate and
ETA at the wiki's pace, estimates past the count's cap, wake-ups after commits, retry
notices in plain words."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from support import make_settings
from wikivice.jobs.events import Event, events_after
from wikivice.jobs.machine import Claim, Jobs
from wikivice.jobs.progress import PROGRESS_EVERY, JobProgress
from wikivice.store import pages
from wikivice.store.database import Database
from wikivice.store.fetcher import Interrupted
from wikivice.store.models import FetchJob
from wikivice.store.vocabulary import EventKind
from wikivice.wiki.client import ResolvedPage, RevisionBatch
from wikivice.wiki.sites import parse_wiki
from wikivice.wiki.timestamps import iso
from wikivice.wiki.transport import RetryNotice

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
