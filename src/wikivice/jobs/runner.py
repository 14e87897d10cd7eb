"""Running one fetch job: resolve, fetch and store, analyse; and saying so as it goes.

Used by the queue consumer (`wikivice.jobs.worker`) and by `wikivice fetch` in the
foreground alike. What can go wrong ends in one of three places: the job is finished,
it goes back to the queue to resume from its checkpoint (the worker is stopping, or the
wiki is not answering and attempts remain), or it fails with a message a person can act
on.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import orjson
from sqlalchemy import Connection

from wikivice import logs
from wikivice.jobs.machine import Claim, Jobs, LeaseLost
from wikivice.jobs.runtime import Runtime
from wikivice.store import pages
from wikivice.store.database import Database
from wikivice.store.fetcher import Fetcher, Interrupted
from wikivice.store.ingest import IngestResult, ingest
from wikivice.store.pages import PageRef
from wikivice.store.vocabulary import EventKind, Stage
from wikivice.wiki.errors import MediaWikiError, PageMissing, WikiUnavailable
from wikivice.wiki.sites import WikiSite
from wikivice.wiki.transport import RetryNotice

log = logging.getLogger(__name__)
PROGRESS_EVERY = 0.25  # seconds between progress events (every batch still checkpoints)
RESOLVE_REUSE = 60.0  # a resolve this recent (the web request's) is not repeated
RETRY_WAIT = {"maxlag": "asked us to slow down", "429": "asked us to slow down"}
Analyser = Callable[[Database, PageRef], None]


def run_job(
    rt: Runtime,
    job_id: int,
    stop: threading.Event,
    *,
    analyse: Analyser | None = None,
    requeue: Callable[[int], None] | None = None,
) -> IngestResult | None:
    """Claim and run a queued job; None if someone else has it or it is finished."""
    claim = rt.jobs.claim(job_id)
    if claim is None:
        return None
    return run_claimed(rt, claim, stop, analyse=analyse, requeue=requeue)


def run_claimed(
    rt: Runtime,
    claim: Claim,
    stop: threading.Event,
    *,
    analyse: Analyser | None = None,
    requeue: Callable[[int], None] | None = None,
    head_start: Fetcher | None = None,
) -> IngestResult | None:
    """Run a claimed job to its end (`head_start`: see `ingest`)."""
    jobs = rt.jobs
    # The queue is built on first use (`wikivice fetch` seldom needs it).
    again = requeue or (lambda job_id: rt.queue.enqueue(job_id))
    logs.bind(job=claim.job_id)
    beat = _Heartbeat(jobs, claim, rt.settings.heartbeat_seconds)
    beat.start()
    try:
        return _run(rt, claim, stop, beat, analyse, head_start)
    except Interrupted:
        if not beat.lost.is_set():
            _give_back(jobs, claim, again)
    except LeaseLost:
        log.info("job %s was taken over by another worker", claim.job_id)
    except PageMissing as exc:
        _fail(jobs, claim, f"the page was deleted or moved away ({exc})")
    except WikiUnavailable as exc:
        if claim.attempt >= rt.jobs.max_attempts:
            _fail(jobs, claim, str(exc))
        elif stop.is_set():  # the worker is stopping anyway: as any job of a stopping worker
            _give_back(jobs, claim, again)
        else:
            wait = 10.0 * claim.attempt
            log.info("job %s paused: %s; trying again in %g s", claim.job_id, exc, wait)
            if jobs.requeue(claim, f"{exc}; trying again in {wait:g} s", delay=wait):
                again(claim.job_id)
    except MediaWikiError as exc:
        _fail(jobs, claim, str(exc))
    except Exception as exc:
        log.exception("job %s failed", claim.job_id)
        _fail(jobs, claim, f"an internal error stopped the fetch ({exc.__class__.__name__})")
    finally:
        beat.stop()
        if head_start is not None:
            head_start.stop()  # unused (the page was current, or the job ended early)
        logs.unbind()
    return None


def _run(
    rt: Runtime,
    claim: Claim,
    stop: threading.Event,
    beat: _Heartbeat,
    analyse: Analyser | None,
    head_start: Fetcher | None,
) -> IngestResult | None:
    """The job's way when nothing goes wrong: resolve, ingest, analyse, finish."""
    jobs = rt.jobs
    with rt.db.read() as conn:
        page = pages.page_by_id(conn, claim.page_id)
        site = pages.site_by_id(conn, page.wiki_id) if page else None
    if page is None or site is None:
        jobs.fail(claim, "the page is no longer in the database")
        return None
    logs.bind(wiki=site.key, title=page.title)
    resuming = " from its checkpoint" if claim.checkpoint else ""
    log.info("job %s started%s (attempt %s)", claim.job_id, resuming, claim.attempt)
    listener = JobProgress(jobs, claim, site, page.stored_revisions)

    def sleep(seconds: float) -> None:
        if stop.wait(seconds) or beat.lost.is_set():
            raise Interrupted

    wiki = rt.wikis.client(
        site, listener=listener.retrying, sleep=sleep, on_wait=listener.waiting_for_slot
    )
    jobs.update(claim, EventKind.STAGE, stage=Stage.RESOLVING, message=None)
    if claim.checkpoint is None and time.time() - (page.resolved_at or 0) > RESOLVE_REUSE:
        resolved = wiki.resolve_pageid(page.pageid)
        with rt.db.write() as conn:
            page = pages.upsert_page(conn, page.wiki_id, resolved)
    if page.is_current and claim.checkpoint is None:
        jobs.finish(claim, "already up to date", new_revisions=0)
        return IngestResult(0, page.stored_revisions, wiki.requests, 0.0)
    result = ingest(
        rt.db,
        wiki,
        page,
        listener,
        resume=claim.checkpoint,
        should_stop=lambda: stop.is_set() or beat.lost.is_set(),
        head_start=head_start,
    )
    if analyse is not None:
        done = result.stored_revisions
        jobs.update(claim, EventKind.STAGE, stage=Stage.ANALYSING, message=None, done=done)
        with rt.db.read() as conn:
            page = pages.page_by_id(conn, claim.page_id) or page
        analyse(rt.db, page)
    _finish(jobs, claim, result, listener.started)
    return result


def _finish(jobs: Jobs, claim: Claim, result: IngestResult, started: float) -> None:
    log.info(
        "job %s done: %s new revisions, %s stored, %s requests in %.1f s",
        claim.job_id,
        f"{result.new_revisions:,}",
        f"{result.stored_revisions:,}",
        result.requests,
        time.monotonic() - started,
    )
    jobs.finish(
        claim,
        f"{result.new_revisions:,} new revisions",
        new_revisions=result.new_revisions,
        done=result.stored_revisions,
        total=result.stored_revisions,
        total_is_lower_bound=False,
    )


def _give_back(jobs: Jobs, claim: Claim, enqueue: Callable[[int], None]) -> None:
    """The worker stops: the job goes back to the queue, to resume from its checkpoint."""
    log.info("job %s handed back to the queue: the worker is stopping", claim.job_id)
    if jobs.requeue(claim, "the worker stopped; resuming where it left off"):
        enqueue(claim.job_id)


def _fail(jobs: Jobs, claim: Claim, error: str) -> None:
    log.warning("job %s failed: %s", claim.job_id, error)
    try:
        jobs.fail(claim, error)
    except LeaseLost:
        pass


class JobProgress:
    """The ingest listener of a job: progress into the job row and its events."""

    def __init__(self, jobs: Jobs, claim: Claim, site: WikiSite, done_before: int) -> None:
        self.jobs = jobs
        self.claim = claim
        self.site = site
        self.started = time.monotonic()
        self.done_before = done_before
        self.last_event = 0.0
        self.pending_notify = False
        self.lower_bound = False

    def stage(self, stage: Stage, message: str | None = None) -> None:
        self.jobs.update(self.claim, EventKind.STAGE, stage=stage, message=message)

    def total(self, total: int | None, lower_bound: bool) -> None:
        self.lower_bound = lower_bound
        self.jobs.update(
            self.claim,
            EventKind.PROGRESS,
            total=total,
            total_is_lower_bound=lower_bound,
            message=None,
        )

    def batch_stored(
        self, conn: Connection, done: int, total: int | None, checkpoint: dict[str, str] | None
    ) -> bool:
        now = time.monotonic()
        saved = orjson.dumps(checkpoint).decode() if checkpoint else None
        if checkpoint is not None and now - self.last_event < PROGRESS_EVERY:
            self.jobs.save_checkpoint(conn, self.claim, done, total, saved)
            return False
        values: dict[str, Any] = {
            "done": done,
            "total": total,
            "checkpoint": saved,
            "message": None,
        }
        elapsed = max(now - self.started, 1e-6)
        rate = (done - self.done_before) / elapsed
        eta = (total - done) / rate if total and rate > 0 and total > done else None
        extra = {"rate": round(rate, 1), "eta": round(eta, 1) if eta is not None else None}
        self.jobs.update(self.claim, EventKind.PROGRESS, extra, conn=conn, **values)
        self.last_event = now
        self.pending_notify = True
        return True

    def batch_committed(self) -> None:
        if self.pending_notify:
            self.pending_notify = False
            self.jobs.notify(self.claim.job_id)

    def retrying(self, notice: RetryNotice) -> None:
        host = self.site.key
        what = RETRY_WAIT.get(notice.reason)
        if what is None:
            what = f"had a problem ({notice.detail})"
        message = f"{host} {what}; retrying in {notice.wait:.0f} s (try {notice.attempt + 1})"
        try:
            self.jobs.update(
                self.claim,
                EventKind.RETRYING,
                {"reason": notice.reason, "wait": notice.wait},
                message=message,
            )
        except LeaseLost:
            raise Interrupted from None

    def waiting_for_slot(self, host: str) -> None:
        """The service already sends the host as many requests as it may: say so."""
        message = (
            f"waiting for a free slot: {host} is already answering as many requests from "
            "this service as it asks for"
        )
        try:
            self.jobs.update(self.claim, EventKind.PROGRESS, message=message)
        except LeaseLost:
            raise Interrupted from None


class _Heartbeat:
    """Keeps the job's heartbeat fresh while it runs, even through long waits."""

    def __init__(self, jobs: Jobs, claim: Claim, every: float) -> None:
        self.jobs = jobs
        self.claim = claim
        self.every = every
        self.done = threading.Event()
        self.lost = threading.Event()
        self.thread = threading.Thread(
            target=logs.in_context(self._run), name="heartbeat", daemon=True
        )

    def start(self) -> None:
        self.thread.start()

    def _run(self) -> None:
        while not self.done.wait(self.every):
            try:
                if not self.jobs.heartbeat(self.claim):
                    self.lost.set()
                    return
            except Exception:
                log.warning("heartbeat of job %s failed", self.claim.job_id, exc_info=True)

    def stop(self) -> None:
        """Stop beating, and wait for a beat under way: no write of this job may
        outlive its run (nor hold a connection of a database about to close)."""
        self.done.set()
        if self.thread.is_alive() and self.thread is not threading.current_thread():
            self.thread.join(10)
