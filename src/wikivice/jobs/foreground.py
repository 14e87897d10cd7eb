"""Running an analysis in the foreground, as `wikivice fetch` does: the job runs in this
process whenever it is waiting, and is followed while someone else runs it.

The job row stays the truth: a fetch interrupted here (Ctrl-C) is handed back with its
checkpoint, and the next fetch, here or in any worker, resumes it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import NotRequired, TypedDict

from wikivice.jobs.analyses import start_analysis
from wikivice.jobs.runner import run_claimed
from wikivice.jobs.runtime import Runtime
from wikivice.jobs.snapshot import JobSnapshot
from wikivice.store import pages
from wikivice.store.fetcher import Fetcher
from wikivice.store.vocabulary import JobStatus
from wikivice.wiki.client import ResolvedPage
from wikivice.wiki.sites import WikiSite

Watcher = Callable[[JobSnapshot], None]


class FetchSummary(TypedDict):
    """What `wikivice fetch --json` prints."""

    title: str
    pageid: int
    wiki: str
    redirected_from: str | None
    status: str  # a JobStatus, or "done" when what was stored was already current
    new_revisions: int
    error: NotRequired[str | None]
    revisions: int  # stored in total
    seconds: float


def fetch_in_foreground(
    rt: Runtime,
    site: WikiSite,
    resolved: ResolvedPage,
    started: float,
    *,
    head_start: Fetcher | None = None,
    watch: Watcher | None = None,
    stop: threading.Event | None = None,
) -> FetchSummary:
    """Analyse a resolved page here and now; `watch` sees the job as it goes."""
    analysis = start_analysis(rt, site, resolved.title, enqueue=False, resolved=resolved)
    summary = FetchSummary(
        title=analysis.page.title,
        pageid=analysis.page.wiki_pageid,
        wiki=site.key,
        redirected_from=analysis.resolved.redirected_from,
        status=JobStatus.DONE,
        new_revisions=0,
        revisions=0,
        seconds=0.0,
    )
    if analysis.job_id is not None:
        job = run_or_follow(rt, analysis.job_id, head_start, watch=watch, stop=stop)
        summary["status"], summary["new_revisions"] = job.status, job.new_revisions
        if job.status == JobStatus.CANCELLED:  # by the operator: the CLI's jobs are theirs
            summary["error"] = "cancelled by the operator; it can be resumed from /admin"
        elif job.status != JobStatus.DONE:
            summary["error"] = job.error or job.message
    with rt.db.read() as conn:
        page = pages.page_by_id(conn, analysis.page.id)
    summary["revisions"] = page.stored_revisions if page else 0
    summary["seconds"] = round(time.monotonic() - started, 3)
    return summary


def run_or_follow(
    rt: Runtime,
    job_id: int,
    head_start: Fetcher | None,
    *,
    watch: Watcher | None = None,
    stop: threading.Event | None = None,
) -> JobSnapshot:
    """Run the job here whenever it is waiting (now, or after a retry delay, or when
    whoever ran it stopped); otherwise follow whoever runs it. Returns the job once it
    has ended. Setting `stop`, or an exception here (Ctrl-C), hands a job running here
    back to the queue with its checkpoint."""
    return FollowedJob(rt, job_id, head_start, stop or threading.Event()).follow(watch)


class FollowedJob:
    """One job seen from the foreground: a runner thread of ours, when it is ours to
    run, and the reaper's look at whoever else runs it."""

    def __init__(
        self, rt: Runtime, job_id: int, head_start: Fetcher | None, stop: threading.Event
    ) -> None:
        self.rt = rt
        self.job_id = job_id
        self.head_start = head_start
        self.stop = stop
        self.thread: threading.Thread | None = None
        self.reaped = 0.0

    def follow(self, watch: Watcher | None) -> JobSnapshot:
        try:
            while True:
                job = self.rt.jobs.get(self.job_id)
                assert job is not None
                if watch is not None:
                    watch(job)
                if job.finished:
                    return job
                if self.thread is None or not self.thread.is_alive():
                    self._run_if_waiting()
                if self.thread is not None:
                    # Returns as soon as the job ends; with nobody watching, nothing to redraw.
                    self.thread.join(0.1 if watch is not None else 1.0)
                else:
                    time.sleep(0.1)
        except BaseException:
            self.stop.set()  # Ctrl-C: hand the job back with its checkpoint
            if self.thread is not None:
                self.thread.join(10)
            raise

    def _run_if_waiting(self) -> None:
        self.thread = None
        settings = self.rt.settings
        if time.monotonic() - self.reaped > settings.stale_seconds / 3:
            self.rt.jobs.reap(settings.stale_seconds)  # a runner that died
            self.reaped = time.monotonic()
        claim = self.rt.jobs.claim(self.job_id)
        if claim is not None:
            # No analysis here: the figures are computed (and cached) by the first
            # `wikivice stats` or dashboard view; a fetch is a fetch.
            self.thread = threading.Thread(
                target=run_claimed,
                args=(self.rt, claim, self.stop),
                kwargs={"head_start": self.head_start},
                daemon=True,
            )
            self.thread.start()
        elif self.head_start is not None:
            self.head_start.stop()  # someone else runs the job: follow it
        self.head_start = None  # used once: a second run resumes from its checkpoint
