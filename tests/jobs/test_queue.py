"""The job queue on both backends, SQLite file and Redis: it delivers job ids to the
process that consumes it, each once, and nothing else."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from support import make_settings
from wikivice.jobs.queue import JobQueue
from wikivice.settings import Settings


@pytest.fixture(params=["sqlite", pytest.param("redis", marks=pytest.mark.redis)])
def queue_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    if request.param == "sqlite":
        return make_settings(tmp_path)
    return make_settings(tmp_path, redis_url=request.getfixturevalue("redis_url"))


@pytest.fixture
def make_queue(queue_settings: Settings) -> Iterator[Callable[[], JobQueue]]:
    """Queues on the same backend, as separate processes would have (closed afterwards:
    JobQueue has no close of its own)."""
    made: list[JobQueue] = []

    def make() -> JobQueue:
        made.append(JobQueue(queue_settings))
        return made[-1]

    yield make
    for queue in made:
        queue.huey.storage.close()
        pool = getattr(queue.huey.storage, "pool", None)
        if pool is not None:
            pool.disconnect()


def test_run_next_delivers_an_enqueued_job_once(make_queue: Callable[[], JobQueue]) -> None:
    web, worker = make_queue(), make_queue()  # one enqueues, another consumes
    handled: list[int] = []
    worker.handle_with(handled.append)
    web.enqueue(42)
    assert worker.run_next() is True
    assert handled == [42]
    assert worker.run_next() is False
    assert handled == [42]


def test_run_next_delivers_every_job(make_queue: Callable[[], JobQueue]) -> None:
    queue = make_queue()
    handled: list[int] = []
    queue.handle_with(handled.append)
    for job_id in (1, 2, 3):
        queue.enqueue(job_id)
    assert [queue.run_next() for _ in range(4)] == [True, True, True, False]
    assert sorted(handled) == [1, 2, 3]


def test_run_next_on_an_empty_queue_is_false(make_queue: Callable[[], JobQueue]) -> None:
    queue = make_queue()
    handled: list[int] = []
    queue.handle_with(handled.append)
    assert queue.run_next() is False
    assert handled == []


def test_a_process_that_does_not_handle_jobs_raises(make_queue: Callable[[], JobQueue]) -> None:
    queue = make_queue()
    queue.enqueue(42)
    with pytest.raises(RuntimeError, match="does not run jobs"):
        queue.run_next()


def test_enqueue_sets_the_enqueued_event(make_queue: Callable[[], JobQueue]) -> None:
    # A consumer in the same process waits on it rather than polling the SQLite file.
    queue = make_queue()
    assert not queue.enqueued.is_set()
    queue.enqueue(42)
    assert queue.enqueued.is_set()


def test_the_backend_follows_the_settings(
    make_queue: Callable[[], JobQueue], queue_settings: Settings
) -> None:
    queue = make_queue()
    queue.enqueue(42)
    uses_redis = queue_settings.redis_url is not None
    assert type(queue.huey).__name__ == ("RedisHuey" if uses_redis else "SqliteHuey")
    assert queue_settings.queue_path.exists() is not uses_redis  # the file, in the data dir
