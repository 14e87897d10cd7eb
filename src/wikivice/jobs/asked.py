"""A title asked for through the search form: its job starts before the wiki answers.

The form's answer used to wait for the wiki to resolve the title (one round trip, 200 ms
and more) before the article's page, and so its progress bar, could exist. Now, on a wiki
this server knows, a title never seen here gets a row of its own (`store.pages.asked_page`)
and a job at once; the job's first request resolves the title and brings the first 500
revisions together (`MediaWiki.first_sight`), and its events say what it found: the
page's own title when it differs (a redirect, a normalised spelling: the page follows
it), or that the wiki has no such article (with the wiki's suggestions). A title that
leads to a page known here moves its job there, or ends it when that page has a job of
its own already.

`wikivice fetch`, `POST /api/analyses` and unknown wikis keep the lookup first
(`jobs.analyses.start_analysis`): their callers want the page before they go on.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, replace

import orjson
from sqlalchemy import Connection, select, update

from wikivice.jobs.analyses import put_on_queue
from wikivice.jobs.caps import check_caps
from wikivice.jobs.machine import Claim, Jobs
from wikivice.jobs.runtime import Runtime
from wikivice.store import pages
from wikivice.store.ingest import known_bot_names, store_head
from wikivice.store.models import FetchJob
from wikivice.store.pages import PageRef
from wikivice.store.vocabulary import ACTIVE_JOB_STATUSES, EventKind, JobStatus, Stage
from wikivice.wiki.client import MediaWiki
from wikivice.wiki.errors import PageMissing
from wikivice.wiki.sites import WikiSite
from wikivice.wiki.titles import clean_title

log = logging.getLogger(__name__)
RESOLVE_REUSE = 60.0  # a resolve this recent (the web request's) is not repeated


def start_asked(rt: Runtime, site: WikiSite, title: str, client: str) -> tuple[str, int] | None:
    """The job of a title never looked up here, started (or joined) without asking the
    wiki: (the title as asked, cleaned; the job's id). None when that does not apply and
    the lookup comes first: a wiki never used here, or whose bot accounts are not known
    (storing needs them), or a title known here already. Raises `InvalidTitle`, and the
    caps' refusals (`jobs.caps`) for a new job."""
    title = clean_title(title)
    with rt.db.read() as conn:
        wiki_id = pages.wiki_id(conn, site.key)
        known = pages.find_page(conn, site.key, title) if wiki_id is not None else None
    if wiki_id is None or (known is not None and known.pageid is not None):
        return None
    if known_bot_names(rt.db, wiki_id) is None:
        return None
    settings = rt.settings
    # Before the row: a refused ask leaves nothing behind (joining is always allowed).
    if known is None or rt.jobs.active_for_page(known.id) is None:
        check_caps(rt.db, client, settings.max_queued_per_client, settings.max_queued_jobs)
    with rt.db.write() as conn:
        page = known or pages.asked_page(conn, wiki_id, title)
    job_id, created = rt.jobs.submit(
        page.id, requested_by=client, revision_limit=settings.max_revisions or None
    )
    put_on_queue(rt, job_id, created)
    return page.title, job_id


@dataclass(frozen=True)
class LookedUp:
    """An asked title's job after its first request: the claim (moved to the page the
    title led to), the page, and where its walk goes on (None: from the start)."""

    claim: Claim
    page: PageRef
    resume: dict[str, str] | None = None
    stored: int = 0  # revisions the first request brought, stored
    complete: bool = False  # they are the whole history: nothing is left to walk


def first_request(
    jobs: Jobs, claim: Claim, wiki: MediaWiki, site: WikiSite, page: PageRef
) -> LookedUp | None:
    """A run's first request: an asked title looked up (`look_up`), or the page's info
    asked again, unless a resolve this recent (the web request's) or a checkpoint makes
    it needless. None when the job ended there."""
    if page.pageid is None:
        return look_up(jobs, claim, wiki, site, page)
    if claim.checkpoint is None and time.time() - (page.resolved_at or 0) > RESOLVE_REUSE:
        resolved = wiki.resolve_pageid(page.wiki_pageid)
        with jobs.db.write() as conn:
            page = pages.upsert_page(conn, page.wiki_id, resolved)
    return LookedUp(claim, page, claim.checkpoint)


def look_up(
    jobs: Jobs, claim: Claim, wiki: MediaWiki, site: WikiSite, asked: PageRef
) -> LookedUp | None:
    """Resolve the asked title and store the first 500 revisions, in one request. None
    when the job ended here: the wiki has no such article (failed, with its
    suggestions), or the title led to a page whose own job is running (this one is done,
    and its last event names that page). Raises what the wiki's answer raises."""
    try:
        sight = wiki.first_sight(asked.title)
    except PageMissing as exc:
        said = {"missing": True, "suggestions": exc.suggestions[:10]}
        log.info("job %s failed: the wiki has no such article", claim.job_id)
        jobs.fail(claim, f"{site.key} has no article called “{asked.title}”.", said)
        return None
    with jobs.db.write() as conn:
        page = pages.settle(conn, asked, sight.page)
        # What the page's script follows to the page's own address (a redirect, another
        # spelling), saying where it came from as the form's redirect did.
        found = {"title": page.title, "redirected_from": sight.page.redirected_from}
        joined = page.id != asked.id and _running_job(conn, page.id) is not None
        if joined:
            _joined(jobs, conn, claim, page, found)
        if page.id != asked.id:
            conn.execute(
                update(FetchJob).where(FetchJob.page_id == asked.id).values(page_id=page.id)
            )
            pages.drop_asked(conn, asked.id)
    if joined:
        log.info("job %s done: the title led to a page another job is fetching", claim.job_id)
        jobs.notify(claim.job_id)
        return None
    claim = replace(claim, page_id=page.id)
    if page.title != asked.title:
        jobs.update(claim, EventKind.STAGE, found, stage=Stage.RESOLVING)
    bots = known_bot_names(jobs.db, page.wiki_id)
    if page.stored_revisions or page.fetched_at is not None or bots is None:
        return LookedUp(claim, page)  # walked from the start, or brought up to date
    head = store_head(jobs.db, page, sight.batch, bots, claim.revision_limit)
    with jobs.db.read() as conn:
        page = pages.page_by_id(conn, page.id) or page
    if head.checkpoint is None:
        return LookedUp(claim, page, None, head.stored, complete=True)
    checkpoint = orjson.dumps(head.checkpoint).decode()
    new = claim.new_before + head.stored
    jobs.update(
        claim, EventKind.PROGRESS, done=head.stored, checkpoint=checkpoint, new_revisions=new
    )
    return LookedUp(claim, page, head.checkpoint, head.stored)


def _running_job(conn: Connection, page_id: int) -> int | None:
    active = FetchJob.status.in_(ACTIVE_JOB_STATUSES)
    return conn.execute(select(FetchJob.id).where(FetchJob.page_id == page_id, active)).scalar()


def _joined(
    jobs: Jobs, conn: Connection, claim: Claim, page: PageRef, found: dict[str, str | None]
) -> None:
    """This job ends: the page its title led to is being fetched by a job of its own,
    which the page's script follows once it has gone to the page (`found`)."""
    jobs.update(
        claim,
        EventKind.DONE,
        {**found, "joined": True},  # the page follows even when the title is the same
        conn=conn,
        status=JobStatus.DONE,
        stage=Stage.DONE,
        message=f"“{page.title}” is being fetched already",
        claimed_by=None,
        checkpoint=None,
        finished_at=jobs.clock(),
    )
