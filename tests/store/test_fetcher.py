"""The `Fetcher` thread: a walk of a history a bounded number of batches ahead of the
storing, handed over in order, its error passed on, and stopped at once when asked; its
politeness slot kept from request to request, given back while the storing is behind.

The network is not the point here: a stand-in walk yields batches as the fetcher asks
for them (the client's walk over HTTP is tests/wiki/test_client.py's)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import cast

import pytest

from wikivice.store.fetcher import AHEAD, KEEP_SLOT_WAITING, Fetcher, Interrupted
from wikivice.wiki.client import MediaWiki, RevisionBatch
from wikivice.wiki.errors import WikiUnavailable


class Walk:
    """Stands in for `MediaWiki.iter_revisions`: batch n holds revision n. `batches`
    None: endless. `fail_after`: raises `error` after that many batches. `gated`: each
    batch waits for a `permit()` (a request that has not been answered yet)."""

    def __init__(
        self, batches: int | None, *, fail_after: int | None = None, gated: bool = False
    ) -> None:
        self.batches = batches
        self.fail_after = fail_after
        self.gated = gated
        self.error = WikiUnavailable("en.wikipedia.org did not answer usefully")
        self.made = 0
        self.calls: list[tuple[int, dict[str, str] | None, str | None]] = []
        self.slot_log: list[str] = []  # the walk's politeness slot, as the fetcher keeps it
        self._permits = threading.Semaphore(0)
        self._closed = False

    def iter_revisions(
        self, pageid: int, *, resume: dict[str, str] | None = None, newer_than: str | None = None
    ) -> Iterator[RevisionBatch]:
        self.calls.append((pageid, resume, newer_than))
        return self._walk()

    def _walk(self) -> Iterator[RevisionBatch]:
        n = 0
        while self.batches is None or n < self.batches:
            if n == self.fail_after:
                raise self.error
            while self.gated and not self._permits.acquire(timeout=0.05):
                if self._closed:
                    return
            n += 1
            self.made = n
            last = n == self.batches
            yield RevisionBatch([{"revid": n}], None if last else {"rvcontinue": f"2020|{n}"})

    @contextmanager
    def keeping_slot(self) -> Iterator[None]:
        self.slot_log.append("keep")
        try:
            yield
        finally:
            self.slot_log.append("end")

    def give_back_slot(self) -> None:
        self.slot_log.append("give back")

    def permit(self, n: int = 1) -> None:
        self._permits.release(n)

    def close(self) -> None:
        self._closed = True


@pytest.fixture
def started() -> Iterator[list[tuple[Fetcher, Walk]]]:
    """Fetchers a test started; stopped, and their walks ended, afterwards."""
    made: list[tuple[Fetcher, Walk]] = []
    yield made
    for fetcher, walk in made:
        fetcher.stop()
        walk.close()
        fetcher._thread.join(5)


def start(
    started: list[tuple[Fetcher, Walk]],
    walk: Walk,
    ahead: int | None = None,
    resume: dict[str, str] | None = None,
    newer: str | None = None,
) -> Fetcher:
    wiki = cast(MediaWiki, walk)
    if ahead is None:  # the fetcher's own default
        fetcher = Fetcher(wiki, 42, resume, newer)
    else:
        fetcher = Fetcher(wiki, 42, resume, newer, ahead=ahead)
    started.append((fetcher, walk))
    fetcher.start()
    return fetcher


def never() -> bool:
    return False


def settles_at(walk: Walk, expected: int, timeout: float = 5.0) -> int:
    """How many batches the walk has made once it stops making more (at least `expected`
    are waited for, then a while longer in case it goes on)."""
    deadline = time.monotonic() + timeout
    while walk.made < expected and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.3)
    return walk.made


def test_fetcher_hands_batches_over_in_order_then_none(
    started: list[tuple[Fetcher, Walk]],
) -> None:
    fetcher = start(started, Walk(20), ahead=3)
    got: list[RevisionBatch] = []
    while (batch := fetcher.next(never)) is not None:
        got.append(batch)
    assert [b.revisions[0]["revid"] for b in got] == list(range(1, 21))
    assert [b.continue_params for b in got[:2]] == [
        {"rvcontinue": "2020|1"},
        {"rvcontinue": "2020|2"},
    ]
    assert got[-1].continue_params is None


@pytest.mark.parametrize("ahead", [1, 3, None], ids=["1", "3", "AHEAD"])
def test_fetcher_stays_at_most_ahead_batches_ahead(
    started: list[tuple[Fetcher, Walk]], ahead: int | None
) -> None:
    # Memory is bounded by the batches fetched and not yet stored: `ahead` waiting in
    # the queue, and the one the thread holds until there is room.
    bound = (AHEAD if ahead is None else ahead) + 1
    walk = Walk(None)
    fetcher = start(started, walk, ahead)
    assert settles_at(walk, bound) == bound
    assert fetcher.next(never) is not None
    assert settles_at(walk, bound + 1) == bound + 1  # one taken, one more made


def test_fetcher_passes_on_the_walks_error_after_the_batches_before_it(
    started: list[tuple[Fetcher, Walk]],
) -> None:
    walk = Walk(None, fail_after=2)
    fetcher = start(started, walk, ahead=3)
    assert [fetcher.next(never).revisions for _ in range(2)] == [  # type: ignore[union-attr]
        [{"revid": 1}],
        [{"revid": 2}],
    ]
    with pytest.raises(WikiUnavailable) as caught:
        fetcher.next(never)
    assert caught.value is walk.error


def test_fetcher_starts_the_walk_where_it_is_told(started: list[tuple[Fetcher, Walk]]) -> None:
    resume = {"rvcontinue": "20231124180557|12773", "continue": "||"}
    walk = Walk(1)
    fetcher = start(started, walk, resume=resume, newer="2023-11-24T18:05:57Z")
    assert walk.calls == [(42, resume, "2023-11-24T18:05:57Z")]
    assert fetcher.pageid == 42
    assert fetcher.start_point == (resume, "2023-11-24T18:05:57Z")


def test_stop_ends_the_thread_promptly_while_the_queue_is_full(
    started: list[tuple[Fetcher, Walk]],
) -> None:
    walk = Walk(None)
    fetcher = start(started, walk, ahead=1)
    assert settles_at(walk, 2) == 2
    assert not fetcher.stopped
    asked = time.monotonic()
    fetcher.stop()
    fetcher._thread.join(2)
    assert not fetcher._thread.is_alive()
    assert time.monotonic() - asked < 1.0
    assert fetcher.stopped
    assert walk.made == 2  # and it asked the wiki for nothing more


def test_stop_while_a_request_waits_abandons_its_answer(
    started: list[tuple[Fetcher, Walk]],
) -> None:
    walk = Walk(None, gated=True)
    fetcher = start(started, walk, ahead=3)
    fetcher.stop()  # the first request is still unanswered
    walk.permit(5)  # ...then its answer comes
    fetcher._thread.join(2)
    assert not fetcher._thread.is_alive()
    assert walk.made == 1  # no further request
    assert fetcher.ready() is None  # the late answer was not queued


def test_next_is_interrupted_promptly_while_the_walk_waits(
    started: list[tuple[Fetcher, Walk]],
) -> None:
    fetcher = start(started, Walk(None, gated=True), ahead=3)
    asked = time.monotonic() + 0.2
    with pytest.raises(Interrupted):
        fetcher.next(lambda: time.monotonic() > asked)
    assert time.monotonic() - asked < 0.5


def test_ready_returns_a_batch_that_has_arrived(started: list[tuple[Fetcher, Walk]]) -> None:
    walk = Walk(3)
    fetcher = start(started, walk, ahead=3)
    assert settles_at(walk, 3) == 3
    took = time.monotonic()
    assert [fetcher.ready().revisions for _ in range(3)] == [  # type: ignore[union-attr]
        [{"revid": 1}],
        [{"revid": 2}],
        [{"revid": 3}],
    ]
    assert time.monotonic() - took < 0.1


def test_ready_without_a_batch_returns_none_at_once(
    started: list[tuple[Fetcher, Walk]],
) -> None:
    fetcher = start(started, Walk(None, gated=True), ahead=3)
    took = time.monotonic()
    assert fetcher.ready() is None
    assert fetcher.ready(until=time.monotonic() - 1) is None  # a deadline already past
    assert time.monotonic() - took < 0.1


def test_ready_waits_until_the_deadline_and_no_longer(
    started: list[tuple[Fetcher, Walk]],
) -> None:
    fetcher = start(started, Walk(None, gated=True), ahead=3)
    took = time.monotonic()
    assert fetcher.ready(until=took + 0.2) is None
    assert 0.19 <= time.monotonic() - took < 0.6


def test_ready_takes_a_batch_arriving_before_the_deadline(
    started: list[tuple[Fetcher, Walk]],
) -> None:
    walk = Walk(None, gated=True)
    fetcher = start(started, walk, ahead=3)
    threading.Timer(0.1, walk.permit).start()
    took = time.monotonic()
    batch = fetcher.ready(until=took + 5)
    assert batch is not None and batch.revisions == [{"revid": 1}]
    assert time.monotonic() - took < 2


def test_ready_leaves_the_end_of_the_walk_to_next(started: list[tuple[Fetcher, Walk]]) -> None:
    walk = Walk(1)
    fetcher = start(started, walk, ahead=3)
    assert fetcher.ready(until=time.monotonic() + 5) is not None
    took = time.monotonic()
    assert fetcher.ready(until=took + 5) is None  # the end: seen, and not waited for
    assert time.monotonic() - took < 2
    took = time.monotonic()
    assert fetcher.ready(until=took + 5) is None  # nothing can come after the end
    assert time.monotonic() - took < 0.1
    assert fetcher.next(lambda: True) is None  # the end, even for a worker stopping


def test_ready_leaves_an_error_to_next(started: list[tuple[Fetcher, Walk]]) -> None:
    # Raised by `next`, outside the transaction that `ready` fills.
    walk = Walk(None, fail_after=0)
    fetcher = start(started, walk, ahead=3)
    assert fetcher.ready(until=time.monotonic() + 5) is None
    took = time.monotonic()
    assert fetcher.ready(until=took + 5) is None  # nothing can come after the error
    assert time.monotonic() - took < 0.1
    with pytest.raises(WikiUnavailable) as caught:
        fetcher.next(never)
    assert caught.value is walk.error


def test_the_walk_keeps_its_slot_from_request_to_request_until_it_ends(
    started: list[tuple[Fetcher, Walk]],
) -> None:
    walk = Walk(5)
    fetcher = start(started, walk)
    while fetcher.next(never) is not None:
        pass
    assert walk.slot_log == ["keep", "end"]


def test_a_walk_waiting_for_its_batches_to_be_stored_gives_its_slot_back(
    started: list[tuple[Fetcher, Walk]],
) -> None:
    walk = Walk(None)
    fetcher = start(started, walk, ahead=1)
    assert settles_at(walk, 2) == 2  # one queued, one waiting for room: for 0.3 s
    deadline = time.monotonic() + 5  # KEEP_SLOT_WAITING, however slow the machine
    while walk.slot_log != ["keep", "give back"] and time.monotonic() < deadline:
        time.sleep(0.01)
    assert walk.slot_log == ["keep", "give back"]
    assert fetcher.next(never) is not None  # room again: the walk goes on (taking a slot)
    assert settles_at(walk, 3) == 3


def test_a_batch_stored_in_time_keeps_the_slot(started: list[tuple[Fetcher, Walk]]) -> None:
    walk = Walk(6)
    fetcher = start(started, walk, ahead=1)
    got = 0
    while fetcher.next(never) is not None:
        got += 1
        time.sleep(KEEP_SLOT_WAITING / 10)  # storing, a little slower than the walk
    assert got == 6
    assert walk.slot_log == ["keep", "end"]


def test_a_failed_walk_gives_its_slot_back_before_its_error_is_handed_over(
    started: list[tuple[Fetcher, Walk]],
) -> None:
    walk = Walk(None, fail_after=1)
    fetcher = start(started, walk, ahead=3)
    assert fetcher.next(never) is not None
    with pytest.raises(WikiUnavailable):
        fetcher.next(never)
    assert walk.slot_log == ["keep", "end"]
