"""Starting an analysis: resolve the title, record the page, create or join its job.

Shared by `POST /api/analyses`, the search form and `wikivice fetch`. One request to the
wiki: the title lookup also returns the page's latest revision id, so an article whose
stored history is current needs no job at all (a refresh of an unchanged article costs
that one request).
"""

from __future__ import annotations

from dataclasses import dataclass

from wikivice.jobs.runtime import Runtime
from wikivice.store import pages
from wikivice.store.pages import PageRef
from wikivice.wiki.client import ResolvedPage
from wikivice.wiki.sites import WikiSite


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
) -> Analysis:
    """Raises `InvalidTitle`, `PageMissing` (with suggestions) or another
    `MediaWikiError` when the wiki cannot say what the title is (`resolved`: the title
    as the caller has just resolved it)."""
    resolved = resolved or rt.wikis.client(site).resolve(title)
    with rt.db.write() as conn:
        wiki_id = pages.ensure_wiki(conn, site, resolved.site_name)
        page = pages.upsert_page(conn, wiki_id, resolved)
    if page.is_current:
        return Analysis(site, page, resolved, None, False)
    job_id, created = rt.jobs.submit(page.id)
    if created and enqueue:
        rt.queue.enqueue(job_id)
    return Analysis(site, page, resolved, job_id, created)


def refresh_analysis(rt: Runtime, page: PageRef) -> int:
    """Bring a stored page up to date in the background, without asking the wiki now:
    the job resolves the page itself and ends at once if nothing changed."""
    job_id, created = rt.jobs.submit(page.id)
    if created:
        rt.queue.enqueue(job_id)
    return job_id
