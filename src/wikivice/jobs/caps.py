"""Caps on the jobs waiting or running (issue 10): per client, and for the whole service;
and how a job stopped by the revision limit says so.

A client of the web app may have `max_queued_per_client` jobs queued or running at once,
the service `max_queued_jobs`; a new job past either is refused (`TooManyJobs`, 429;
`ServiceBusy`, 503). Joining the job already running for an article is always allowed
and counts for nobody: it costs the service nothing. The CLI's jobs (`requested_by` is
None) are never capped.

The check counts, then the caller inserts: two requests of one client that arrive
together can both pass and leave it one job over its cap (or the service a few over
its). That is tolerated: the caps bound what a client can pile up, not the last job, and
a lock around every submission would serialise the busiest path of the service.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from wikivice.store.database import Database
from wikivice.store.models import FetchJob
from wikivice.store.vocabulary import ACTIVE_JOB_STATUSES

RETRY_AFTER = 30  # seconds: about the time a small job takes, and one reaper round


@dataclass
class JobCapReached(Exception):
    """A new job would pass a cap; `retry_after` is a fair guess at when it will not."""

    detail: str
    retry_after: int = RETRY_AFTER


class TooManyJobs(JobCapReached):
    """This client already has as many jobs queued or running as it may."""


class ServiceBusy(JobCapReached):
    """The whole service has as many jobs queued or running as it takes."""


def active_jobs(db: Database, requested_by: str | None = None) -> int:
    """Jobs queued or running: all of them, or those `requested_by` asked for."""
    query = select(func.count()).select_from(FetchJob)
    query = query.where(FetchJob.status.in_(ACTIVE_JOB_STATUSES))
    if requested_by is not None:
        query = query.where(FetchJob.requested_by == requested_by)
    with db.read() as conn:
        return int(conn.execute(query).scalar_one())


def check_caps(db: Database, requested_by: str, per_client: int, overall: int) -> None:
    """Raise `TooManyJobs` or `ServiceBusy` if one more job of `requested_by` would pass
    a cap (see the module docstring on races)."""
    mine = active_jobs(db, requested_by)
    if mine >= per_client:
        raise TooManyJobs(
            f"You already have {mine} analyses waiting or running, the most one visitor "
            "may have at once; please wait until one has finished."
        )
    if active_jobs(db) >= overall:
        raise ServiceBusy(
            "The service is busy with as many analyses as it takes at once; please try "
            "again in a minute."
        )


def limit_reached(limit: int) -> str:
    """What a job stopped by its revision limit (`max_revisions`) tells, and the
    dashboard of such a history: histories are walked oldest first, so the newest
    edits are the ones left out."""
    return (
        f"Stopped at {limit:,} revisions, the most this server fetches for one article: "
        "the most recent edits are not included."
    )
