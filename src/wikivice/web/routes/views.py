"""The pages people see: home, search, the article page (progress, then dashboard)."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from wikivice.figures.cache import figures_for
from wikivice.figures.plotting import ChartSpec
from wikivice.figures.types import PageFigures
from wikivice.jobs.analyses import refresh_analysis, start_analysis
from wikivice.jobs.runtime import Runtime
from wikivice.store import pages
from wikivice.store.models import Page, Wiki
from wikivice.store.vocabulary import JobStatus
from wikivice.web import urls
from wikivice.web.deps import RuntimeDep, SiteDep, TemplatesDep, find_site, site_for_request
from wikivice.web.problems import Problem, problem_from
from wikivice.web.urls import title_from_slug
from wikivice.wiki.errors import MediaWikiError
from wikivice.wiki.sites import parse_wiki

router = APIRouter(include_in_schema=False)
LANGUAGES = ("en", "de", "fr", "es", "it", "ja", "ru", "pt", "zh", "pl", "nl", "ar", "sv", "uk")


@router.get("/", response_class=HTMLResponse)
def show_home(request: Request, rt: RuntimeDep, templates: TemplatesDep) -> Response:
    default = parse_wiki(rt.settings.default_wiki).key
    return templates.TemplateResponse(
        request,
        "home.html",
        {
            "wikis": wiki_choices(rt, default),
            "default_wiki": default,
            "recent": recently_analysed(rt, limit=12),
        },
    )


@router.get("/search", response_class=HTMLResponse)
def search_article(
    request: Request,
    rt: RuntimeDep,
    templates: TemplatesDep,
    title: Annotated[str, Query(max_length=1000)] = "",
    wiki: Annotated[str | None, Query(max_length=500)] = None,
) -> Response:
    """The search form: resolve the title, then go to its page at once."""
    if not title.strip():
        return RedirectResponse("/", status_code=303)
    site = site_for_request(rt, wiki)
    try:
        analysis = start_analysis(rt, site, title)
    except MediaWikiError as exc:
        raise problem_from(exc, site) from None
    target = urls.article(site.key, analysis.page.title)
    shown = analysis.resolved.redirected_from
    if shown:
        target += "?" + f"redirected_from={urls.title_slug(shown)}"
    return RedirectResponse(target, status_code=303)


@router.get("/random")
def show_random(
    rt: RuntimeDep, wiki: Annotated[str | None, Query(max_length=500)] = None
) -> Response:
    site = site_for_request(rt, wiki)
    try:
        titles = rt.wikis.client(site).random_titles(1)
    except MediaWikiError as exc:
        raise problem_from(exc, site) from None
    if not titles:
        raise Problem(502, f"{site.key} did not suggest a random article", [], "wiki")
    return RedirectResponse(
        f"/search?wiki={quote(site.key)}&title={quote(titles[0])}", status_code=303
    )


@router.get("/wiki/{wiki}/{title:path}", response_class=HTMLResponse)
def show_article(
    request: Request,
    wiki: str,
    title: str,
    rt: RuntimeDep,
    templates: TemplatesDep,
    redirected_from: Annotated[str | None, Query(max_length=1000)] = None,
) -> Response:
    """The article's page: its dashboard if the stored history is current, otherwise
    the progress of the job fetching it (over the stale dashboard, if there is one)."""
    site = find_site(rt, wiki)
    name = title_from_slug(title)
    with rt.db.read() as conn:
        wiki_id = pages.wiki_id(conn, site.key)
        page = pages.page_by_title(conn, wiki_id, name) if wiki_id else None
    job_id = rt.jobs.active_for_page(page.id) if page else None
    if page is not None and page.fetched_at is not None and job_id is None and not _fresh(rt, page):
        # Stale: show what is stored at once; the job asks the wiki what changed.
        job_id = refresh_analysis(rt, page)
    elif page is None or (job_id is None and page.fetched_at is None):
        try:
            analysis = start_analysis(rt, site, name)
        except MediaWikiError as exc:
            raise problem_from(exc, site) from None
        if analysis.page.title != name:
            moved = analysis.resolved.redirected_from or name
            target = urls.article(site.key, analysis.page.title)
            return RedirectResponse(f"{target}?redirected_from={urls.title_slug(moved)}", 301)
        page, job_id = analysis.page, analysis.job_id
    job = rt.jobs.get(job_id) if job_id is not None else None
    if job is None:
        last = rt.jobs.latest_for_page(page.id)
        if last is not None and last.status == JobStatus.FAILED and page.fetched_at is None:
            job = last  # nothing stored: show why the last fetch failed
    figures = figures_for(rt.db, page.id) if page.fetched_at is not None else None
    return templates.TemplateResponse(
        request,
        "article.html",
        {
            "site": site,
            "title": page.title,
            "redirected_from": title_from_slug(redirected_from) if redirected_from else None,
            "job": job,
            "events_url": urls.events(job.id) if job else None,
            "fragment_url": urls.dashboard_fragment(site.key, page.title),
            "figures": figures,
            "charts": dashboard_charts(figures) if figures else [],
        },
    )


@router.get("/dashboard/{wiki}/{title:path}", response_class=HTMLResponse)
def show_dashboard_fragment(
    request: Request, site: SiteDep, title: str, rt: RuntimeDep, templates: TemplatesDep
) -> Response:
    """The dashboard alone, swapped into the article page when its job is done."""
    from wikivice.web.dashboard import stored_page

    page = stored_page(rt, site, title)
    figures = figures_for(rt.db, page.id)
    return templates.TemplateResponse(
        request,
        "dashboard.html",
        {
            "site": site,
            "title": page.title,
            "figures": figures,
            "charts": dashboard_charts(figures),
        },
    )


def dashboard_charts(figures: PageFigures) -> list[ChartSpec]:
    from wikivice.figures.charts import dashboard_charts as build

    return build(figures)


def _fresh(rt: Runtime, page: pages.PageRef) -> bool:
    asked = max(page.resolved_at or 0, page.fetched_at or 0)
    return page.is_current and time.time() - asked < rt.settings.fresh_seconds


def wiki_choices(rt: Runtime, default: str) -> list[str]:
    with rt.db.read() as conn:
        known = list(conn.execute(select(Wiki.key).order_by(Wiki.key)).scalars())
    ordered = [default] + [k for k in known if k != default]
    return ordered + [code for code in LANGUAGES if code not in ordered]


def recently_analysed(rt: Runtime, limit: int) -> list[dict[str, Any]]:
    with rt.db.read() as conn:
        rows = conn.execute(
            select(Wiki.key, Page.title, Page.stored_revisions, Page.fetched_at)
            .join(Wiki, Wiki.id == Page.wiki_id)
            .where(Page.fetched_at.is_not(None))
            .order_by(Page.fetched_at.desc())
            .limit(limit)
        ).all()
    return [
        {
            "wiki": key,
            "title": title,
            "revisions": revisions,
            "url": urls.article(key, title),
            "analysed_at": datetime.fromtimestamp(fetched_at or 0, UTC),
        }
        for key, title, revisions, fetched_at in rows
    ]
