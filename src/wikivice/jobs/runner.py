"""Running one fetch job: resolve, fetch and store, analyse; and saying so as it goes.

Used by the queue consumer (`wikivice.jobs.worker`) and by `wikivice fetch` in the
foreground alike. What can go wrong ends in one of three places: the job is finished,
it goes back to the queue to resume from its checkpoint (the worker is stopping, or the
wiki is not answering and attempts remain), or it fails with a message a person can act
on.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import threading
import time
from collections.abc import Callable

from sqlalchemy.exc import InterfaceError, OperationalError

from wikivice import logs
from wikivice.jobs import unqueued
from wikivice.jobs.asked import LookedUp, first_request
from wikivice.jobs.caps import limit_reached
from wikivice.jobs.lanes import GAVE_WAY, Turn
from wikivice.jobs.machine import Claim, Jobs, LeaseLost
from wikivice.jobs.progress import JobProgress
from wikivice.jobs.runtime import Runtime
from wikivice.store import pages
from wikivice.store.database import Database
from wikivice.store.fetcher import Fetcher, Interrupted
from wikivice.store.ingest import IngestResult, ingest
from wikivice.store.pages import PageRef
from wikivice.store.vocabulary import EventKind, Stage
from wikivice.wiki.errors import MediaWikiError, PageMissing, WikiUnavailable

log = logging.getLogger(__name__)
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
            wait = rt.settings.job_retry_delay * claim.attempt
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
    looked = first_request(rt.jobs, claim, wiki, site, page)
    if looked is None:
        return None
    claim, page, resume, head = looked.claim, looked.page, looked.resume, looked.stored
    listener.done = max(listener.done, head)
    # The page the title led to (maybe one stored already), as it was before this attempt.
    listener.stored_before = page.stored_revisions - head
    limit = claim.revision_limit
    unwalked = _without_a_walk(rt.jobs, looked, limit, wiki.requests, listener.started)
    if unwalked is not None:
        return unwalked
    result = ingest(
        rt.db,
        wiki,
        page,
        listener,
        resume=resume,
        should_stop=lambda: stop.is_set() or beat.lost.is_set() or bool(turn and turn.over()),
        head_start=head_start,
        limit=limit,
    )
    new = claim.new_before + head + result.new_revisions  # earlier attempts' included
    result = dataclasses.replace(result, new_revisions=new)
    if analyse is not None:
        done = result.stored_revisions
        rt.jobs.update(claim, EventKind.STAGE, stage=Stage.ANALYSING, message=None, done=done)
        with rt.db.read() as conn:
            page = pages.page_by_id(conn, claim.page_id) or page
        analyse(rt.db, page)
    _finish(rt.jobs, claim, result, listener.started, limit)
    return result


def _without_a_walk(
    jobs: Jobs, looked: LookedUp, limit: int | None, requests: int, started: float
) -> IngestResult | None:
    """The job finished with no walk, when none is needed: the first request brought the
    whole history (`jobs.asked`), or what is stored is current, or a refresh would only
    find more of what this server does not fetch (its `limit`). None: walk."""
    claim, page = looked.claim, looked.page
    before = claim.new_before
    if looked.complete:
        result = IngestResult(before + looked.stored, page.stored_revisions, requests, 0.0)
    elif page.is_current and looked.resume is None:
        log.info("job %s done: already up to date", claim.job_id)
        jobs.finish(claim, "already up to date", new_revisions=before)
        return IngestResult(before, page.stored_revisions, requests, 0.0)
    elif limit is not None and page.stored_revisions >= limit:
        result = IngestResult(before, page.stored_revisions, requests, 0.0, capped=True)
    else:
        return None
    _finish(jobs, claim, result, started, limit)
    return result


def _finish(
    jobs: Jobs, claim: Claim, result: IngestResult, started: float, limit: int | None
) -> None:
    capped = limit is not None and result.capped
    log.info(
        "job %s done: %s, %s stored, %s requests in %.1f s%s",
        claim.job_id,
        _new_revisions(result.new_revisions),
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
