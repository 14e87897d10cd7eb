"""Event streams: replay then follow, in order, ending at the terminal event, with or
without wake-ups (the poll is the safety net), shared by many streams."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from wikivice import metrics
from wikivice.jobs import hub as hub_module
from wikivice.jobs.events import Event
from wikivice.jobs.hub import EventHub
from wikivice.jobs.machine import Claim, Jobs
from wikivice.jobs.wakeups import LocalNotifier
from wikivice.store import pages
from wikivice.store.database import Database
from wikivice.store.vocabulary import EventKind
from wikivice.wiki.client import ResolvedPage
from wikivice.wiki.sites import parse_wiki


class SilentNotifier(LocalNotifier):
    """Loses every wake-up: only the poll can deliver."""

    def publish(self, job_id: int) -> None:
        pass


@pytest.fixture
def hubs() -> Iterator[Callable[..., EventHub]]:
    """Makes hubs, closed at the end of the test and waited for (no read outlives the
    test's database)."""
    made: list[EventHub] = []

    def make(*args: Any, **kwargs: Any) -> EventHub:
        made.append(EventHub(*args, **kwargs))
        return made[-1]

    yield make
    for hub in made:
        hub.close()
        hub.join()


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
            jobs.update(claim, EventKind.PROGRESS, done=n * 10, total=steps * 10)
        jobs.finish(claim, "done")

    thread = threading.Thread(target=work)
    thread.start()
    return thread


async def collect(hub: EventHub, job_id: int, after: int = 0) -> list[Event]:
    return [event async for event in hub.stream(job_id, after)]


def test_stream_replays_a_finished_job(db: Database, hubs: Callable[..., EventHub]) -> None:
    notifier = LocalNotifier()
    jobs, claim = make_job(db, notifier.publish)
    jobs.update(claim, EventKind.PROGRESS, done=5)
    jobs.finish(claim, "ok")
    hub = hubs(db, notifier, poll_seconds=0.2)
    got = asyncio.run(collect(hub, claim.job_id))
    assert [e.kind for e in got] == [
        EventKind.QUEUED,
        EventKind.STARTED,
        EventKind.PROGRESS,
        EventKind.DONE,
    ]
    assert [e.seq for e in got] == [1, 2, 3, 4]
    tail = asyncio.run(collect(hub, claim.job_id, after=2))
    assert [e.seq for e in tail] == [3, 4]


@pytest.mark.parametrize("notifier_class", [LocalNotifier, SilentNotifier])
def test_stream_follows_a_running_job_to_the_end(
    db: Database, hubs: Callable[..., EventHub], notifier_class: type[LocalNotifier]
) -> None:
    notifier = notifier_class()
    jobs, claim = make_job(db, notifier.publish)
    hub = hubs(db, notifier, poll_seconds=0.1)

    async def scenario() -> list[Event]:
        task = asyncio.create_task(collect(hub, claim.job_id))
        await asyncio.sleep(0.05)
        worker = run_progress(jobs, claim, steps=10, pause=0.02)
        got = await asyncio.wait_for(task, 10)
        worker.join()
        return got

    got = asyncio.run(scenario())
    assert [e.seq for e in got] == list(range(1, 14))  # none lost, none twice
    assert got[-1].kind == EventKind.DONE


def test_many_streams_share_one_reader(
    db: Database, hubs: Callable[..., EventHub], monkeypatch: pytest.MonkeyPatch
) -> None:
    notifier = LocalNotifier()
    jobs, claim = make_job(db, notifier.publish)
    reads = 0
    real = hub_module.events_after

    def counting(*args: object) -> list[Event]:
        nonlocal reads
        reads += 1
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(hub_module, "events_after", counting)
    hub = hubs(db, notifier, poll_seconds=5)

    open_before = metrics.STREAMS_OPEN._value.get()
    open_during: list[float] = []

    async def scenario() -> list[list[Event]]:
        tasks = [asyncio.create_task(collect(hub, claim.job_id)) for _ in range(200)]
        await asyncio.sleep(0.05)
        open_during.append(metrics.STREAMS_OPEN._value.get() - open_before)
        worker = run_progress(jobs, claim, steps=5, pause=0.05)
        results = await asyncio.wait_for(asyncio.gather(*tasks), 10)
        worker.join()
        return list(results)

    results = asyncio.run(scenario())
    assert all([e.seq for e in r] == list(range(1, 9)) for r in results)
    assert reads <= 12  # one read per wake-up, not one per stream
    assert open_during == [200]  # the metric of open streams (/metrics)
    assert metrics.STREAMS_OPEN._value.get() == open_before


def test_closing_the_hub_ends_streams(db: Database, hubs: Callable[..., EventHub]) -> None:
    notifier = LocalNotifier()
    _, claim = make_job(db, notifier.publish)
    hub = hubs(db, notifier, poll_seconds=5)

    async def scenario() -> list[Event]:
        task = asyncio.create_task(collect(hub, claim.job_id))
        await asyncio.sleep(0.1)
        hub.close()
        return await asyncio.wait_for(task, 2)

    got = asyncio.run(scenario())
    assert [e.kind for e in got] == [EventKind.QUEUED, EventKind.STARTED]


def test_idle_streams_get_a_keepalive_tick(db: Database, hubs: Callable[..., EventHub]) -> None:
    notifier = LocalNotifier()
    _, claim = make_job(db, notifier.publish)
    hub = hubs(db, notifier, poll_seconds=0.05, keepalive_seconds=0.1)

    async def scenario() -> list[Event | None]:
        got: list[Event | None] = []
        async for item in hub.stream(claim.job_id):
            got.append(item)
            if item is None:
                break
        hub.close()
        return got

    got = asyncio.run(asyncio.wait_for(scenario(), 5))
    assert [e.kind for e in got[:-1] if e is not None] == [EventKind.QUEUED, EventKind.STARTED]
    assert got[-1] is None


def test_no_read_outlives_a_closed_hub(
    db: Database, hubs: Callable[..., EventHub], monkeypatch: pytest.MonkeyPatch
) -> None:
    notifier = LocalNotifier()
    _, claim = make_job(db, notifier.publish)
    hub = hubs(db, notifier, poll_seconds=5)
    reading, finished = threading.Event(), threading.Event()
    real = hub_module.events_after

    def slow(*args: Any) -> list[Event]:
        reading.set()
        time.sleep(0.3)
        try:
            return real(*args)
        finally:
            finished.set()

    monkeypatch.setattr(hub_module, "events_after", slow)

    async def scenario() -> None:
        task = asyncio.create_task(collect(hub, claim.job_id))
        while not reading.is_set():
            await asyncio.sleep(0.01)
        hub.close()
        await asyncio.wait_for(task, 2)

    asyncio.run(scenario())  # ends while the read still runs
    hub.join()
    assert finished.is_set()
    assert db.engine.pool.checkedout() == 0  # type: ignore[attr-defined]
    # A closed hub streams nothing (the server is stopping).
    assert asyncio.run(collect(hub, claim.job_id)) == []


def test_the_poll_stops_when_nothing_is_followed(
    db: Database, hubs: Callable[..., EventHub]
) -> None:
    notifier = LocalNotifier()
    jobs, claim = make_job(db, notifier.publish)
    jobs.finish(claim, "ok")
    hub = hubs(db, notifier, poll_seconds=0.02)

    async def scenario() -> bool:
        await collect(hub, claim.job_id)
        await asyncio.sleep(0.1)
        return hub._poller is not None and hub._poller.done()

    assert asyncio.run(scenario())
