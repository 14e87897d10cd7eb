"""The pages people see: home, search, the article page (progress, then dashboard)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from wikivice.figures.cache import figures_for
from wikivice.figures.plotting import ChartSpec
from wikivice.figures.types import PageFigures
from wikivice.jobs.analyses import open_article, start_analysis
from wikivice.jobs.runtime import Runtime
from wikivice.store import pages
from wikivice.web import urls
from wikivice.web.deps import (
    RuntimeDep,
    SiteDep,
    TemplatesDep,
    find_site,
    site_for_request,
    stored_page,
)
from wikivice.web.problems import Problem
from wikivice.web.schemas import AnalysedPage
from wikivice.web.urls import title_from_slug
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
    rt: RuntimeDep,
    title: Annotated[str, Query(max_length=1000)] = "",
    wiki: Annotated[str | None, Query(max_length=500)] = None,
) -> Response:
    """The search form: resolve the title, then go to its page at once."""
    if not title.strip():
        return RedirectResponse("/", status_code=303)
    site = site_for_request(rt, wiki)
    analysis = start_analysis(rt, site, title)
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
    titles = rt.wikis.client(site, quick=True).random_titles(1)
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
    state = open_article(rt, site, title_from_slug(title))
    page, job = state.page, state.job
    if state.moved_from is not None:
        target = urls.article(site.key, page.title)
        moved = urls.title_slug(state.moved_from)
        return RedirectResponse(f"{target}?redirected_from={moved}", 301)
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


def wiki_choices(rt: Runtime, default: str) -> list[str]:
    """The wiki picker: the default, the wikis seen here, then common languages."""
    with rt.db.read() as conn:
        known = pages.wiki_keys(conn)
    ordered = [default] + [k for k in known if k != default]
    return ordered + [code for code in LANGUAGES if code not in ordered]


def recently_analysed(rt: Runtime, limit: int) -> list[AnalysedPage]:
    with rt.db.read() as conn:
        return [AnalysedPage.from_page(p) for p in pages.recently_fetched(conn, limit)]
