"""Stopping and restarting jobs by hand (issue 11 part 4, issue 13 part 4): cancel,
resume, retry and "now", for the person who started a job and for the operator.

Each is one conditional UPDATE of the job row with its event, like every transition of
`jobs.machine`. Cancelling clears the lease (`claimed_by`): every write of the worker
running the job is conditional on it, so the worker's next batch (its checkpoint, in the
batch's transaction) or heartbeat fails with `LeaseLost` and it stops, keeping every
batch already committed. A cancelled job is not active (the page may get a new one, the
caps do not count it, the reaper leaves it alone); resumed, it is queued again with its
checkpoint and continues where it stopped.

Who may: the client that started the job (`requested_by`, its address) or the operator.
The address never leaves the row: events say only `cancelled_by` (a `Canceller`).
"""

from __future__ import annotations

from dataclasses import dataclass

import orjson
from sqlalchemy import Connection, case, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from wikivice.jobs import unqueued
from wikivice.jobs.caps import check_caps
from wikivice.jobs.machine import CANCELLED, FAILED, QUEUED, Jobs
from wikivice.jobs.runtime import Runtime
from wikivice.jobs.snapshot import JobSnapshot
from wikivice.store.models import FetchJob, JobEvent, Page
from wikivice.store.vocabulary import ACTIVE_JOB_STATUSES, Canceller, EventKind, JobStatus, Stage

RESUMABLE = (CANCELLED,)  # what the person who started a job may resume
RETRYABLE = (CANCELLED, FAILED)  # what the operator may queue again
DAY = 86400.0
RUNNING_ALREADY = "Another analysis of this article is already running; follow that one."


@dataclass
class ControlRefused(Exception):
    """The job cannot be changed so: `status` is the HTTP status that says why (403:
    not yours; 404: no such job; 409: not in a state that allows it)."""

    status: int
    detail: str


@dataclass(frozen=True)
class Who:
    """Who asks: a web client (its key, `web.clients`), and whether it is the operator."""

    client: str | None
    operator: bool = False

    @property
    def canceller(self) -> Canceller:
        return Canceller.OPERATOR if self.operator else Canceller.REQUESTER


# -- the transitions -----------------------------------------------------------------------


def cancel(jobs: Jobs, job_id: int, by: Canceller) -> bool:
    """Cancel a queued or running job; False if it was neither."""
    return jobs.transition(
        job_id,
        [FetchJob.status.in_(ACTIVE_JOB_STATUSES)],
        EventKind.CANCELLED,
        status=CANCELLED,
        stage=Stage.CANCELLED,
        cancelled_by=by,
        claimed_by=None,  # the worker's next write matches nothing: it stops
        not_before=None,
        message=None,
        finished_at=jobs.clock(),
    )


def requeue_stopped(jobs: Jobs, job_id: int, statuses: tuple[JobStatus, ...], message: str) -> bool:
    """A cancelled (or failed) job back on the queue, with its checkpoint and a fresh set
    of attempts; False if it is not in `statuses` or a newer job of its page exists.
    Raises `ControlRefused` (409) if another job of the page is active."""
    newer = aliased(FetchJob)
    newest = ~select(newer.id).where(newer.page_id == FetchJob.page_id, newer.id > job_id).exists()
    # Its stage: where a resumed walk goes on (fetching), or the start if it had none.
    stage = case((FetchJob.checkpoint.is_(None), Stage.QUEUED), else_=Stage.FETCHING)
    try:
        return jobs.transition(
            job_id,
            [FetchJob.status.in_(statuses), newest],
            EventKind.RESUMED,
            status=QUEUED,
            stage=stage,
            cancelled_by=None,
            error=None,
            message=message,
            finished_at=None,
            not_before=None,
            heartbeat_at=jobs.clock(),  # queued now: the reaper waits before re-enqueuing
            max_attempts=FetchJob.attempts + jobs.max_attempts,
        )
    except IntegrityError:  # the one active job a page may have: someone started another
        raise ControlRefused(409, RUNNING_ALREADY) from None


def hurry(jobs: Jobs, job_id: int) -> bool:
    """A queued job due now (its wait for a retry is over at once), said in an event;
    False if it is not queued. The caller puts it on the queue again."""
    return jobs.transition(
        job_id,
        [FetchJob.status == QUEUED],
        EventKind.RESUMED,
        not_before=None,
        heartbeat_at=jobs.clock(),
        message="queued again by the operator; it starts as soon as a worker is free",
    )


def prune_failed(jobs: Jobs, keep_days: float) -> int:
    """Forget failed jobs (and their events) that ended more than `keep_days` ago, and the
    titles asked for that are left with no job (a title the wiki has no article of:
    `jobs.asked`); returns how many jobs. The operator retries a failed job until then."""
    cutoff = jobs.clock() - keep_days * DAY
    old = (FetchJob.status == FAILED) & (FetchJob.finished_at < cutoff)
    with jobs.db.write() as conn:
        # Only the rows of these jobs' titles: a title asked a moment ago has no job yet.
        asked = set(conn.execute(select(FetchJob.page_id).where(old)).scalars())
        gone = conn.execute(delete(FetchJob).where(old)).rowcount
        has_job = select(FetchJob.id).where(FetchJob.page_id == Page.id).exists()
        for some in _chunks(sorted(asked), 500):
            conn.execute(delete(Page).where(Page.id.in_(some), Page.pageid.is_(None), ~has_job))
    return int(gone or 0)


def _chunks(items: list[int], size: int) -> list[list[int]]:
    return [items[start : start + size] for start in range(0, len(items), size)]


# -- who may, and the queue ----------------------------------------------------------------


def requester_of(jobs: Jobs, job_id: int) -> tuple[bool, str | None]:
    """(the job exists, the client that started it: None for the CLI's jobs)."""
    with jobs.db.read() as conn:
        row = conn.execute(select(FetchJob.requested_by).where(FetchJob.id == job_id)).first()
    return (row is not None, row.requested_by if row is not None else None)


def may_control(requested_by: str | None, who: Who) -> bool:
    return who.operator or (who.client is not None and who.client == requested_by)


def _check(jobs: Jobs, job_id: int, who: Who, verb: str) -> str | None:
    found, requested_by = requester_of(jobs, job_id)
    if not found:
        raise ControlRefused(404, f"There is no job {job_id}.")
    if not may_control(requested_by, who):
        raise ControlRefused(
            403,
            f"Only the person who started this analysis can {verb} it (from the same "
            "address it was started from), or the operator of this service.",
        )
    return requested_by


def cancel_job(rt: Runtime, job_id: int, who: Who) -> JobSnapshot:
    """Cancel for `who`; raises `ControlRefused` (403, 404, 409)."""
    _check(rt.jobs, job_id, who, "cancel")
    if not cancel(rt.jobs, job_id, who.canceller):
        job = _get(rt, job_id)
        if job.status != JobStatus.CANCELLED:
            raise ControlRefused(409, f"This analysis has already ended ({job.status}).")
    return _get(rt, job_id)


def resume_job(rt: Runtime, job_id: int, who: Who) -> JobSnapshot:
    """Resume a cancelled job for `who` (the operator: a failed one too) and put it on
    the queue; a client's counts against its caps (`JobCapReached`). Raises
    `ControlRefused`, or `QueueUnavailable` (the job stays queued for the reaper)."""
    requested_by = _check(rt.jobs, job_id, who, "resume")
    if not who.operator and requested_by is not None:
        settings = rt.settings
        check_caps(rt.db, requested_by, settings.max_queued_per_client, settings.max_queued_jobs)
    statuses = RETRYABLE if who.operator else RESUMABLE
    message = "resumed; waiting for a worker"
    if not requeue_stopped(rt.jobs, job_id, statuses, message):
        job = _get(rt, job_id)
        if job.status in statuses and rt.jobs.active_for_page(job.page_id) is not None:
            raise ControlRefused(409, RUNNING_ALREADY)
        if job.status in statuses:
            raise ControlRefused(409, "A newer analysis of this article exists; open that one.")
        raise ControlRefused(409, f"Only a cancelled analysis can be resumed ({job.status}).")
    unqueued.enqueue(rt, job_id)
    return _get(rt, job_id)


def start_now(rt: Runtime, job_id: int) -> JobSnapshot:
    """The operator's "now": a queued job put on the queue again, due at once."""
    if not hurry(rt.jobs, job_id):
        job = _get(rt, job_id)  # 404 when there is no such job
        raise ControlRefused(409, f"Job {job_id} is {job.status}, not waiting in the queue.")
    unqueued.enqueue(rt, job_id)
    return _get(rt, job_id)


def retry_all_failed(rt: Runtime) -> list[int]:
    """Every failed job still kept, queued again (those whose page has a newer or an
    active job are left as they are, and those of titles the wiki has no article of:
    a typo asked again is the same typo; each can be retried alone); returns the ids
    queued."""
    with rt.db.read() as conn:
        failed = conn.execute(
            select(FetchJob.id).where(FetchJob.status == FAILED).order_by(FetchJob.id)
        ).scalars()
        missing = no_such_article(conn)
        job_ids = [job_id for job_id in failed if job_id not in missing]
    queued = []
    for job_id in job_ids:
        try:
            if requeue_stopped(rt.jobs, job_id, (FAILED,), "retried by the operator"):
                queued.append(job_id)
        except ControlRefused:
            continue
    unqueued.enqueue_all(rt, queued, set())  # the queue down: the reaper puts the rest on it
    return queued


def no_such_article(conn: Connection) -> frozenset[int]:
    """The failed jobs whose last failure was the wiki saying it has no such article
    (`jobs.asked.look_up`: its event says `missing`)."""
    failures = conn.execute(
        select(JobEvent.job_id, JobEvent.data)
        .join(FetchJob, FetchJob.id == JobEvent.job_id)
        .where(FetchJob.status == FAILED, JobEvent.kind == EventKind.FAILED)
        .order_by(JobEvent.job_id, JobEvent.seq)
    )
    last = {job_id: data for job_id, data in failures}  # each job's newest failure
    return frozenset(job_id for job_id, data in last.items() if orjson.loads(data).get("missing"))


def _get(rt: Runtime, job_id: int) -> JobSnapshot:
    job = rt.jobs.get(job_id)
    if job is None:
        raise ControlRefused(404, f"There is no job {job_id}.")
    return job
