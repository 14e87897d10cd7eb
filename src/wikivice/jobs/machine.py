"""The fetch job state machine. The database row is the truth; the queue only delivers ids.

    queued ──claim──> running ──finish──> done
      ^                  │  └────fail────> failed
      └──requeue/reap────┘        (and reap, once the attempts are spent)

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
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import Connection, and_, insert, or_, select, text, update
from sqlalchemy.exc import IntegrityError

from wikivice import metrics
from wikivice.jobs.snapshot import SNAPSHOT_COLUMNS as SNAPSHOT
from wikivice.jobs.snapshot import TIME_COLUMNS, JobSnapshot, event_data
from wikivice.store.database import Database
from wikivice.store.models import FetchJob, JobEvent
from wikivice.store.vocabulary import ACTIVE_JOB_STATUSES, EventKind, JobStatus, Stage

QUEUED, RUNNING, DONE, FAILED = JobStatus
_SAVE_CHECKPOINT = text(
    "UPDATE fetch_jobs SET done = :done, total = :total, checkpoint = :checkpoint, "
    "message = NULL, heartbeat_at = :now WHERE id = :id AND claimed_by = :token"
)


class LeaseLost(Exception):
    """This worker no longer holds the job (the reaper gave it to another)."""


@dataclass(frozen=True)
class Claim:
    job_id: int
    page_id: int
    token: str
    attempt: int
    checkpoint: dict[str, str] | None
    claimed_at: float = field(default_factory=time.monotonic)  # this process's clock


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

    def submit(self, page_id: int) -> tuple[int, bool]:
        """The page's active job, created if there is none: (job id, created?)."""
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
        with self.db.read() as conn:
            row = conn.execute(
                select(*SNAPSHOT, *TIME_COLUMNS)
                .where(FetchJob.page_id == page_id)
                .order_by(FetchJob.id.desc())
                .limit(1)
            ).first()
        return JobSnapshot.from_row(row._mapping) if row else None

    def get(self, job_id: int) -> JobSnapshot | None:
        with self.db.read() as conn:
            row = conn.execute(
                select(*SNAPSHOT, *TIME_COLUMNS).where(FetchJob.id == job_id)
            ).first()
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
                    stage=Stage.RESOLVING,
                    message=None,
                    claimed_by=token,
                    heartbeat_at=now,
                    attempts=FetchJob.attempts + 1,
                    started_at=now,
                    events=FetchJob.events + 1,
                )
                .returning(*SNAPSHOT, FetchJob.checkpoint)
            ).first()
            if row is None:
                return None
            self._insert_event(conn, row, EventKind.STARTED, {})
        self.notify(job_id)
        checkpoint = orjson.loads(row.checkpoint) if row.checkpoint else None
        return Claim(job_id, row.page_id, token, row.attempts, checkpoint)

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
        self, conn: Connection, claim: Claim, done: int, total: int | None, checkpoint: str | None
    ) -> None:
        """Progress and checkpoint of a batch, in the batch's transaction, without an
        event (the cheap path, taken for most batches); raises `LeaseLost`."""
        changed = conn.execute(
            _SAVE_CHECKPOINT,
            {
                "done": done,
                "total": total,
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
            self._insert_event(conn, row, kind, extra or {})

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

    def fail(self, claim: Claim, error: str) -> None:
        self.update(
            claim,
            EventKind.FAILED,
            {},
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
                status=QUEUED,
                stage=Stage.QUEUED,
                message=message,
                claimed_by=None,
                not_before=self.clock() + delay if delay else None,
            )
        except LeaseLost:
            return False
        return True

    # -- the reaper ----------------------------------------------------------------

    def reap(self, stale_seconds: float, requeue_after: float = 30.0) -> list[int]:
        """Deal with stalled jobs; returns the ids to put on the queue again.

        A running job whose heartbeat is older than `stale_seconds` goes back to the
        queue, or fails once its attempts are spent. A queued job that is due and has
        waited `requeue_after` seconds (its queue message may have been lost) is
        returned to be enqueued again."""
        now = self.clock()
        with self.db.read() as conn:
            stalled = conn.execute(
                select(FetchJob.id, FetchJob.attempts, FetchJob.max_attempts).where(
                    FetchJob.status == RUNNING, FetchJob.heartbeat_at < now - stale_seconds
                )
            ).all()
            waited = list(
                conn.execute(
                    select(FetchJob.id).where(
                        FetchJob.status == QUEUED,
                        or_(FetchJob.not_before.is_(None), FetchJob.not_before <= now),
                        FetchJob.created_at < now - requeue_after,
                        or_(
                            FetchJob.heartbeat_at.is_(None),
                            FetchJob.heartbeat_at < now - requeue_after,
                        ),
                    )
                ).scalars()
            )
        to_enqueue = [job_id for job_id in waited if self._still_waiting(job_id, now)]
        for job_id, attempts, max_attempts in stalled:
            if self._reap_stalled(job_id, attempts >= max_attempts, attempts, now, stale_seconds):
                to_enqueue.append(job_id)
        return to_enqueue

    def _still_waiting(self, job_id: int, now: float) -> bool:
        """Say that a queued job still waits for a worker; False if it is not queued."""
        with self.db.write() as conn:
            row = conn.execute(
                update(FetchJob)
                .where(FetchJob.id == job_id, FetchJob.status == QUEUED)
                .values(
                    heartbeat_at=now,  # re-enqueued now: not again before requeue_after
                    message="still waiting for a free worker; it starts as soon as one is",
                    events=FetchJob.events + 1,
                )
                .returning(*SNAPSHOT)
            ).first()
            if row is None:
                return False
            self._insert_event(conn, row, EventKind.WAITING, {})
        self.notify(job_id)
        return True

    def _reap_stalled(
        self, job_id: int, spent: bool, attempts: int, now: float, stale_seconds: float
    ) -> bool:
        """Fail a stalled job whose attempts are spent, else queue it again (True)."""
        values: dict[str, Any] = (
            {
                "status": FAILED,
                "stage": Stage.FAILED,
                "error": f"the worker stopped responding {attempts} times; giving up",
                "finished_at": now,
            }
            if spent
            else {
                "status": QUEUED,
                "stage": Stage.QUEUED,
                "message": "the worker stopped responding; resuming where it left off",
                # Marks when it was re-queued, so it is not re-enqueued at once again.
                "heartbeat_at": now,
            }
        )
        with self.db.write() as conn:
            row = conn.execute(
                update(FetchJob)
                .where(
                    and_(
                        FetchJob.id == job_id,
                        FetchJob.status == RUNNING,
                        FetchJob.heartbeat_at < now - stale_seconds,
                    )
                )
                .values(claimed_by=None, events=FetchJob.events + 1, **values)
                .returning(*SNAPSHOT)
            ).first()
            if row is None:
                return False  # it came back to life, or another reaper got there first
            self._insert_event(conn, row, EventKind.FAILED if spent else EventKind.STALLED, {})
        self.notify(job_id)
        return not spent

    # -- events --------------------------------------------------------------------

    def _event(self, conn: Connection, job_id: int, kind: EventKind, extra: dict[str, Any]) -> None:
        row = conn.execute(
            update(FetchJob)
            .where(FetchJob.id == job_id)
            .values(events=FetchJob.events + 1)
            .returning(*SNAPSHOT)
        ).one()
        self._insert_event(conn, row, kind, extra)

    def _insert_event(
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
