"""The dashboard's data for the web: stored pages by title (their figures come from
`figures.cache.figures_for`)."""

from __future__ import annotations

from wikivice.jobs.runtime import Runtime
from wikivice.store import pages
from wikivice.store.pages import PageRef
from wikivice.web.problems import Problem
from wikivice.web.urls import title_from_slug
from wikivice.wiki.sites import WikiSite


def stored_page(rt: Runtime, site: WikiSite, slug: str) -> PageRef:
    """An article fetched before, by the title in our URL; 404 `Problem` if none."""
    title = title_from_slug(slug)
    with rt.db.read() as conn:
        wiki_id = pages.wiki_id(conn, site.key)
        page = pages.page_by_title(conn, wiki_id, title) if wiki_id else None
    if page is None or page.fetched_at is None:
        raise Problem(
            404,
            f"“{title}” on {site.key} has not been analysed yet: POST /api/analyses first.",
            [],
            "missing",
        )
    return page
