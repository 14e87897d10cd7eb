"""A job's progress as it runs: the ingest listener that writes it into the job's row
and events (`JobProgress`), used by `jobs.runner`."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlsplit

import orjson
from sqlalchemy import Connection

from wikivice.jobs.estimate import ProgressEstimator
from wikivice.jobs.machine import Claim, Jobs, LeaseLost
from wikivice.store.fetcher import Interrupted
from wikivice.store.vocabulary import EventKind, Stage
from wikivice.wiki.client import RevisionBatch
from wikivice.wiki.sites import WikiSite
from wikivice.wiki.timestamps import parse_timestamp
from wikivice.wiki.transport import RetryNotice

PROGRESS_EVERY = 0.25  # seconds between progress events (every batch still checkpoints)


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
        self.stored_before = done_before  # the page's revisions when this attempt began
        self.reached = claim.stage
        self.estimator = ProgressEstimator(prior=claim.estimate_before)
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
        new = self.new_revisions
        if checkpoint is not None and now - self.last_event < PROGRESS_EVERY:
            self.jobs.save_checkpoint(conn, self.claim, done, total, saved, new)
            return False
        values: dict[str, Any] = {
            "done": done,
            "total": total,
            "total_is_estimate": shown.estimated,
            "checkpoint": saved,
            "message": None,
            "new_revisions": new,
        }
        extra = {
            "rate": round(shown.rate, 1) if shown.rate is not None else None,
            "eta": round(shown.eta, 1) if shown.eta is not None else None,
        }
        self.jobs.update(self.claim, EventKind.PROGRESS, extra, conn=conn, **values)
        self.last_event = now
        self.pending_notify = True
        return True

    @property
    def new_revisions(self) -> int:
        """The job's new revisions so far, earlier attempts' included: written with each
        batch's rows, so an attempt that dies leaves its count right for the next."""
        return self.claim.new_before + max(0, self.done - self.stored_before)

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
