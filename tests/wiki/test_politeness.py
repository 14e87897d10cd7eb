"""Politeness slots: never more than `limit` holders of one host's slots, whichever
threads or processes ask, and a slot comes back when its holder dies or its lease ends."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from wikivice.wiki.politeness import FileSlots, LocalSlots, RedisSlots, Slots, wait_for


def most_at_once(slots: Slots, host: str, threads: int = 8, hold: float = 0.02) -> int:
    """Run `threads` threads that each take and give a slot five times; the most that
    held one at the same moment."""
    holding = 0
    most = 0
    lock = threading.Lock()

    def work() -> None:
        nonlocal holding, most
        for _ in range(5):
            token = slots.take(host, 10)
            assert token is not None
            with lock:
                holding += 1
                most = max(most, holding)
            time.sleep(hold)
            with lock:
                holding -= 1
            slots.give(host, token)

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return most


@pytest.fixture
def redis_slots(redis_url: str) -> Iterator[RedisSlots]:
    slots = RedisSlots(redis_url, 2, lease_seconds=0.5)
    yield slots
    slots.close()


def test_local_slots_bound_one_host_and_leave_others_alone() -> None:
    slots = LocalSlots(2)
    assert most_at_once(slots, "a.example.org") == 2
    held = [slots.take("a.example.org", 1), slots.take("a.example.org", 1)]
    assert slots.take("a.example.org", 0.05) is None  # full
    assert slots.take("b.example.org", 0.05) is not None  # another host: its own slots
    slots.give("a.example.org", str(held[0]))
    assert slots.take("a.example.org", 0.05) is not None


def test_file_slots_bound_threads_of_one_process(tmp_path: Path) -> None:
    assert most_at_once(FileSlots(tmp_path, 3), "en.wikipedia.org") == 3


HOLDER = """
import sys, time
from pathlib import Path
from wikivice.wiki.politeness import FileSlots
assert FileSlots(Path(sys.argv[1]), 1).take("x.org", 5) is not None
print("taken", flush=True)
time.sleep(60)
"""


def test_file_slots_bound_processes_and_free_the_slot_of_a_dead_one(tmp_path: Path) -> None:
    other = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(tmp_path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert other.stdout is not None and other.stdout.readline() == "taken\n"
        slots = FileSlots(tmp_path, 1)
        assert slots.take("x.org", 0.2) is None  # the other process holds the only slot
        other.send_signal(signal.SIGKILL)
        other.wait(10)
        assert slots.take("x.org", 2) is not None  # the system released its lock
    finally:
        other.kill()
        other.wait()
        if other.stdout is not None:
            other.stdout.close()


def test_file_slots_of_any_host_name_stay_in_their_folder(tmp_path: Path) -> None:
    slots = FileSlots(tmp_path / "slots", 1)
    token = slots.take("../../etc/passwd", 1)
    assert token is not None
    assert [p.parent for p in (tmp_path / "slots").iterdir()] == [tmp_path / "slots"]
    slots.give("../../etc/passwd", token)


@pytest.mark.redis
def test_redis_slots_bound_every_client_of_the_same_redis(
    redis_url: str, redis_slots: RedisSlots
) -> None:
    other = RedisSlots(redis_url, 2, lease_seconds=30)
    try:
        held = [redis_slots.take("w.org", 1), other.take("w.org", 1)]
        assert all(held)
        assert redis_slots.take("w.org", 0.1) is None and other.take("w.org", 0.1) is None
        other.give("w.org", str(held[1]))
        assert redis_slots.take("w.org", 1) is not None
    finally:
        other.close()
    assert most_at_once(RedisSlots(redis_url, 2, 30), "busy.org") == 2


@pytest.mark.redis
def test_a_redis_lease_ends_on_its_own(redis_slots: RedisSlots) -> None:
    # A holder that died mid-request never gives its slots back: they expire.
    assert redis_slots.take("gone.org", 1) and redis_slots.take("gone.org", 1)
    assert redis_slots.take("gone.org", 0.1) is None
    assert redis_slots.take("gone.org", 2) is not None  # after lease_seconds (0.5 s)


def test_wait_for_tries_until_the_timeout() -> None:
    calls: list[float] = []
    assert not wait_for(lambda: bool(calls.append(time.monotonic())), 0.3)
    assert 3 <= len(calls) <= 20  # it looks less often as it waits
    assert wait_for(lambda: True, 0)


def test_local_slots_say_how_many_are_in_use() -> None:
    slots = LocalSlots(3)
    assert slots.in_use("a.org") == 0
    tokens = [slots.take("a.org", 1), slots.take("a.org", 1)]
    assert slots.in_use("a.org") == 2 and slots.in_use("b.org") == 0
    slots.give("a.org", str(tokens[0]))
    assert slots.in_use("a.org") == 1


def test_file_slots_in_use_count_every_process_of_the_machine(tmp_path: Path) -> None:
    slots = FileSlots(tmp_path / "slots", 3)
    assert slots.in_use("w.org") == 0  # no file yet
    token = slots.take("w.org", 1)
    assert token is not None
    other = subprocess.Popen(  # another process holds a second slot
        [sys.executable, "-c", HOLD_A_SLOT, str(tmp_path / "slots"), "w.org"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert other.stdout is not None and other.stdout.readline().strip() == "held"
        assert slots.in_use("w.org") == 2
        slots.give("w.org", token)
        assert slots.in_use("w.org") == 1
        assert slots.take("w.org", 1) is not None  # looking did not keep a slot
    finally:
        other.kill()
        other.wait()
        if other.stdout is not None:
            other.stdout.close()
    assert slots.in_use("w.org") == 1  # the one this process still holds


HOLD_A_SLOT = """
import sys, time
from pathlib import Path
from wikivice.wiki.politeness import FileSlots
slots = FileSlots(Path(sys.argv[1]), 3)
assert slots.take(sys.argv[2], 5)
print("held", flush=True)
time.sleep(60)
"""


@pytest.mark.redis
def test_redis_slots_in_use_count_every_client_and_not_expired_leases(
    redis_url: str, redis_slots: RedisSlots
) -> None:
    other = RedisSlots(redis_url, 2, lease_seconds=30)
    try:
        assert redis_slots.take("r.org", 1) and other.take("r.org", 1)
        assert redis_slots.in_use("r.org") == 2 == other.in_use("r.org")
        time.sleep(0.6)  # redis_slots' lease (0.5 s) ended; other's did not
        assert other.in_use("r.org") == 1
    finally:
        other.close()
