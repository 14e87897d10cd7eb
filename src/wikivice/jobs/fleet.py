"""What the whole service is doing now, as the database and the queue say: the same
whichever process asks (for `/metrics`, and the operator's views)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import and_, case, func, select

from wikivice.jobs.runtime import Runtime
from wikivice.store.models import FetchJob, Page, Wiki
from wikivice.store.vocabulary import ACTIVE_JOB_STATUSES, JobStatus
from wikivice.wiki.sites import WikiSite


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


def host_of(site: WikiSite) -> str:
    """The host whose politeness slots a wiki's requests take (as `wiki.client` names it)."""
    return (urlsplit(site.api_url).hostname or "").lower()


def slots_in_use(rt: Runtime, wiki: WikiSite | str) -> tuple[int, int]:
    """(slots held now, the cap) of one wiki (a site, or its host), across the whole
    fleet: the politeness cap of WIKIVICE_MAX_CONCURRENT_REQUESTS requests at once to a
    host, and how much of it is in use, as the shared backend says (Redis, the database
    or the lock files; `wiki.politeness`). For /metrics and the operator's inspector."""
    host = wiki if isinstance(wiki, str) else host_of(wiki)
    slots = rt.wikis.slots
    return slots.in_use(host), slots.limit


def busy_hosts(rt: Runtime) -> list[str]:
    """The hosts of the wikis that queued or running jobs fetch from, sorted."""
    with rt.db.read() as conn:
        urls = conn.execute(
            select(Wiki.api_url)
            .distinct()
            .join(Page, Page.wiki_id == Wiki.id)
            .join(FetchJob, FetchJob.page_id == Page.id)
            .where(FetchJob.status.in_(ACTIVE_JOB_STATUSES))
        ).scalars()
        return sorted({(urlsplit(url).hostname or "").lower() for url in urls})
