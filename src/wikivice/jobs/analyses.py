"""Starting an analysis: resolve the title, record the page, create or join its job.

Shared by `POST /api/analyses`, the search form and `wikivice fetch`. One request to the
wiki: the title lookup also returns the page's latest revision id, so an article whose
stored history is current needs no job at all (a refresh of an unchanged article costs
that one request).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from wikivice.jobs import unqueued
from wikivice.jobs.caps import check_caps, limit_reached
from wikivice.jobs.lanes import place_in_line
from wikivice.jobs.runtime import Runtime
from wikivice.jobs.snapshot import JobSnapshot
from wikivice.store import pages
from wikivice.store.ingest import HeadStored, known_bot_names, store_head
from wikivice.store.pages import PageRef
from wikivice.store.vocabulary import JobStatus
from wikivice.wiki.client import ResolvedPage, RevisionBatch
from wikivice.wiki.sites import WikiSite
from wikivice.wiki.titles import clean_title


@dataclass(frozen=True)
class Analysis:
    site: WikiSite
    page: PageRef
    resolved: ResolvedPage
    job_id: int | None  # None: what is stored is already current
    created: bool  # this call created the job (False: joined a running one)


def start_analysis(
    rt: Runtime,
    site: WikiSite,
    title: str,
    *,
    enqueue: bool = True,
    resolved: ResolvedPage | None = None,
    client: str | None = None,
) -> Analysis:
    """Raises `InvalidTitle`, `PageMissing` (with suggestions) or another
    `MediaWikiError` when the wiki cannot say what the title is (`resolved`: the title
    as the caller has just resolved it).

    `client` is the web client asking (None: the CLI): its new job counts against the
    caps (`jobs.caps`, raising `JobCapReached`) and stops at `max_revisions`."""
    head: RevisionBatch | None = None
    if resolved is None:
        resolved, head = _resolve(rt, site, title)
    with rt.db.write() as conn:
        wiki_id = pages.ensure_wiki(conn, site, resolved.site_name)
        page = pages.upsert_page(conn, wiki_id, resolved)
    if page.is_current:
        return Analysis(site, page, resolved, None, False)
    limit = None
    if client is not None:
        settings = rt.settings
        if rt.jobs.active_for_page(page.id) is None:  # joining one is always allowed
            check_caps(rt.db, client, settings.max_queued_per_client, settings.max_queued_jobs)
        limit = settings.max_revisions or None
    start = _store_head(rt, page, head, limit) if head is not None else None
    if start is not None and start.checkpoint is None:  # the whole history, stored
        return Analysis(site, pages_after(rt, page), resolved, None, False)
    job_id, created = rt.jobs.submit(
        page.id,
        requested_by=client,
        revision_limit=limit,
        checkpoint=start.checkpoint if start else None,
        done=start.stored if start else 0,
    )
    if enqueue:
        put_on_queue(rt, job_id, created)
    return Analysis(site, page, resolved, job_id, created)


def _resolve(rt: Runtime, site: WikiSite, title: str) -> tuple[ResolvedPage, RevisionBatch | None]:
    """The title resolved; for a page never fetched here, with the first page of its
    history in the same request (`MediaWiki.first_sight`), when the wiki's bot accounts
    are known (storing a revision needs them; a job asks for them otherwise)."""
    wiki = rt.wikis.client(site, quick=True)
    with rt.db.read() as conn:
        known = pages.find_page(conn, site.key, clean_title(title))
        wiki_id = pages.wiki_id(conn, site.key)
    fresh = known is None or (known.fetched_at is None and known.stored_revisions == 0)
    if not fresh or wiki_id is None or known_bot_names(rt.db, wiki_id) is None:
        return wiki.resolve(title), None
    sight = wiki.first_sight(title)
    return sight.page, sight.batch


def _store_head(
    rt: Runtime, page: PageRef, head: RevisionBatch, limit: int | None
) -> HeadStored | None:
    """The first batch stored, if the page holds nothing yet and no job walks it (a
    second visitor joins that job: its walk stores these revisions too)."""
    if page.fetched_at is not None or page.stored_revisions or rt.jobs.active_for_page(page.id):
        return None
    bots = known_bot_names(rt.db, page.wiki_id)
    if bots is None:
        return None
    return store_head(rt.db, page, head, bots, limit)


def pages_after(rt: Runtime, page: PageRef) -> PageRef:
    """The page's row as it is now."""
    with rt.db.read() as conn:
        return pages.page_by_id(conn, page.id) or page


def refresh_analysis(rt: Runtime, page: PageRef) -> int:
    """Bring a stored page up to date in the background, without asking the wiki now:
    the job resolves the page itself and ends at once if nothing changed."""
    job_id, created = rt.jobs.submit(page.id)
    put_on_queue(rt, job_id, created)
    return job_id


def put_on_queue(rt: Runtime, job_id: int, created: bool) -> None:
    """A new job goes on the queue; so does one joined that no queue holds (its
    creator was told the queue was down). Raises `QueueUnavailable`."""
    if created:
        unqueued.enqueue(rt, job_id)
    elif unqueued.is_marked(rt.db, job_id):
        unqueued.enqueue(rt, job_id, marked=True)


@dataclass(frozen=True)
class ArticleState:
    """What an article's page shows, from the database alone."""

    title: str  # as stored; as asked (cleaned) when the page was never seen here
    page: PageRef | None  # None: never seen here, so nothing to show but an offer
    # The running job; or the last one if it was cancelled, or failed with nothing stored.
    job: JobSnapshot | None
    moved_from: str | None  # the title asked, when the page is known under another one


def open_article(rt: Runtime, site: WikiSite, title: str) -> ArticleState:
    """The article as stored, and the job to follow if one is running. Asks the wiki
    nothing and starts no job (issue 10: a GET, which any site can make a visitor's
    browser send, changes nothing): a stale history stays as it is until someone asks
    for a refresh, and a title never seen stays as typed, since only the wiki could
    resolve it. Raises `InvalidTitle` for what no wiki would accept, asking nobody."""
    title = clean_title(title)
    with rt.db.read() as conn:
        page = pages.find_page(conn, site.key, title)
    if page is None:
        return ArticleState(title, None, None, None)
    if page.title != title:
        return ArticleState(page.title, page, None, title)
    job_id = rt.jobs.active_for_page(page.id)
    job = rt.jobs.get(job_id) if job_id is not None else None
    if job is not None:
        job = place_in_line(rt.db, job, rt.settings.huge_job_revisions)
    if job is None:
        last = rt.jobs.latest_for_page(page.id)
        if last is not None and last.status == JobStatus.CANCELLED:
            job = last  # cancelled: say so, and offer to resume it
        elif last is not None and last.status == JobStatus.FAILED and page.fetched_at is None:
            job = last  # nothing stored: show why the last fetch failed
    return ArticleState(page.title, page, job, None)


def checked_at(page: PageRef) -> float | None:
    """When the stored history was last known to be the wiki's latest (a resolve that
    found nothing new counts), or None when nothing is stored."""
    if page.fetched_at is None:
        return None
    return max(page.resolved_at or 0, page.fetched_at) if page.is_current else page.fetched_at


def stopped_at_limit(rt: Runtime, page: PageRef) -> str | None:
    """Why the stored history is incomplete for good, or None: it holds the web app's
    most revisions (`max_revisions`) and the wiki has more, which this server will not
    fetch (a refresh would stop at once)."""
    limit = rt.settings.max_revisions
    if not limit or page.fetched_at is None or page.is_current:
        return None
    return limit_reached(limit) if page.stored_revisions >= limit else None


def is_stale(rt: Runtime, page: PageRef) -> bool:
    """A stored history worth a refresh: not known to be current for `fresh_seconds`."""
    checked = checked_at(page)
    if checked is None:
        return False
    return not page.is_current or time.time() - checked >= rt.settings.fresh_seconds
