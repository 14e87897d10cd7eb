"""What the job inspector (`/admin`, issue 13) shows: jobs by state with their article,
wiki, worker, attempts, times, stored revisions and error; one job's whole event log;
and how many of each wiki's fleet-wide politeness slots are in use.

"Stalled" is not a status the rows hold: it is a running job whose heartbeat is older
than `stale_seconds` (its worker died or hangs; the reaper will queue it again).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import ColumnElement, and_, case, func, select

from wikivice.jobs.events import Event, events_after
from wikivice.jobs.runtime import Runtime
from wikivice.store.models import FetchJob, Page, Wiki
from wikivice.store.vocabulary import Canceller, JobStatus, Stage

LIST_LIMIT = 200  # jobs shown per state, newest first


class JobState(StrEnum):
    """The inspector's lists, in the order it shows them."""

    STALLED = "stalled"  # running, with a stale heartbeat
    RUNNING = "running"
    QUEUED = "queued"
    FAILED = "failed"
    CANCELLED = "cancelled"
    DONE = "done"


@dataclass(frozen=True)
class InspectedJob:
    """One job as the operator sees it (times: seconds since the epoch)."""

    id: int
    state: JobState
    wiki: str
    title: str
    stage: Stage
    message: str | None
    error: str | None
    done: int
    total: int | None
    attempts: int
    max_attempts: int
    worker: str | None  # the lease token of the run holding it (`claimed_by`)
    requested_by: str | None  # the client's address (None: the CLI)
    cancelled_by: Canceller | None
    created_at: float
    started_at: float | None
    finished_at: float | None
    heartbeat_at: float | None
    not_before: float | None
    events: int


@dataclass(frozen=True)
class HostSlots:
    """A wiki host's fleet-wide politeness slots: how many of `limit` are in use now."""

    host: str
    in_use: int
    limit: int


def _state(stale_before: float) -> ColumnElement[str]:
    stalled = and_(FetchJob.status == JobStatus.RUNNING, FetchJob.heartbeat_at < stale_before)
    return case((stalled, JobState.STALLED.value), else_=FetchJob.status)


def list_jobs(
    rt: Runtime, state: JobState | None = None, limit: int = LIST_LIMIT
) -> list[InspectedJob]:
    """The newest jobs (of one state, or of all), newest first."""
    stale_before = time.time() - rt.settings.stale_seconds
    where = [] if state is None else [_state(stale_before) == state.value]
    return _select(rt, stale_before, where, limit)


def inspect_job(rt: Runtime, job_id: int) -> InspectedJob | None:
    stale_before = time.time() - rt.settings.stale_seconds
    found = _select(rt, stale_before, [FetchJob.id == job_id], 1)
    return found[0] if found else None


def _select(
    rt: Runtime, stale_before: float, where: list[ColumnElement[bool]], limit: int
) -> list[InspectedJob]:
    query = (
        select(
            FetchJob.id,
            _state(stale_before).label("state"),
            Wiki.key.label("wiki"),
            Page.title,
            FetchJob.stage,
            FetchJob.message,
            FetchJob.error,
            FetchJob.done,
            FetchJob.total,
            FetchJob.attempts,
            FetchJob.max_attempts,
            FetchJob.claimed_by.label("worker"),
            FetchJob.requested_by,
            FetchJob.cancelled_by,
            FetchJob.created_at,
            FetchJob.started_at,
            FetchJob.finished_at,
            FetchJob.heartbeat_at,
            FetchJob.not_before,
            FetchJob.events,
        )
        .join(Page, Page.id == FetchJob.page_id)
        .join(Wiki, Wiki.id == Page.wiki_id)
        .where(*where)
        .order_by(FetchJob.id.desc())
        .limit(limit)
    )
    with rt.db.read() as conn:
        rows = conn.execute(query).all()
    return [_inspected(dict(row._mapping)) for row in rows]


def _inspected(values: dict[str, Any]) -> InspectedJob:
    values["state"] = JobState(values["state"])
    values["stage"] = Stage(values["stage"])
    if values["cancelled_by"]:
        values["cancelled_by"] = Canceller(values["cancelled_by"])
    return InspectedJob(**values)


def counts(rt: Runtime) -> dict[JobState, int]:
    """How many jobs each list holds (every state, 0 where none)."""
    stale_before = time.time() - rt.settings.stale_seconds
    state = _state(stale_before)
    with rt.db.read() as conn:
        rows = conn.execute(select(state, func.count()).group_by(state)).all()
    found = dict.fromkeys(JobState, 0)
    for name, count in rows:
        found[JobState(name)] = int(count)
    return found


def event_log(rt: Runtime, job_id: int) -> list[Event]:
    """Every event of the job, in order (the stream's rows: `jobs.events`)."""
    return events_after(rt.db, job_id)


def politeness(rt: Runtime) -> list[HostSlots]:
    """Each known wiki host's politeness slots in use across the fleet (`wiki.politeness`)."""
    with rt.db.read() as conn:
        api_urls = conn.execute(select(Wiki.api_url)).scalars().all()
    hosts = sorted({(urlsplit(url).hostname or "").lower() for url in api_urls} - {""})
    slots = rt.wikis.slots
    return [HostSlots(host, slots.in_use(host), slots.limit) for host in hosts]
