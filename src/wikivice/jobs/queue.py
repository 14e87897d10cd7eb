"""The job queue: delivers job ids to workers, nothing else (the job row holds the rest).

Backends, chosen here and nowhere else: Huey's SqliteHuey on a file in the data dir (the
embedded default; any process on the machine can consume it), or RedisHuey when
`WIKIVICE_REDIS_URL` is set (many machines). Both deliver a task at most once; see
`wikivice.jobs.machine` for how a lost task is recovered.

No Huey instance exists at import time: each `JobQueue` registers its one task on its
own Huey, so tests and processes build theirs from settings. The task's registered name
is the same in every process, which is all Huey needs to hand it over.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from wikivice.settings import Settings

TASK_NAME = "run_fetch_job"


class QueueUnavailable(Exception):
    """The queue's storage (Redis, or the SQLite file) cannot take a job right now. The
    job row stays queued: the reaper puts it on the queue once the storage is back."""


class JobQueue:
    def __init__(self, settings: Settings) -> None:
        # Imported here: the error type above is wanted where Huey is not (the web's
        # handlers), and Huey with its backends is a tenth of a second to import.
        from huey import RedisHuey, SqliteHuey

        self.huey: Any
        if settings.redis_url:
            self.huey = RedisHuey("wikivice", url=settings.redis_url, results=False)
        else:
            settings.data_dir.mkdir(parents=True, exist_ok=True)
            self.huey = SqliteHuey(
                "wikivice", filename=str(settings.queue_path), results=False, timeout=30
            )
        self._task = self.huey.task(name=TASK_NAME)(self._execute)
        self._handler: Callable[[int], None] | None = None
        # Set on enqueue, so a consumer in this process picks the job up at once rather
        # than at its next poll of the SQLite queue.
        self.enqueued = threading.Event()

    def enqueue(self, job_id: int) -> None:
        """Put a job id on the queue; raises `QueueUnavailable` if the storage fails."""
        try:
            self._task(job_id)
        except Exception as exc:  # Redis down, a locked or unwritable SQLite file…
            reason = type(exc).__name__
            raise QueueUnavailable(f"the job queue cannot be reached ({reason})") from exc
        self.enqueued.set()

    def depth(self) -> int:
        """Job ids waiting on the queue (one cheap query of its storage)."""
        return int(self.huey.pending_count())

    def handle_with(self, handler: Callable[[int], None]) -> None:
        """Make this process a consumer: `handler(job_id)` runs each delivered job."""
        self._handler = handler

    def run_next(self) -> bool:
        """Take one task off the queue and run it here; False if there was none.
        Raises (taking nothing) in a process that does not run jobs."""
        if self._handler is None:
            # Huey would take the task, log our error and drop it: the job lost.
            raise RuntimeError("this process does not run jobs")
        task = self.huey.dequeue()
        if task is None:
            return False
        self.huey.execute(task)
        return True

    def close(self) -> None:
        """Close the storage's connections (Huey's Redis storage leaves its pool open)."""
        storage = self.huey.storage
        storage.close()
        # `vars`, not getattr: SQLite storage's `conn` is a property that would reconnect.
        pool = getattr(vars(storage).get("conn"), "connection_pool", None)
        if pool is not None:
            pool.disconnect()

    def _execute(self, job_id: int) -> None:
        if self._handler is None:
            raise RuntimeError("this process does not run jobs")
        self._handler(job_id)
