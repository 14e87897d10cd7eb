"""Politeness across the fleet: at most `max_concurrent_requests` requests to one wiki
host at once, whatever the number of processes and machines.

A slot is leased for one request: taken just before it is sent, given back when its
answer is read; a history's walk, which sends its next request as soon as it has the
answer, keeps one from request to request for a second at a time
(`transport.Transport.keeping_slot`). A lease expires on its own (`lease_seconds`) so
that a process killed mid-request does not keep its slot forever.

Backends, chosen in `jobs.runtime.fleet_slots` and nowhere else:
- `RedisSlots` when Redis is configured (one atomic script per take or give);
- `store.slots.SqlSlots` on PostgreSQL without Redis: a table of the database;
- `FileSlots` on SQLite without Redis: every process is on the machine that holds the
  database file, so a slot is a lock on a file beside it (a few microseconds, and the
  operating system frees it when its process dies);
- `LocalSlots`, a semaphore per host, for a process on its own.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

WAIT_STEP_MIN = 0.01  # seconds between looks for a free slot, doubling up to
WAIT_STEP_MAX = 0.2
KEY_PREFIX = "wikivice:slots:"
LOCAL_TOKEN = "local"  # a slot of RedisSlots' own fallback (Redis tokens are uuid4 hex)
log = logging.getLogger(__name__)


class Slots(Protocol):
    """Every backend: `take` returns a lease token once a slot of `host` is free, or None
    after `timeout` seconds; `give` hands the slot back (a token that expired meanwhile
    is ignored)."""

    limit: int

    def take(self, host: str, timeout: float) -> str | None: ...

    def give(self, host: str, token: str) -> None: ...

    def in_use(self, host: str) -> int:
        """How many of `host`'s slots are held now, across everything that shares them
        (for the operator: `jobs.fleet.slots_in_use`)."""
        ...


@dataclass(frozen=True)
class Lease:
    """A slot taken: given back to the `slots` that lent it, whatever the process's
    slots are by then (`wikivice fetch` starts its walk on in-process slots, and the
    runtime hands over the service's while the walk keeps one)."""

    slots: Slots
    host: str
    token: str

    def give(self) -> None:
        self.slots.give(self.host, self.token)


class LocalSlots:
    """One process's slots: a semaphore per host."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._hosts: dict[str, threading.BoundedSemaphore] = {}
        self._held: dict[str, int] = {}
        self._lock = threading.Lock()

    def take(self, host: str, timeout: float) -> str | None:
        with self._lock:
            slots = self._hosts.get(host)
            if slots is None:
                slots = self._hosts[host] = threading.BoundedSemaphore(self.limit)
        if not slots.acquire(timeout=timeout):
            return None
        with self._lock:
            self._held[host] = self._held.get(host, 0) + 1
        return host

    def give(self, host: str, token: str) -> None:
        with self._lock:
            self._held[host] -= 1
        self._hosts[host].release()

    def in_use(self, host: str) -> int:
        return self._held.get(host, 0)


class FileSlots:
    """Slots shared by the processes of one machine: slot n of a host is an exclusive
    `flock` on its own file in `folder`. Each take opens the file anew (a lock belongs to
    an open file, so two threads of a process exclude each other too)."""

    def __init__(self, folder: Path, limit: int) -> None:
        self.limit = limit
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self._held: dict[str, int] = {}  # token -> file descriptor
        self._lock = threading.Lock()

    def take(self, host: str, timeout: float) -> str | None:
        found: list[str] = []
        wait_for(lambda: self._try(host, found), timeout)
        return found[0] if found else None

    def give(self, host: str, token: str) -> None:
        with self._lock:
            fd = self._held.pop(token)
        os.close(fd)  # closing the file releases its lock

    def in_use(self, host: str) -> int:
        """Slots whose file another open file holds locked (each tried without waiting,
        and let go at once: a take racing with it finds the next one, or looks again)."""
        held = 0
        for n in range(self.limit):
            path = self._path(host, n)
            if not path.exists():
                continue
            fd = os.open(path, os.O_RDWR)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                held += 1
            finally:
                os.close(fd)  # closing it releases a lock it took
        return held

    def _path(self, host: str, n: int) -> Path:
        stem = hashlib.sha1(host.encode()).hexdigest()[:16]  # any host: a safe file name
        return self.folder / f"{stem}.{n}"

    def _try(self, host: str, found: list[str]) -> bool:
        for n in range(self.limit):
            fd = os.open(self._path(host, n), os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            token = uuid.uuid4().hex
            with self._lock:
                self._held[token] = fd
            found.append(token)
            return True
        return False


# KEYS[1]: the host's sorted set of leases (member: token, score: expiry, Redis's clock).
# ARGV: limit, lease seconds, token. Returns 1 when the lease is taken.
_TAKE = """
local now = redis.call('TIME')
local t = tonumber(now[1]) + tonumber(now[2]) / 1000000
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', t)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], t + tonumber(ARGV[2]), ARGV[3])
  redis.call('EXPIRE', KEYS[1], math.ceil(tonumber(ARGV[2])) + 1)
  return 1
end
return 0
"""


class RedisSlots:
    """Slots shared by every process that uses the same Redis: a sorted set of leases per
    host, taken and pruned by one script (atomic; expiries on Redis's own clock).

    While Redis cannot be reached, each process falls back to slots of its own (at most
    `limit` requests to a host per process, not per fleet) rather than failing every
    request: no job runs then anyway (the queue is in the same Redis), and title lookups,
    suggestions and diffs keep working."""

    def __init__(self, url: str, limit: int, lease_seconds: float) -> None:
        import redis

        self.limit = limit
        self.lease_seconds = lease_seconds
        self._redis = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
        self._take: Any = self._redis.register_script(_TAKE)
        self._error: type[Exception] = redis.RedisError
        self._local = LocalSlots(limit)
        self._down = False

    def take(self, host: str, timeout: float) -> str | None:
        token = uuid.uuid4().hex
        args = [self.limit, self.lease_seconds, token]
        try:
            took = wait_for(lambda: bool(self._take(keys=[KEY_PREFIX + host], args=args)), timeout)
        except self._error as exc:
            if not self._down:
                log.warning("Redis cannot be reached (%s): request slots per process", exc)
                self._down = True
            return LOCAL_TOKEN if self._local.take(host, timeout) else None
        self._down = False
        return token if took else None

    def give(self, host: str, token: str) -> None:
        if token == LOCAL_TOKEN:
            self._local.give(host, token)
            return
        self._redis.zrem(KEY_PREFIX + host, token)

    def in_use(self, host: str) -> int:
        """Unexpired leases (by Redis's clock); this process's own while Redis is away."""
        try:
            seconds, micros = self._redis.time()
            now = seconds + micros / 1_000_000
            return int(self._redis.zcount(KEY_PREFIX + host, f"({now}", "+inf"))
        except self._error:
            return self._local.in_use(host)

    def close(self) -> None:
        self._redis.close()


def wait_for(took: Callable[[], bool], timeout: float) -> bool:
    """Try `took` until it succeeds or `timeout` passes, looking less often as it waits."""
    deadline = time.monotonic() + timeout
    step = WAIT_STEP_MIN
    while not took():
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        time.sleep(min(step, left))
        step = min(step * 2, WAIT_STEP_MAX)
    return True
