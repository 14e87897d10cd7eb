"""The fetch job state machine. The database row is the truth; the queue only delivers ids.

    queued ──claim──> running ──finish──> done
      ^                  │  └────fail────> failed
      └──requeue/reap────┘        (and reap, once the attempts are spent)
    queued, running ──cancel──> cancelled ──resume──> queued   (jobs.control; failed
                                                               ──retry──> queued too)

Every transition is one conditional UPDATE (racers do no harm) that also takes the next
event number, the event row written in the same transaction. A worker holds a job by its
lease token (`claimed_by`): once the reaper gives the job away, its writes match nothing.
Huey delivers a task at most once (a consumer killed mid-task loses it), hence the
heartbeat and the reaper: a running job whose heartbeat is stale goes back to the queue
and resumes from its checkpoint; a queued job nobody took for a while is enqueued again
(a duplicate delivery is harmless: only one claim can succeed)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import (
    ColumnElement,
    Connection,
    case,
    func,
    insert,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.exc import IntegrityError

from wikivice import metrics
from wikivice.jobs.snapshot import SNAPSHOT_COLUMNS as SNAPSHOT
from wikivice.jobs.snapshot import TIME_COLUMNS, JobSnapshot, event_data
from wikivice.store.database import Database
from wikivice.store.models import FetchJob, JobEvent
from wikivice.store.vocabulary import ACTIVE_JOB_STATUSES, EventKind, JobStatus, Stage

QUEUED, RUNNING, DONE, FAILED, CANCELLED = JobStatus
_SAVE_CHECKPOINT = text(
    "UPDATE fetch_jobs SET done = :done, total = :total, new_revisions = :new, "
    "checkpoint = :checkpoint, message = NULL, heartbeat_at = :now "
    "WHERE id = :id AND claimed_by = :token"
)
# Stages only move forward (issue 11): a job resumed after the lookup keeps its stage.
_CLAIMED_STAGE = case((FetchJob.stage == Stage.QUEUED, Stage.RESOLVING), else_=FetchJob.stage)


class LeaseLost(Exception):
    """This worker no longer holds the job (the reaper gave it to another, or it was
    cancelled: `jobs.control` clears the lease, so the next write of its run fails)."""


@dataclass(frozen=True)
class Claim:
    job_id: int
    page_id: int
    token: str
    attempt: int
    checkpoint: dict[str, str] | None
    stage: Stage = Stage.RESOLVING  # the stage it reached (an earlier attempt's, resumed)
    revision_limit: int | None = None  # stop once the page holds this many (None: never)
    claimed_at: float = field(default_factory=time.monotonic)  # this process's clock
    # Revisions the job stored before this attempt (earlier attempts, and the first batch
    # the web request stored for it): its `new_revisions` count on from there.
    new_before: int = 0
    # The total an earlier attempt estimated (None: it had none): shown again on resuming
    # until this attempt's walk has its own (`jobs.estimate`).
    estimate_before: int | None = None


class Jobs:
    """Job transitions on one database; `notify(job_id)` runs after each commit that
    added an event, to wake up the streams following that job."""

    def __init__(
        self,
        db: Database,
        notify: Callable[[int], None],
        *,
        max_attempts: int = 3,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.db = db
        self.notify = notify
        self.max_attempts = max_attempts
        self.clock = clock

    # -- creating and reading ------------------------------------------------------

    def submit(
        self,
        page_id: int,
        *,
        requested_by: str | None = None,
        revision_limit: int | None = None,
        checkpoint: dict[str, str] | None = None,
        done: int = 0,
    ) -> tuple[int, bool]:
        """The page's active job, or a new one (who asked, its limit; `checkpoint` and
        `done`: where its walk starts, when the first batch is already stored, for it:
        those `done` revisions are its first new ones): (job id, created?)."""
        for _ in range(3):
            active = self.active_for_page(page_id)
            if active is not None:
                return active, False
            try:
                with self.db.write() as conn:
                    job_id = conn.execute(
                        insert(FetchJob)
                        .values(
                            page_id=page_id,
                            status=JobStatus.QUEUED,
                            stage=Stage.QUEUED,
                            message="waiting for a worker",
                            max_attempts=self.max_attempts,
                            created_at=self.clock(),
                            events=0,
                            requested_by=requested_by,
                            revision_limit=revision_limit,
                            checkpoint=orjson.dumps(checkpoint).decode() if checkpoint else None,
                            done=done,
                            new_revisions=done,
                        )
                        .returning(FetchJob.id)
                    ).scalar_one()
                    self._event(conn, job_id, EventKind.QUEUED, {})
            except IntegrityError:
                continue  # another visitor created it a moment ago: join theirs
            self.notify(job_id)
            return job_id, True
        raise RuntimeError(f"could not create or find a job for page {page_id}")

    def active_for_page(self, page_id: int) -> int | None:
        with self.db.read() as conn:
            return conn.execute(
                select(FetchJob.id).where(
                    FetchJob.page_id == page_id, FetchJob.status.in_(ACTIVE_JOB_STATUSES)
                )
            ).scalar()

    def latest_for_page(self, page_id: int) -> JobSnapshot | None:
        """The page's newest job, whatever its status."""
        newest = select(func.max(FetchJob.id)).where(FetchJob.page_id == page_id)
        return self._snapshot(FetchJob.id == newest.scalar_subquery())

    def get(self, job_id: int) -> JobSnapshot | None:
        return self._snapshot(FetchJob.id == job_id)

    def _snapshot(self, which: ColumnElement[bool]) -> JobSnapshot | None:
        with self.db.read() as conn:
            row = conn.execute(select(*SNAPSHOT, *TIME_COLUMNS).where(which)).first()
        return JobSnapshot.from_row(row._mapping) if row else None

    # -- a worker's side -----------------------------------------------------------

    def claim(self, job_id: int) -> Claim | None:
        """Take a queued job; None if it is not queued (taken, finished, not due yet)."""
        token = uuid.uuid4().hex
        now = self.clock()
        with self.db.write() as conn:
            row = conn.execute(
                update(FetchJob)
                .where(
                    FetchJob.id == job_id,
                    FetchJob.status == QUEUED,
                    or_(FetchJob.not_before.is_(None), FetchJob.not_before <= now),
                )
                .values(
                    status=RUNNING,
                    stage=_CLAIMED_STAGE,
                    message=None,
                    claimed_by=token,
                    heartbeat_at=now,
                    attempts=FetchJob.attempts + 1,
                    started_at=now,
                    events=FetchJob.events + 1,
                )
                .returning(*SNAPSHOT, FetchJob.checkpoint, FetchJob.revision_limit)
            ).first()
            if row is None:
                return None
            self.insert_event(conn, row, EventKind.STARTED, {})
        self.notify(job_id)
        checkpoint = orjson.loads(row.checkpoint) if row.checkpoint else None
        return Claim(
            job_id,
            row.page_id,
            token,
            row.attempts,
            checkpoint,
            Stage(row.stage),
            row.revision_limit,
            new_before=row.new_revisions,
            estimate_before=row.total if row.total_is_estimate else None,
        )

    def heartbeat(self, claim: Claim) -> bool:
        with self.db.write() as conn:
            changed = conn.execute(
                update(FetchJob)
                .where(FetchJob.id == claim.job_id, FetchJob.claimed_by == claim.token)
                .values(heartbeat_at=self.clock())
            ).rowcount
        return bool(changed)

    def update(
        self,
        claim: Claim,
        kind: EventKind,
        extra: dict[str, Any] | None = None,
        *,
        conn: Connection | None = None,
        event: bool = True,
        **values: Any,
    ) -> None:
        """Change the running job and record an event (unless `event` is false); raises
        `LeaseLost`.

        With `conn`, it joins that transaction (a batch commits with its progress) and
        the caller must call `notify` after committing."""
        if event and kind.ends_a_run:
            metrics.JOB_SECONDS.labels(kind.value).observe(time.monotonic() - claim.claimed_at)
        if conn is not None:
            self._update(conn, claim, kind if event else None, extra, values)
            return
        with self.db.write() as own:
            self._update(own, claim, kind if event else None, extra, values)
        if event:
            self.notify(claim.job_id)

    def save_checkpoint(
        self,
        conn: Connection,
        claim: Claim,
        done: int,
        total: int | None,
        checkpoint: str | None,
        new_revisions: int,
    ) -> None:
        """Progress and checkpoint of a batch, in the batch's transaction, without an
        event (the cheap path, taken for most batches); raises `LeaseLost`."""
        changed = conn.execute(
            _SAVE_CHECKPOINT,
            {
                "done": done,
                "total": total,
                "new": new_revisions,
                "checkpoint": checkpoint,
                "now": self.clock(),
                "id": claim.job_id,
                "token": claim.token,
            },
        ).rowcount
        if not changed:
            raise LeaseLost(claim.job_id)

    def _update(
        self,
        conn: Connection,
        claim: Claim,
        kind: EventKind | None,
        extra: dict[str, Any] | None,
        values: dict[str, Any],
    ) -> None:
        if kind is not None:
            values = {**values, "events": FetchJob.events + 1}
        row = conn.execute(
            update(FetchJob)
            .where(FetchJob.id == claim.job_id, FetchJob.claimed_by == claim.token)
            .values(heartbeat_at=self.clock(), **values)
            .returning(*SNAPSHOT)
        ).first()
        if row is None:
            raise LeaseLost(claim.job_id)
        if kind is not None:
            self.insert_event(conn, row, kind, extra or {})

    def finish(self, claim: Claim, message: str, **values: Any) -> None:
        """The job is done; `values` are final column values (e.g. `new_revisions`)."""
        self.update(
            claim,
            EventKind.DONE,
            None,
            **values,
            status=DONE,
            stage=Stage.DONE,
            message=message,
            claimed_by=None,
            checkpoint=None,
            finished_at=self.clock(),
        )

    def fail(self, claim: Claim, error: str, extra: dict[str, Any] | None = None) -> None:
        """The job failed (`error`, said to people); `extra` goes into its event."""
        self.update(
            claim,
            EventKind.FAILED,
            extra or {},
            status=FAILED,
            stage=Stage.FAILED,
            error=error,
            message=None,
            claimed_by=None,
            finished_at=self.clock(),
        )

    def requeue(self, claim: Claim, message: str, *, delay: float = 0.0) -> bool:
        """Give the job back (the worker is stopping, or will retry later); it resumes
        from its checkpoint. False if it was not ours any more."""
        try:
            self.update(
                claim,
                EventKind.REQUEUED,
                {},
                status=QUEUED,  # keeping the stage it reached
                message=message,
                claimed_by=None,
                not_before=self.clock() + delay if delay else None,
            )
        except LeaseLost:
            return False
        return True

    def transition(
        self, job_id: int, where: Sequence[ColumnElement[bool]], kind: EventKind, **values: Any
    ) -> bool:
        """Write `values` to the job if it matches `where`, with the event `kind`, in one
        transaction, and wake its followers; False (nothing written) if it does not match.
        What cancel, resume and the reaper do to a job they hold no lease of."""
        with self.db.write() as conn:
            row = conn.execute(
                update(FetchJob)
                .where(FetchJob.id == job_id, *where)
                .values(events=FetchJob.events + 1, **values)
                .returning(*SNAPSHOT)
            ).first()
            if row is None:
                return False
            self.insert_event(conn, row, kind, {})
        self.notify(job_id)
        return True

    # -- the reaper (jobs.reaping) -----------------------------------------------------

    def reap(self, stale_seconds: float, requeue_after: float = 30.0) -> list[int]:
        """Deal with stalled and lost jobs (`jobs.reaping.reap`); returns the ids to put on
        the queue again."""
        from wikivice.jobs.reaping import reap

        return reap(self, stale_seconds, requeue_after)

    # -- events --------------------------------------------------------------------

    def _event(self, conn: Connection, job_id: int, kind: EventKind, extra: dict[str, Any]) -> None:
        row = conn.execute(
            update(FetchJob)
            .where(FetchJob.id == job_id)
            .values(events=FetchJob.events + 1)
            .returning(*SNAPSHOT)
        ).one()
        self.insert_event(conn, row, kind, extra)

    def insert_event(
        self, conn: Connection, row: Any, kind: EventKind, extra: dict[str, Any]
    ) -> None:
        now = self.clock()
        if kind.ends_a_run:  # every run's end passes here, whoever ends it
            metrics.JOBS_ENDED.labels(kind.value).inc()
        data = event_data(row._mapping, extra, now)
        conn.execute(
            insert(JobEvent).values(
                job_id=row.id,
                seq=row.events,
                kind=kind,
                data=orjson.dumps(data).decode(),
                created_at=now,
            )
        )
