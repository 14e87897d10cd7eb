"""Event streams: replay then follow, in order, ending at the terminal event, with or
without wake-ups (the poll is the safety net), shared by many streams."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable

import pytest

from wikivice import events as events_module
from wikivice import pages
from wikivice.db import Database
from wikivice.events import Event, EventHub, LocalNotifier, RedisNotifier
from wikivice.jobs import Claim, Jobs
from wikivice.mediawiki import ResolvedPage
from wikivice.wikis import parse_wiki


class SilentNotifier(LocalNotifier):
    """Loses every wake-up: only the poll can deliver."""

    def publish(self, job_id: int) -> None:
        pass


def make_job(db: Database, notify: Callable[[int], None]) -> tuple[Jobs, Claim]:
    with db.write() as conn:
        wiki_id = pages.ensure_wiki(conn, parse_wiki("en"))
        page = pages.upsert_page(conn, wiki_id, ResolvedPage(1, 0, "Tea", 9, 10))
    jobs = Jobs(db, notify)
    job_id, _ = jobs.submit(page.id)
    claim = jobs.claim(job_id)
    assert claim is not None
    return jobs, claim


def run_progress(jobs: Jobs, claim: Claim, steps: int, pause: float) -> threading.Thread:
    def work() -> None:
        for n in range(1, steps + 1):
            time.sleep(pause)
            jobs.update(claim, "progress", done=n * 10, total=steps * 10)
        jobs.finish(claim, "done")

    thread = threading.Thread(target=work)
    thread.start()
    return thread


async def collect(hub: EventHub, job_id: int, after: int = 0) -> list[Event]:
    return [event async for event in hub.stream(job_id, after)]


def test_stream_replays_a_finished_job(db: Database) -> None:
    notifier = LocalNotifier()
    jobs, claim = make_job(db, notifier.publish)
    jobs.update(claim, "progress", done=5)
    jobs.finish(claim, "ok")
    hub = EventHub(db, notifier, poll_seconds=0.2)
    got = asyncio.run(collect(hub, claim.job_id))
    assert [e.kind for e in got] == ["queued", "started", "progress", "done"]
    assert [e.seq for e in got] == [1, 2, 3, 4]
    tail = asyncio.run(collect(hub, claim.job_id, after=2))
    assert [e.seq for e in tail] == [3, 4]


@pytest.mark.parametrize("notifier_class", [LocalNotifier, SilentNotifier])
def test_stream_follows_a_running_job_to_the_end(
    db: Database, notifier_class: type[LocalNotifier]
) -> None:
    notifier = notifier_class()
    jobs, claim = make_job(db, notifier.publish)
    hub = EventHub(db, notifier, poll_seconds=0.1)

    async def scenario() -> list[Event]:
        task = asyncio.create_task(collect(hub, claim.job_id))
        await asyncio.sleep(0.05)
        worker = run_progress(jobs, claim, steps=10, pause=0.02)
        got = await asyncio.wait_for(task, 10)
        worker.join()
        return got

    got = asyncio.run(scenario())
    assert [e.seq for e in got] == list(range(1, 14))  # none lost, none twice
    assert got[-1].kind == "done"


def test_many_streams_share_one_reader(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    notifier = LocalNotifier()
    jobs, claim = make_job(db, notifier.publish)
    reads = 0
    real = events_module.events_after

    def counting(*args: object) -> list[Event]:
        nonlocal reads
        reads += 1
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(events_module, "events_after", counting)
    hub = EventHub(db, notifier, poll_seconds=5)

    async def scenario() -> list[list[Event]]:
        tasks = [asyncio.create_task(collect(hub, claim.job_id)) for _ in range(200)]
        await asyncio.sleep(0.05)
        worker = run_progress(jobs, claim, steps=5, pause=0.05)
        results = await asyncio.wait_for(asyncio.gather(*tasks), 10)
        worker.join()
        return list(results)

    results = asyncio.run(scenario())
    assert all([e.seq for e in r] == list(range(1, 9)) for r in results)
    assert reads <= 12  # one read per wake-up, not one per stream


def test_closing_the_hub_ends_streams(db: Database) -> None:
    notifier = LocalNotifier()
    _, claim = make_job(db, notifier.publish)
    hub = EventHub(db, notifier, poll_seconds=5)

    async def scenario() -> list[Event]:
        task = asyncio.create_task(collect(hub, claim.job_id))
        await asyncio.sleep(0.1)
        hub.close()
        return await asyncio.wait_for(task, 2)

    got = asyncio.run(scenario())
    assert [e.kind for e in got] == ["queued", "started"]


@pytest.mark.redis
def test_redis_notifier_wakes_other_processes(redis_url: str) -> None:
    sender, receiver = RedisNotifier(redis_url), RedisNotifier(redis_url)
    woken: list[int] = []
    got = threading.Event()

    def on_wake(job_id: int) -> None:
        woken.append(job_id)
        got.set()

    receiver.subscribe(on_wake)
    try:
        deadline = time.monotonic() + 5
        while not got.is_set() and time.monotonic() < deadline:
            sender.publish(42)  # the subscription may not be live yet: say it again
            got.wait(0.1)
        assert 42 in woken
    finally:
        sender.close()
        receiver.close()


def test_idle_streams_get_a_keepalive_tick(db: Database) -> None:
    notifier = LocalNotifier()
    _, claim = make_job(db, notifier.publish)
    hub = EventHub(db, notifier, poll_seconds=0.05, keepalive_seconds=0.1)

    async def scenario() -> list[Event | None]:
        got: list[Event | None] = []
        async for item in hub.stream(claim.job_id):
            got.append(item)
            if item is None:
                break
        hub.close()
        return got

    got = asyncio.run(asyncio.wait_for(scenario(), 5))
    assert [e.kind for e in got[:-1] if e is not None] == ["queued", "started"]
    assert got[-1] is None
