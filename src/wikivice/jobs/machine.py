"""The fetch job state machine. The database row is the truth; the queue only delivers ids.

    queued ──claim──> running ──finish──> done
      ^                  │  └────fail────> failed
      └──requeue/reap────┘        (and reap, once the attempts are spent)

Every transition is one conditional UPDATE (so two workers, a worker and the reaper, or
two web processes can race without harm) that also takes the next event number; the
event row is written in the same transaction. A worker holds a job through its lease
token (`claimed_by`): once the reaper has given the job to someone else, the old
worker's writes match nothing and it stops.

Huey delivers a task at most once (a consumer killed mid-task loses it), hence the
heartbeat and the reaper: a running job whose heartbeat is stale goes back to the queue
and resumes from its checkpoint; a queued job nobody took for a while is enqueued again
(a duplicate delivery is harmless: only one claim can succeed).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Connection, and_, insert, or_, select, text, update
from sqlalchemy.exc import IntegrityError

from wikivice.store.database import Database
from wikivice.store.models import ACTIVE_JOB_STATUSES, FetchJob, JobEvent

SNAPSHOT = (
    FetchJob.id,
    FetchJob.page_id,
    FetchJob.status,
    FetchJob.stage,
    FetchJob.message,
    FetchJob.done,
    FetchJob.total,
    FetchJob.total_is_lower_bound,
    FetchJob.new_revisions,
    FetchJob.attempts,
    FetchJob.max_attempts,
    FetchJob.error,
    FetchJob.events,
)
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
                            status="queued",
                            stage="queued",
                            message="waiting for a worker",
                            max_attempts=self.max_attempts,
                            created_at=self.clock(),
                            events=0,
                        )
                        .returning(FetchJob.id)
                    ).scalar_one()
                    self._event(conn, job_id, "queued", {})
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

    def latest_for_page(self, page_id: int) -> dict[str, Any] | None:
        with self.db.read() as conn:
            row = conn.execute(
                select(*SNAPSHOT, FetchJob.created_at, FetchJob.finished_at)
                .where(FetchJob.page_id == page_id)
                .order_by(FetchJob.id.desc())
                .limit(1)
            ).first()
        return dict(row._mapping) if row else None

    def get(self, job_id: int) -> dict[str, Any] | None:
        with self.db.read() as conn:
            row = conn.execute(
                select(
                    *SNAPSHOT,
                    FetchJob.created_at,
                    FetchJob.started_at,
                    FetchJob.finished_at,
                    FetchJob.heartbeat_at,
                ).where(FetchJob.id == job_id)
            ).first()
        return dict(row._mapping) if row else None

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
                    FetchJob.status == "queued",
                    or_(FetchJob.not_before.is_(None), FetchJob.not_before <= now),
                )
                .values(
                    status="running",
                    stage="resolving",
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
            self._insert_event(conn, row, "started", {})
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
        kind: str,
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
        kind: str | None,
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
            "done",
            None,
            **values,
            status="done",
            stage="done",
            message=message,
            claimed_by=None,
            checkpoint=None,
            finished_at=self.clock(),
        )

    def fail(self, claim: Claim, error: str) -> None:
        self.update(
            claim,
            "failed",
            {},
            status="failed",
            stage="failed",
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
                "requeued",
                {},
                status="queued",
                stage="queued",
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
                    FetchJob.status == "running", FetchJob.heartbeat_at < now - stale_seconds
                )
            ).all()
            waiting = conn.execute(
                select(FetchJob.id).where(
                    FetchJob.status == "queued",
                    or_(FetchJob.not_before.is_(None), FetchJob.not_before <= now),
                    FetchJob.created_at < now - requeue_after,
                    or_(
                        FetchJob.heartbeat_at.is_(None),
                        FetchJob.heartbeat_at < now - requeue_after,
                    ),
                )
            ).scalars()
            waited = list(waiting)
        to_enqueue: list[int] = []
        for job_id in waited:
            with self.db.write() as conn:
                row = conn.execute(
                    update(FetchJob)
                    .where(FetchJob.id == job_id, FetchJob.status == "queued")
                    .values(
                        heartbeat_at=now,  # re-enqueued now: not again before requeue_after
                        message="still waiting for a free worker; it starts as soon as one is",
                        events=FetchJob.events + 1,
                    )
                    .returning(*SNAPSHOT)
                ).first()
                if row is None:
                    continue
                self._insert_event(conn, row, "waiting", {})
            self.notify(job_id)
            to_enqueue.append(job_id)
        for job_id, attempts, max_attempts in stalled:
            spent = attempts >= max_attempts
            values: dict[str, Any] = (
                {
                    "status": "failed",
                    "stage": "failed",
                    "error": f"the worker stopped responding {attempts} times; giving up",
                    "finished_at": now,
                }
                if spent
                else {
                    "status": "queued",
                    "stage": "queued",
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
                            FetchJob.status == "running",
                            FetchJob.heartbeat_at < now - stale_seconds,
                        )
                    )
                    .values(claimed_by=None, events=FetchJob.events + 1, **values)
                    .returning(*SNAPSHOT)
                ).first()
                if row is None:
                    continue  # it came back to life, or another reaper got there first
                self._insert_event(conn, row, "failed" if spent else "stalled", {})
            self.notify(job_id)
            if not spent:
                to_enqueue.append(job_id)
        return to_enqueue

    # -- events --------------------------------------------------------------------

    def _event(self, conn: Connection, job_id: int, kind: str, extra: dict[str, Any]) -> None:
        row = conn.execute(
            update(FetchJob)
            .where(FetchJob.id == job_id)
            .values(events=FetchJob.events + 1)
            .returning(*SNAPSHOT)
        ).one()
        self._insert_event(conn, row, kind, extra)

    def _insert_event(self, conn: Connection, row: Any, kind: str, extra: dict[str, Any]) -> None:
        now = self.clock()
        data = dict(row._mapping)
        data.pop("checkpoint", None)
        data.update(extra)
        data["at"] = now  # when it happened (seconds since the epoch)
        conn.execute(
            insert(JobEvent).values(
                job_id=row.id,
                seq=row.events,
                kind=kind,
                data=orjson.dumps(data).decode(),
                created_at=now,
            )
        )
