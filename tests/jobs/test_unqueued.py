"""Jobs that no queue holds (issue 10): with Redis down, a new job stays queued and
marked, whoever joins it tries the queue again, and the reaper puts it on the queue once
Redis is back, so it runs. On SQLite and PostgreSQL, with a throwaway redis-server."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from services import RedisServer
from support import delivered, free_port, make_settings
from wikivice.jobs import unqueued
from wikivice.jobs.analyses import refresh_analysis, start_analysis
from wikivice.jobs.queue import QueueUnavailable
from wikivice.jobs.runtime import Runtime
from wikivice.jobs.worker import Reaper
from wikivice.settings import Settings
from wikivice.simulator import SimulatorServer
from wikivice.store import pages
from wikivice.store.vocabulary import JobStatus
from wikivice.wiki.sites import parse_wiki


@pytest.fixture
def redis_down() -> Iterator[RedisServer]:
    """A Redis that is not running yet, on a port of its own."""
    server = RedisServer(free_port())
    yield server
    server.stop()


@pytest.fixture
def down_rt(
    settings: Settings, simulator: SimulatorServer, redis_down: RedisServer, tmp_path: Path
) -> Iterator[Runtime]:
    changed = make_settings(
        tmp_path,
        database_url=settings.database_url,
        default_wiki=simulator.api_url,
        redis_url=redis_down.url,
    )
    runtime = Runtime.create(changed)
    yield runtime
    runtime.close()


def test_a_job_the_queue_refused_stays_queued_and_marked(down_rt: Runtime) -> None:
    site = parse_wiki(down_rt.settings.default_wiki)
    with pytest.raises(QueueUnavailable):
        start_analysis(down_rt, site, "Synthetic 10")
    [job_id] = unqueued.marked_jobs(down_rt.db)
    job = down_rt.jobs.get(job_id)
    assert job is not None and job.status == JobStatus.QUEUED
    assert job.message == unqueued.WAITING_FOR_QUEUE
    # A visitor who joins it tries the queue again (and is told it is down), not left
    # waiting for a job nobody will ever run.
    with pytest.raises(QueueUnavailable):
        start_analysis(down_rt, site, "Synthetic 10")
    assert unqueued.marked_jobs(down_rt.db) == [job_id]


def test_the_reaper_queues_marked_jobs_once_redis_is_back(
    down_rt: Runtime, redis_down: RedisServer
) -> None:
    site = parse_wiki(down_rt.settings.default_wiki)
    for title in ("Synthetic 10", "Synthetic 11"):
        with pytest.raises(QueueUnavailable):
            start_analysis(down_rt, site, title)
    marked = unqueued.marked_jobs(down_rt.db)
    reaper = Reaper(down_rt, threading.Event())
    assert len(marked) == 2 and reaper.reap_once() == []  # still down: still marked
    assert unqueued.marked_jobs(down_rt.db) == marked
    redis_down.start()
    assert reaper.reap_once() == marked
    assert unqueued.marked_jobs(down_rt.db) == []
    assert sorted(delivered(down_rt)) == marked
    job = down_rt.jobs.get(marked[0])
    assert job is not None and job.message == "waiting for a worker"


def test_joining_a_marked_job_once_redis_is_back_queues_it(
    down_rt: Runtime, redis_down: RedisServer
) -> None:
    site = parse_wiki(down_rt.settings.default_wiki)
    with pytest.raises(QueueUnavailable):
        start_analysis(down_rt, site, "Synthetic 10")
    redis_down.start()
    joined = start_analysis(down_rt, site, "Synthetic 10")
    assert not joined.created and unqueued.marked_jobs(down_rt.db) == []
    assert delivered(down_rt) == [joined.job_id]


def test_a_refresh_the_queue_refused_is_marked_too(down_rt: Runtime) -> None:
    site = parse_wiki(down_rt.settings.default_wiki)
    with pytest.raises(QueueUnavailable):
        start_analysis(down_rt, site, "Synthetic 12")
    with down_rt.db.read() as conn:
        page = pages.find_page(conn, site.key, "Synthetic 12")
    assert page is not None
    with pytest.raises(QueueUnavailable):
        refresh_analysis(down_rt, page)
    assert len(unqueued.marked_jobs(down_rt.db)) == 1


def test_a_marked_job_a_worker_claims_is_no_longer_marked(down_rt: Runtime) -> None:
    site = parse_wiki(down_rt.settings.default_wiki)
    with pytest.raises(QueueUnavailable):
        start_analysis(down_rt, site, "Synthetic 10")
    [job_id] = unqueued.marked_jobs(down_rt.db)
    claim = down_rt.jobs.claim(job_id)  # delivered after all (a reply lost, not the task)
    assert claim is not None and unqueued.marked_jobs(down_rt.db) == []
    unqueued.mark(down_rt.db, job_id)  # a late mark leaves a running job alone
    assert unqueued.marked_jobs(down_rt.db) == []
    assert down_rt.jobs.heartbeat(claim)
