"""Wake-ups: "job N has new events", said by whoever wrote them to whoever follows them.

Backends, chosen in `runtime.Runtime.create` and nowhere else: in-process callbacks (the
embedded default, web and worker in one process) or Redis pub/sub (many processes and
machines). Delivery is best effort, and neither backend keeps history: followers read
the rows themselves and poll as a safety net, so a lost wake-up only delays delivery.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Protocol

log = logging.getLogger(__name__)
REDIS_CHANNEL = "wikivice:job-events"


class Notifier(Protocol):
    """Wakes up whoever follows a job's events, in this process and (if the backend
    can) in others. Delivery is best effort: a follower must also poll."""

    def publish(self, job_id: int) -> None:
        """Say that job `job_id` has new events (called after the commit)."""

    def subscribe(self, callback: Callable[[int], None]) -> None:
        """Call `callback(job_id)` on every publish, from any thread."""

    def close(self) -> None:
        """Stop listening."""


class LocalNotifier:
    """In-process wake-ups: the embedded default (web and worker in one process)."""

    def __init__(self) -> None:
        self._callbacks: list[Callable[[int], None]] = []

    def publish(self, job_id: int) -> None:
        for callback in list(self._callbacks):
            callback(job_id)

    def subscribe(self, callback: Callable[[int], None]) -> None:
        self._callbacks.append(callback)

    def close(self) -> None:
        self._callbacks.clear()


class RedisNotifier(LocalNotifier):
    """Wake-ups across processes and machines through Redis pub/sub (which keeps no
    history: that is fine, the rows are the history)."""

    def __init__(self, url: str) -> None:
        import redis

        super().__init__()
        # A Redis that accepts and never answers must not hang the commit's publish.
        self._redis = redis.Redis.from_url(url, socket_connect_timeout=5)
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    def publish(self, job_id: int) -> None:
        super().publish(job_id)  # this process's followers need no round trip
        try:
            self._redis.publish(REDIS_CHANNEL, str(job_id))
        except Exception:  # followers still poll; a lost wake-up is only a delay
            log.warning("could not publish a wake-up for job %s to Redis", job_id)

    def subscribe(self, callback: Callable[[int], None]) -> None:
        super().subscribe(callback)
        if self._thread is None:
            self._thread = threading.Thread(target=self._listen, name="redis-wakeups", daemon=True)
            self._thread.start()

    def _listen(self) -> None:
        lost = False
        while not self._stop.is_set():
            try:
                pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
                pubsub.subscribe(REDIS_CHANNEL)
                lost = False
                while not self._stop.is_set():
                    message = pubsub.get_message(timeout=0.5)
                    if message and message.get("type") == "message":
                        LocalNotifier.publish(self, int(message["data"]))
                pubsub.close()
            except Exception as exc:  # Redis down: streams poll meanwhile; said once
                if not lost:
                    log.warning("lost the Redis wake-up channel (%r); reconnecting", exc)
                lost = True
                self._stop.wait(1.0)

    def close(self) -> None:
        self._stop.set()
        super().close()
        if self._thread is not None:
            self._thread.join(timeout=2)
        self._redis.close()
