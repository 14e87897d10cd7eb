"""Fair queues: the lanes, the line a queued job sees, huge jobs giving way, and two
workers on real HTTP where a small job submitted after huge ones finishes first."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import distinct, func, select, update

from support import Clock
from wikivice.jobs import lanes
from wikivice.jobs.analyses import start_analysis
from wikivice.jobs.events import events_after
from wikivice.jobs.lanes import GAVE_WAY, Turn, describe, expected_wait, place_in_line
from wikivice.jobs.machine import Jobs
from wikivice.jobs.runtime import Runtime
from wikivice.jobs.worker import Worker
from wikivice.settings import Settings
from wikivice.simulator import SimulatorServer
from wikivice.store import pages
from wikivice.store.database import Database
from wikivice.store.models import FetchJob, Revision
from wikivice.store.vocabulary import EventKind, JobStatus
from wikivice.wiki.client import ResolvedPage
from wikivice.wiki.sites import parse_wiki

THRESHOLD = 1000


def new_jobs(db: Database, jobs: Jobs, totals: list[int | None]) -> list[int]:
    """A queued job per total (None: not counted yet), in that order."""
    with db.write() as conn:
        wiki_id = pages.ensure_wiki(conn, parse_wiki("en"))
        page_ids = [
            pages.upsert_page(conn, wiki_id, ResolvedPage(n, 0, f"Page {n}", 100, 2000)).id
            for n in range(1, len(totals) + 1)
        ]
    job_ids = [jobs.submit(page_id)[0] for page_id in page_ids]
    with db.write() as conn:
        for job_id, total in zip(job_ids, totals, strict=True):
            conn.execute(update(FetchJob).where(FetchJob.id == job_id).values(total=total))
    return job_ids


def places(db: Database, jobs: Jobs, job_ids: list[int]) -> list[int | None]:
    found = [jobs.get(job_id) for job_id in job_ids]
    return [place_in_line(db, job, THRESHOLD).position for job in found if job is not None]


def test_small_jobs_are_in_line_before_huge_ones_in_the_order_they_came(
    db: Database, jobs: Jobs
) -> None:
    job_ids = new_jobs(db, jobs, [50_000, None, 800, 20_000, 10])
    assert places(db, jobs, job_ids) == [4, 1, 2, 5, 3]


def test_a_revision_limit_makes_a_huge_history_a_small_job(db: Database, jobs: Jobs) -> None:
    huge, limited = new_jobs(db, jobs, [50_000, 50_000])
    with db.write() as conn:
        conn.execute(update(FetchJob).where(FetchJob.id == limited).values(revision_limit=500))
    assert places(db, jobs, [huge, limited]) == [2, 1]


def test_jobs_out_of_line_are_not_counted(db: Database, jobs: Jobs, clock: Clock) -> None:
    marked, later, running, waiting = new_jobs(db, jobs, [None, None, None, None])
    with db.write() as conn:  # no queue holds it (jobs.unqueued), and one retries later
        conn.execute(update(FetchJob).where(FetchJob.id == marked).values(claimed_by="unqueued"))
        conn.execute(
            update(FetchJob).where(FetchJob.id == later).values(not_before=time.time() + 60)
        )
    assert jobs.claim(running) is not None
    assert places(db, jobs, [waiting]) == [1]
    job = jobs.get(running)
    assert job is not None and place_in_line(db, job, THRESHOLD).position is None


def test_expected_wait_from_recent_small_runs(db: Database, jobs: Jobs, clock: Clock) -> None:
    *finished, running, first, second, third = new_jobs(db, jobs, [None] * 6)
    for job_id, seconds in zip(finished, (8.0, 12.0), strict=True):
        claim = jobs.claim(job_id)
        assert claim is not None
        clock.now += seconds
        jobs.finish(claim, "done", total=100)
    assert jobs.claim(running) is not None
    job = jobs.get(third)
    assert job is not None
    placed = place_in_line(db, job, THRESHOLD)
    # Third in line, 10 s a job (the median), one worker busy.
    assert placed.position == 3 and placed.expected_wait == 30.0
    assert placed.place == "3rd in line, about 30 s"


def test_expected_wait_and_its_words() -> None:
    assert expected_wait(4, 2, [10.0, 20.0, 30.0]) == 40.0
    assert expected_wait(1, 0, [6.0]) == 6.0  # nobody busy: counted as one worker
    assert expected_wait(3, 1, []) is None
    assert describe(1, 4.2) == "next in line, about 4 s"
    assert describe(2, None) == "2nd in line"
    assert describe(13, 600.0) == "13th in line, about 10 min"
    assert describe(22, 0.1) == "22nd in line, about 1 s"


def test_a_huge_job_gives_way_only_after_its_turn_and_to_a_small_job_that_waited(
    db: Database, jobs: Jobs
) -> None:
    huge, small = new_jobs(db, jobs, [50_000, None])
    now = [0.0]
    turn = Turn(db, huge, THRESHOLD, clock=lambda: now[0])
    with db.write() as conn:  # the small one has just come
        conn.execute(update(FetchJob).where(FetchJob.id == small).values(created_at=time.time()))
    assert not turn.over()  # its first MIN_TURN seconds are its own
    now[0] = lanes.MIN_TURN
    assert not turn.over()  # the small one has not waited a second yet
    with db.write() as conn:
        conn.execute(
            update(FetchJob).where(FetchJob.id == small).values(created_at=time.time() - 2)
        )
    now[0] += 0.5
    assert not turn.over()  # it looks once a second, not at every batch
    now[0] += lanes.LOOK_EVERY
    assert turn.over() and turn.over()  # and once over, it stays over


def test_a_small_job_never_gives_way(db: Database, jobs: Jobs) -> None:
    running, waiting = new_jobs(db, jobs, [THRESHOLD, None])
    with db.write() as conn:
        conn.execute(
            update(FetchJob).where(FetchJob.id == waiting).values(created_at=time.time() - 60)
        )
    turn = Turn(db, running, THRESHOLD, clock=lambda: 1e9)
    assert not turn.over()


@pytest.fixture
def fair_rt(wiki_settings: Settings, simulator: SimulatorServer) -> Iterator[Runtime]:
    settings = wiki_settings.model_copy(update={"huge_job_revisions": THRESHOLD})
    simulator.sim.latency = 0.05
    runtime = Runtime.create(settings)
    yield runtime
    runtime.close()


def test_a_small_job_submitted_after_huge_ones_finishes_first_with_two_workers(
    fair_rt: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(lanes, "MIN_TURN", 0.3)
    monkeypatch.setattr(lanes, "LOOK_EVERY", 0.1)
    monkeypatch.setattr(lanes, "SMALL_WAITED", 0.3)
    site = parse_wiki(fair_rt.settings.default_wiki)
    worker = Worker(fair_rt, threads=2)
    worker.start()
    try:  # huge: 400 requests of 50 ms at the least, far longer than the test waits
        huge = [start_analysis(fair_rt, site, f"Synthetic {n}").job_id for n in (200_000, 200_001)]
        wait_until(lambda: all(running(fair_rt, j) for j in huge), 60)
        small = start_analysis(fair_rt, site, "Synthetic 700").job_id
        assert small is not None
        wait_until(lambda: finished(fair_rt, small), 60)
        assert not any(finished(fair_rt, j) for j in huge)  # both still under way
        # The one that gave way is taken again once the small one is through.
        wait_until(lambda: any(len(claims(fair_rt, j)) >= 2 for j in huge), 60)
    finally:
        worker.stop()  # the huge ones go back to the queue, to resume later
    job = fair_rt.jobs.get(small)
    # All 700 stored (the first 500 may come with the title's lookup: one round trip).
    assert job is not None and job.status == JobStatus.DONE and job.done == 700
    gave_way = [j for j in huge if len(claims(fair_rt, j)) >= 2]
    requeued = [e for e in events_after(fair_rt.db, gave_way[0]) if e.kind == EventKind.REQUEUED]
    assert requeued[0].data["message"] == GAVE_WAY
    with fair_rt.db.read() as conn:  # resumed from its checkpoint: every revision once
        stored = conn.execute(
            select(func.count(Revision.id), func.count(distinct(Revision.revid)))
        ).one()
    assert stored[0] == stored[1] > 700


def claims(rt: Runtime, job_id: int | None) -> list[object]:
    """The job's `started` events: one per claim."""
    assert job_id is not None
    return [e for e in events_after(rt.db, job_id) if e.kind == EventKind.STARTED]


def running(rt: Runtime, job_id: int | None) -> bool:
    job = rt.jobs.get(job_id) if job_id is not None else None
    return job is not None and job.status == JobStatus.RUNNING and job.total is not None


def finished(rt: Runtime, job_id: int | None) -> bool:
    job = rt.jobs.get(job_id) if job_id is not None else None
    return job is not None and job.finished


def wait_until(done: Callable[[], bool], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not done():
        assert time.monotonic() < deadline, "took too long"
        time.sleep(0.05)
