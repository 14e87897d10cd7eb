"""Is this process ready to serve? The parts it cannot work without, each asked once.

`readiness(rt)` checks, in order: the database (reachable, and migrated to the schema
this code expects), the job queue's storage (the SQLite file or Redis) and, when it is
configured, Redis itself (wake-ups, politeness slots, rate limits). Each check is one
cheap round trip with a short timeout, so a load balancer may poll it every second; a
part that fails is named, with the reason in a few words (never a stack trace).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from wikivice.jobs.runtime import Runtime
from wikivice.store.database import SCHEMA_REVISION, schema_revision

log = logging.getLogger(__name__)
CHECK_TIMEOUT = 2.0  # seconds one part may take to answer


@dataclass(frozen=True)
class PartState:
    name: str  # "database", "queue", "redis"
    ok: bool
    detail: str  # "ok", or what is wrong in a few words
    seconds: float


@dataclass(frozen=True)
class Readiness:
    parts: list[PartState]

    @property
    def ready(self) -> bool:
        return all(part.ok for part in self.parts)

    @property
    def failing(self) -> list[str]:
        return [part.name for part in self.parts if not part.ok]


class Health:
    """The readiness checks of one process, with their own short-timeout Redis client
    (the queue's and the wake-ups' clients wait as long as a job needs)."""

    def __init__(self, rt: Runtime) -> None:
        self._rt = rt
        self._redis: Any = None
        self._lock = threading.Lock()

    def readiness(self) -> Readiness:
        checks: list[tuple[str, Callable[[], None]]] = [
            ("database", self._database),
            ("queue", self._queue),
        ]
        if self._rt.settings.redis_url:
            checks.append(("redis", self._redis_ping))
        return Readiness([_timed(name, check) for name, check in checks])

    def close(self) -> None:
        if self._redis is not None:
            self._redis.close()

    def _database(self) -> None:
        revision = schema_revision(self._rt.db)
        if revision != SCHEMA_REVISION:
            found = "no schema" if revision is None else f"schema {revision}"
            raise NotReady(f"{found}, this code needs {SCHEMA_REVISION}: run the migrations")

    def _queue(self) -> None:
        if self._rt.settings.redis_url:
            self._redis_ping()  # the queue lives in Redis: the same round trip
        else:
            self._rt.queue.depth()

    def _redis_ping(self) -> None:
        with self._lock:
            if self._redis is None:
                import redis

                self._redis = redis.Redis.from_url(
                    self._rt.settings.redis_url or "",
                    socket_connect_timeout=CHECK_TIMEOUT,
                    socket_timeout=CHECK_TIMEOUT,
                )
        self._redis.ping()


class NotReady(Exception):
    """A part answered, but not as this process needs."""


def _timed(name: str, check: Callable[[], None]) -> PartState:
    started = time.perf_counter()
    try:
        check()
    except NotReady as exc:
        return PartState(name, False, str(exc), time.perf_counter() - started)
    except Exception as exc:
        log.warning("readiness: %s failed: %r", name, exc)
        detail = f"unreachable ({type(exc).__name__})"
        return PartState(name, False, detail, time.perf_counter() - started)
    return PartState(name, True, "ok", time.perf_counter() - started)
