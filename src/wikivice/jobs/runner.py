"""Running one fetch job: resolve, fetch and store, analyse; and saying so as it goes.

Used by the queue consumer (`wikivice.jobs.worker`) and by `wikivice fetch` in the
foreground alike. What can go wrong ends in one of three places: the job is finished,
it goes back to the queue to resume from its checkpoint (the worker is stopping, or the
wiki is not answering and attempts remain), or it fails with a message a person can act
on.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import orjson
from sqlalchemy import Connection
from sqlalchemy.exc import InterfaceError, OperationalError

from wikivice import logs
from wikivice.jobs import unqueued
from wikivice.jobs.caps import limit_reached
from wikivice.jobs.estimate import ProgressEstimator
from wikivice.jobs.lanes import GAVE_WAY, Turn
from wikivice.jobs.machine import Claim, Jobs, LeaseLost
from wikivice.jobs.runtime import Runtime
from wikivice.store import pages
from wikivice.store.database import Database
from wikivice.store.fetcher import Fetcher, Interrupted
from wikivice.store.ingest import IngestResult, ingest
from wikivice.store.pages import PageRef
from wikivice.store.vocabulary import EventKind, Stage
from wikivice.wiki.client import RevisionBatch
from wikivice.wiki.errors import MediaWikiError, PageMissing, WikiUnavailable
from wikivice.wiki.sites import WikiSite
from wikivice.wiki.timestamps import parse_timestamp
from wikivice.wiki.transport import RetryNotice

log = logging.getLogger(__name__)
PROGRESS_EVERY = 0.25  # seconds between progress events (every batch still checkpoints)
RESOLVE_REUSE = 60.0  # a resolve this recent (the web request's) is not repeated
DATABASE_PATIENCE = 60.0  # seconds a run waits for its database to answer again
Analyser = Callable[[Database, PageRef], None]
INTERNAL_ERROR = "something went wrong on our side; it is logged for the operators to fix"


def run_job(
    rt: Runtime,
    job_id: int,
    stop: threading.Event,
    *,
    analyse: Analyser | None = None,
    requeue: Callable[[int], None] | None = None,
    give_way: bool = False,
) -> IngestResult | None:
    """Claim and run a queued job; None if someone else has it or it is finished.
    `give_way`: a huge job gives way to small ones (`jobs.lanes`; queue workers)."""
    claim = rt.jobs.claim(job_id)
    if claim is None:
        return None
    return run_claimed(rt, claim, stop, analyse=analyse, requeue=requeue, give_way=give_way)


def run_claimed(
    rt: Runtime,
    claim: Claim,
    stop: threading.Event,
    *,
    analyse: Analyser | None = None,
    requeue: Callable[[int], None] | None = None,
    head_start: Fetcher | None = None,
    give_way: bool = False,
) -> IngestResult | None:
    """Run a claimed job to its end (`head_start`: see `ingest`; `give_way`: `run_job`)."""
    jobs = rt.jobs
    logs.bind(job=claim.job_id)
    # The queue is built on first use (`wikivice fetch` seldom needs it).
    again = requeue or (lambda job_id: unqueued.enqueue(rt, job_id))
    beat = _Heartbeat(jobs, claim, rt.settings.heartbeat_seconds)
    beat.start()
    try:
        turn = Turn(rt.db, claim.job_id, rt.settings.huge_job_revisions) if give_way else None
        return _run(rt, claim, stop, beat, analyse, head_start, turn)
    except Interrupted:
        if not beat.lost.is_set():  # the worker stops, or a huge job gives way (jobs.lanes)
            _give_back(jobs, claim, again, GAVE_WAY if not stop.is_set() else None)
    except LeaseLost:  # nothing of the run is written after this: what it stored stays
        log.info("job %s stopped: cancelled, or taken over by another worker", claim.job_id)
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
    except (OperationalError, InterfaceError) as exc:  # the database, not the job
        log.warning("job %s: the database went away (%s)", claim.job_id, type(exc).__name__)
        _wait_for_the_database(jobs, claim, again, stop)
    except Exception:
        # Its text (an errno, a driver's words) goes to the log, never to a person.
        log.exception("job %s failed", claim.job_id)
        _fail(jobs, claim, INTERNAL_ERROR)
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
    turn: Turn | None,
) -> IngestResult | None:
    """The job's way when nothing goes wrong: resolve, ingest, analyse, finish."""
    with rt.db.read() as conn:
        page = pages.page_by_id(conn, claim.page_id)
        site = pages.site_by_id(conn, page.wiki_id) if page else None
    if page is None or site is None:
        rt.jobs.fail(claim, "the page is no longer in the database")
        return None
    logs.bind(wiki=site.key, title=page.title)
    resuming = " from its checkpoint" if claim.checkpoint else ""
    log.info("job %s started%s (attempt %s)", claim.job_id, resuming, claim.attempt)
    listener = JobProgress(rt.jobs, claim, site, page.stored_revisions)

    def sleep(seconds: float) -> None:
        if stop.wait(seconds) or beat.lost.is_set():
            raise Interrupted

    wiki = rt.wikis.client(
        site, listener=listener.retrying, sleep=sleep, on_wait=listener.waiting_for_slot
    )
    listener.stage(Stage.RESOLVING)
    if claim.checkpoint is None and time.time() - (page.resolved_at or 0) > RESOLVE_REUSE:
        resolved = wiki.resolve_pageid(page.pageid)
        with rt.db.write() as conn:
            page = pages.upsert_page(conn, page.wiki_id, resolved)
    if page.is_current and claim.checkpoint is None:
        rt.jobs.finish(claim, "already up to date", new_revisions=0)
        return IngestResult(0, page.stored_revisions, wiki.requests, 0.0)
    limit = claim.revision_limit
    if limit is not None and page.stored_revisions >= limit:
        # No walk: a refresh would only find more of what this server does not fetch.
        result = IngestResult(0, page.stored_revisions, wiki.requests, 0.0, capped=True)
        _finish(rt.jobs, claim, result, listener.started, limit)
        return result
    result = ingest(
        rt.db,
        wiki,
        page,
        listener,
        resume=claim.checkpoint,
        should_stop=lambda: stop.is_set() or beat.lost.is_set() or bool(turn and turn.over()),
        head_start=head_start,
        limit=limit,
    )
    if analyse is not None:
        done = result.stored_revisions
        rt.jobs.update(claim, EventKind.STAGE, stage=Stage.ANALYSING, message=None, done=done)
        with rt.db.read() as conn:
            page = pages.page_by_id(conn, claim.page_id) or page
        analyse(rt.db, page)
    _finish(rt.jobs, claim, result, listener.started, limit)
    return result


def _finish(
    jobs: Jobs, claim: Claim, result: IngestResult, started: float, limit: int | None
) -> None:
    capped = limit is not None and result.capped
    log.info(
        "job %s done: %s new revisions, %s stored, %s requests in %.1f s%s",
        claim.job_id,
        f"{result.new_revisions:,}",
        f"{result.stored_revisions:,}",
        result.requests,
        time.monotonic() - started,
        f" (stopped at its limit of {limit:,})" if capped and limit else "",
    )
    jobs.finish(
        claim,
        limit_reached(limit or 0) if capped else _new_revisions(result.new_revisions),
        new_revisions=result.new_revisions,
        done=result.stored_revisions,
        total=result.stored_revisions,
        total_is_lower_bound=False,
        total_is_estimate=False,
    )


def _new_revisions(count: int) -> str:
    """The finished job's message: "1 new revision", "4,000 new revisions"."""
    return f"{count:,} new revision{'' if count == 1 else 's'}"


def _give_back(
    jobs: Jobs, claim: Claim, enqueue: Callable[[int], None], why: str | None = None
) -> None:
    """The worker stops (or the job gives way, `why`): the job goes back to the queue, to
    resume from its checkpoint."""
    log.info("job %s handed back to the queue: %s", claim.job_id, why or "the worker stops")
    if jobs.requeue(claim, why or "the worker stopped; resuming where it left off"):
        enqueue(claim.job_id)


def _wait_for_the_database(
    jobs: Jobs, claim: Claim, enqueue: Callable[[int], None], stop: threading.Event
) -> None:
    """The database stopped answering mid-run (a restart, a failover): hand the job back
    as soon as it answers again, to resume from its last committed batch. If it stays
    away longer, the job's heartbeat goes stale and the reaper does it instead."""
    wait = 0.5
    deadline = time.monotonic() + DATABASE_PATIENCE
    while not stop.is_set() and time.monotonic() < deadline:
        try:
            if jobs.requeue(claim, "the database was unreachable; resuming where it left off"):
                log.info("job %s handed back: the database answers again", claim.job_id)
                with contextlib.suppress(Exception):  # the queue down too: the reaper's job
                    enqueue(claim.job_id)
            return
        except LeaseLost:
            return
        except (OperationalError, InterfaceError):
            stop.wait(wait)
            wait = min(wait * 2, 5.0)


def _fail(jobs: Jobs, claim: Claim, error: str) -> None:
    log.warning("job %s failed: %s", claim.job_id, error)
    try:
        jobs.fail(claim, error)
    except LeaseLost:
        pass


class JobProgress:
    """The ingest listener of a job: progress into the job row and its events.

    The total shown is the wiki's count, or past its cap an estimate (`jobs.estimate`);
    the stage only moves forward (a resumed job does not count again), and each retry is
    said at once, before its wait, in plain words."""

    def __init__(self, jobs: Jobs, claim: Claim, site: WikiSite, done_before: int) -> None:
        self.jobs = jobs
        self.claim = claim
        self.site = site
        self.host = urlsplit(site.api_url).netloc or site.key
        self.started = time.monotonic()
        self.done = done_before
        self.reached = claim.stage
        self.estimator = ProgressEstimator()
        self.last_event = 0.0
        self.pending_notify = False

    def stage(self, stage: Stage, message: str | None = None) -> None:
        if stage.rank < self.reached.rank:
            return  # never backwards: it counted (or resolved) on an earlier attempt
        self.reached = stage
        self.jobs.update(self.claim, EventKind.STAGE, stage=stage, message=message)

    def total(self, total: int | None, lower_bound: bool) -> None:
        self.estimator.counted(total, lower_bound)
        shown = self.estimator.estimate(self.done)
        self.jobs.update(
            self.claim,
            EventKind.PROGRESS,
            total=shown.total if shown.total is not None else total,
            total_is_lower_bound=lower_bound,
            total_is_estimate=shown.estimated,
            message=None,
        )

    def far_end(self, timestamps: list[int]) -> None:
        self.estimator.far_end(timestamps)

    def walked(self, batch: RevisionBatch) -> None:
        revisions = batch.revisions
        ends = (_epoch(revisions[0]), _epoch(revisions[-1])) if revisions else (None, None)
        self.estimator.walked(batch.fetched_at, len(revisions), *ends)

    def batch_stored(
        self, conn: Connection, done: int, total: int | None, checkpoint: dict[str, str] | None
    ) -> bool:
        now = time.monotonic()
        self.done = done
        shown = self.estimator.estimate(done)
        if shown.total is not None:
            total = shown.total
        saved = orjson.dumps(checkpoint).decode() if checkpoint else None
        if checkpoint is not None and now - self.last_event < PROGRESS_EVERY:
            self.jobs.save_checkpoint(conn, self.claim, done, total, saved)
            return False
        values: dict[str, Any] = {
            "done": done,
            "total": total,
            "total_is_estimate": shown.estimated,
            "checkpoint": saved,
            "message": None,
        }
        extra = {
            "rate": round(shown.rate, 1) if shown.rate is not None else None,
            "eta": round(shown.eta, 1) if shown.eta is not None else None,
        }
        self.jobs.update(self.claim, EventKind.PROGRESS, extra, conn=conn, **values)
        self.last_event = now
        self.pending_notify = True
        return True

    def batch_committed(self) -> None:
        if self.pending_notify:
            self.pending_notify = False
            self.jobs.notify(self.claim.job_id)

    def retrying(self, notice: RetryNotice) -> None:
        """Said before the wait (issue 11: within seconds of the first failed request)."""
        extra = {
            "reason": notice.reason,
            "wait": notice.wait,
            "attempt": notice.attempt + 1,
            "tries": notice.tries,
        }
        try:
            self.jobs.update(
                self.claim, EventKind.RETRYING, extra, message=notice.sentence(self.host)
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


def _epoch(revision: dict[str, Any]) -> int | None:
    try:
        return parse_timestamp(str(revision["timestamp"]))
    except (KeyError, ValueError):
        return None  # a wiki's odd answer only leaves the estimate without this batch


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
