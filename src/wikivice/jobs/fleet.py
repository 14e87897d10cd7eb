"""What the whole service is doing now, as the database and the queue say: the same
whichever process asks (for `/metrics`, and the operator's views)."""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import and_, case, func, select

from wikivice.jobs.runtime import Runtime
from wikivice.store.models import FetchJob
from wikivice.store.vocabulary import JobStatus


@dataclass(frozen=True)
class FleetState:
    jobs: dict[JobStatus, int]  # every status, 0 where none
    stalled: int  # running, with a heartbeat older than `stale_seconds`
    queue_depth: int | None  # job ids waiting on the queue (None: the queue is unreachable)


def fleet_state(rt: Runtime) -> FleetState:
    """Jobs by status and the stalled ones (one query), and the queue's depth."""
    stale_before = time.time() - rt.settings.stale_seconds
    is_stalled = and_(FetchJob.status == JobStatus.RUNNING, FetchJob.heartbeat_at < stale_before)
    stalled = func.sum(case((is_stalled, 1), else_=0))
    with rt.db.read() as conn:
        rows = conn.execute(
            select(FetchJob.status, func.count(), stalled).group_by(FetchJob.status)
        ).all()
    jobs = dict.fromkeys(JobStatus, 0)
    stalled_count = 0
    for status, count, stale in rows:
        jobs[JobStatus(status)] = int(count)
        stalled_count += int(stale or 0)
    try:
        depth: int | None = rt.queue.depth()
    except Exception:  # Redis down: /readyz says so; the metrics leave the depth out
        depth = None
    return FleetState(jobs, stalled_count, depth)
