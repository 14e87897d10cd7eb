"""Wake-ups: in-process callbacks and Redis pub/sub across processes."""

from __future__ import annotations

import threading
import time

import pytest

from wikivice.jobs.wakeups import LocalNotifier, RedisNotifier


def test_local_notifier_calls_every_subscriber_until_closed() -> None:
    notifier = LocalNotifier()
    first: list[int] = []
    second: list[int] = []
    notifier.subscribe(first.append)
    notifier.subscribe(second.append)
    notifier.publish(7)
    notifier.close()
    notifier.publish(8)  # after close: nobody listens any more
    assert first == [7] and second == [7]


def test_redis_notifier_wakes_its_own_process_without_a_round_trip() -> None:
    # An unreachable Redis: the local subscribers are still called, and publish does
    # not raise (a lost cross-process wake-up only delays the other processes' polls).
    notifier = RedisNotifier("redis://127.0.0.1:9/0")
    woken: list[int] = []
    LocalNotifier.subscribe(notifier, woken.append)  # no listening thread needed here
    try:
        notifier.publish(5)
    finally:
        notifier.close()
    assert woken == [5]


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
