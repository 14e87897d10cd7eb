"""Consuming the queue: job threads and the reaper, inside `wikivice serve` or standalone.

We do not use Huey's `Consumer`: it installs signal handlers (impossible off the main
thread, and inside uvicorn it would replace the server's SIGTERM handler) and, on
SIGTERM, abandons running tasks. Our loop takes tasks from the same Huey storage, runs
them on our threads, and stops on request: a running job sees the stop flag between
batches (or during a wait), goes back to the queue with its checkpoint, and the thread
exits. Stopping therefore takes well under a second, whatever the wiki is doing.
"""

from __future__ import annotations

import logging
import signal
import threading
import time

from wikivice import logs, metrics
from wikivice.jobs import unqueued
from wikivice.jobs.control import prune_failed
from wikivice.jobs.runner import Analyser, run_job
from wikivice.jobs.runtime import Runtime
from wikivice.settings import Settings

log = logging.getLogger(__name__)
IDLE_POLL_MAX = 0.5  # seconds between looks at an empty SQLite queue (Redis blocks instead)
PRUNE_EVERY = 300.0  # seconds between looks for failed jobs kept past their time


class Worker:
    """`threads` job threads taking job ids from the queue, plus a reaper."""

    def __init__(self, rt: Runtime, threads: int, *, analyse: Analyser | None = None) -> None:
        self.rt = rt
        self.stop_event = threading.Event()
        self.analyse = analyse
        self._threads = [
            threading.Thread(target=self._consume, name=f"job-{n}", daemon=True)
            for n in range(threads)
        ]
        self.reaper = Reaper(rt, self.stop_event)
        rt.queue.handle_with(self._run)

    def start(self) -> None:
        for thread in self._threads:
            thread.start()
        self.reaper.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Ask running jobs to go back to the queue, and wait for the threads."""
        self.stop_event.set()
        self.rt.queue.enqueued.set()
        for thread in self._threads:
            thread.join(timeout)
        self.reaper.join(timeout)

    def _run(self, job_id: int) -> None:
        run_job(self.rt, job_id, self.stop_event, analyse=self.analyse, give_way=True)

    def _consume(self) -> None:
        queue = self.rt.queue
        idle = 0.02
        failing = False
        while not self.stop_event.is_set():
            try:
                ran = queue.run_next()
                failing = False
            except Exception as exc:  # Redis down: said once, not twice a second
                if not failing:
                    log.warning("cannot take jobs off the queue (%r); trying on", exc)
                failing, ran, idle = True, False, IDLE_POLL_MAX
            if ran:
                idle = 0.02
                continue
            if queue.enqueued.wait(idle):
                queue.enqueued.clear()
            idle = min(idle * 2, IDLE_POLL_MAX)


class Reaper:
    """Finds stalled jobs and puts them back on the queue, and forgets failed jobs kept
    past `failed_jobs_keep_days`; runs in every process (web and worker alike), since its
    updates are conditional and so safe to race."""

    def __init__(self, rt: Runtime, stop_event: threading.Event) -> None:
        self.rt = rt
        self.stop_event = stop_event
        self.interval = max(0.5, rt.settings.stale_seconds / 3)
        self.pruned_at = -PRUNE_EVERY
        self._thread = threading.Thread(target=self._loop, name="reaper", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def join(self, timeout: float) -> None:
        self._thread.join(timeout)

    def reap_once(self) -> list[int]:
        """Stalled and long-waiting jobs, and those no queue holds, back on the queue;
        returns the ids it put there (none while the queue cannot be reached)."""
        now = time.monotonic()
        if now - self.pruned_at >= PRUNE_EVERY:  # a delete that seldom finds anything
            self.pruned_at = now
            pruned = prune_failed(self.rt.jobs, self.rt.settings.failed_jobs_keep_days)
            if pruned:
                log.info("forgot %s failed jobs kept past their time", pruned)
        marked = unqueued.marked_jobs(self.rt.db)
        reaped = self.rt.jobs.reap(self.rt.settings.stale_seconds)
        job_ids = list(dict.fromkeys(marked + reaped))
        return unqueued.enqueue_all(self.rt, job_ids, set(marked))

    def _loop(self) -> None:
        while not self.stop_event.wait(self.interval):
            try:
                reaped = self.reap_once()
                if reaped:
                    log.info("re-queued stalled or waiting jobs %s", reaped)
            except Exception:
                log.exception("the reaper failed; trying again")


def run_worker_process(settings: Settings, *, threads: int | None = None) -> None:
    """`wikivice worker`: consume until SIGTERM or Ctrl-C, then hand running jobs back."""
    from wikivice.figures.cache import analyser
    from wikivice.figures.conflict import WarThreshold

    logs.configure(settings.log_level, settings.log_format)
    rt = Runtime.create(settings)
    analyse = analyser(WarThreshold.of(settings))
    if settings.metrics_port is not None:
        metrics.serve(settings.metrics_port)
    worker = Worker(rt, threads or settings.workers, analyse=analyse)
    stopping = threading.Event()

    def on_signal(signum: int, _frame: object) -> None:
        log.info("signal %s: stopping; running jobs go back to the queue", signum)
        stopping.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    worker.start()
    log.info("worker running %s job threads", len(worker._threads))
    try:
        while not stopping.wait(0.5):
            pass
    finally:
        worker.stop()
        rt.close()
        metrics.forget_process()
