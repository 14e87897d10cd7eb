"""The pages people see: home, search, the article page (progress, then dashboard).

Only POST changes state (issue 10). Any other site can make a visitor's browser send a
GET (an `<img>` is enough), so a GET here shows what is stored and offers a button: it
asks no wiki and starts no job. The search boxes and the Analyse, Refresh, Try again and
Random buttons are forms that POST (web/forms.py), and web/csrf.py refuses such posts
when another site sends them.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool

from wikivice.jobs.analyses import ArticleState, open_article, start_analysis
from wikivice.jobs.asked import start_asked
from wikivice.jobs.events import events_after
from wikivice.jobs.runtime import Runtime
from wikivice.store import pages
from wikivice.store.vocabulary import JobStatus
from wikivice.web import urls
from wikivice.web.clients import client_key
from wikivice.web.dashboards import dashboard_context, partial_context
from wikivice.web.deps import (
    RuntimeDep,
    SiteDep,
    TemplatesDep,
    TitleParam,
    WikiParam,
    find_site,
    site_for_request,
    stored_page,
)
from wikivice.web.explorer import history_view
from wikivice.web.forms import ArticleFormDep
from wikivice.web.lookups import LookupsDep
from wikivice.web.problems import Problem
from wikivice.web.ratelimits import AnalysesLimit, FilteredHistoryLimit
from wikivice.web.renders import Renders, RendersDep, etag
from wikivice.web.routes.control import job_controls
from wikivice.web.schemas import AnalysedPage
from wikivice.web.urls import title_from_slug
from wikivice.wiki.errors import InvalidTitle
from wikivice.wiki.sites import WikiSite, parse_wiki

router = APIRouter(include_in_schema=False)
LANGUAGES = ("en", "de", "fr", "es", "it", "ja", "ru", "pt", "zh", "pl", "nl", "ar", "sv", "uk")
WikiQuery = Annotated[str | None, Query(max_length=500)]


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
def show_search(
    request: Request,
    rt: RuntimeDep,
    templates: TemplatesDep,
    title: Annotated[str, Query(max_length=1000)] = "",
    wiki: WikiQuery = None,
) -> Response:
    """Old links and bookmarks of the search: the article's page when it is known here,
    otherwise an offer to analyse it (one click)."""
    if not title.strip():
        return RedirectResponse(urls.home(), status_code=303)
    site = site_for_request(rt, wiki)
    state = open_article(rt, site, title)
    if state.page is not None:
        return RedirectResponse(urls.article(site.key, state.title), status_code=303)
    # Shown here rather than at the article's address: a wiki given by its URL and never
    # used has no key yet (it gets one with its first analysis), so the form names the
    # wiki as the link did.
    return render_article(request, rt, templates, site, state, wiki_field=wiki or "")


@router.post("/search", dependencies=[AnalysesLimit])
@router.post("/analyse", dependencies=[AnalysesLimit])
async def analyse_article(
    request: Request, rt: RuntimeDep, lookups: LookupsDep, form: ArticleFormDep
) -> Response:
    """The search boxes and the Analyse, Refresh and Try again buttons: start (or join)
    the title's analysis, then its page (303: a reload posts nothing)."""
    if not form.title.strip():
        return RedirectResponse(urls.home(), status_code=303)
    client = client_key(request)
    site = await run_in_threadpool(site_for_request, rt, form.wiki)
    # A title never seen here on a wiki known here: its page at once, the job resolving
    # the title (jobs.asked); otherwise the title is looked up first.
    asked = await run_in_threadpool(start_asked, rt, site, form.title, client)
    if asked is not None:
        return RedirectResponse(urls.article(site.key, asked[0]), status_code=303)
    target = await lookups.run(lambda: analysed_article(rt, site, form.title, client))
    return RedirectResponse(target, status_code=303)


@router.get("/random", response_class=HTMLResponse)
def show_random(
    request: Request, rt: RuntimeDep, templates: TemplatesDep, wiki: WikiQuery = None
) -> Response:
    """A button that analyses a random article, for old links and bookmarks. Not a
    redirect to one (choosing it asks the wiki, and its analysis is a change, so that
    waits for the button's POST) nor a 405 (an old bookmark still leads somewhere)."""
    site = site_for_request(rt, wiki)
    return templates.TemplateResponse(
        request, "random.html", {"site": site, "wiki_field": wiki or ""}
    )


@router.post("/random", dependencies=[AnalysesLimit])
async def analyse_random(
    request: Request, rt: RuntimeDep, lookups: LookupsDep, form: ArticleFormDep
) -> Response:
    """The Random button: a random article of the wiki, analysed, then its page."""
    client = client_key(request)
    target = await lookups.run(lambda: random_article(rt, site_for_request(rt, form.wiki), client))
    return RedirectResponse(target, status_code=303)


@router.get(
    "/wiki/{wiki}/{title:path}", response_class=HTMLResponse, dependencies=[FilteredHistoryLimit]
)
def show_article(
    request: Request,
    wiki: WikiParam,
    title: TitleParam,
    rt: RuntimeDep,
    templates: TemplatesDep,
    redirected_from: Annotated[str | None, Query(max_length=1000)] = None,
) -> Response:
    """The article's page, from what is stored: its dashboard (with a Refresh button
    once stale), the progress of the job fetching it, or an Analyse button."""
    site = find_site(rt, wiki)
    state = open_article(rt, site, title_from_slug(title))
    if state.moved_from is not None:
        target = urls.article(site.key, state.title)
        moved = urls.title_slug(state.moved_from)
        return RedirectResponse(f"{target}?redirected_from={moved}", 301)
    if state.page is not None and state.page.pageid is None:
        said_missing(rt, site, state)
    shown_from = title_from_slug(redirected_from) if redirected_from else None
    return render_article(
        request, rt, templates, site, state, wiki_field=site.key, redirected_from=shown_from
    )


@router.get(
    "/dashboard/{wiki}/{title:path}",
    response_class=HTMLResponse,
    dependencies=[FilteredHistoryLimit],
)
def show_dashboard_fragment(
    request: Request,
    site: SiteDep,
    title: TitleParam,
    rt: RuntimeDep,
    templates: TemplatesDep,
    renders: RendersDep,
) -> Response:
    """The dashboard alone, swapped into the article page when its job is done, or
    while it runs the dashboard of what it has stored so far (a 304 when the browser
    holds it already: its ETag says all it shows)."""
    try:
        state = open_article(rt, site, title_from_slug(title))
    except InvalidTitle:  # never stored: the same 404 as every other route of a title
        stored_page(rt, site, title)
        raise
    page = state.page
    context: dict[str, object] = {"site": site, "title": state.title, "wiki_field": site.key}
    shown = None
    if page is not None and page.fetched_at is not None:
        shown = dashboard_context(
            rt, renders, templates, site, page, refreshing=False, wiki_field=site.key
        )
        shown["history"] = history_view(rt, site, page, request.query_params)
    elif page is not None and state.job is not None:
        shown = partial_context(rt, renders, templates, site, page, state.job)
    if shown is None:
        stored_page(rt, site, title)  # the 404 that says how to analyse it
        raise AssertionError("unreachable: nothing is stored")
    context.update(shown)
    # The history explorer's section shows what the query asks: part of the tag.
    tag = etag("fragment", context["dashboard_tag"], str(request.query_params))
    return renders.answer(request, tag, lambda: render_page(templates, "dashboard.html", context))


def said_missing(rt: Runtime, site: WikiSite, state: ArticleState) -> None:
    """A title asked through the form, which the wiki said it has no article of: the
    404 the form answered before its job looked titles up (jobs.asked), with the wiki's
    suggestions (its job's last event); nothing otherwise."""
    job = state.job
    if job is None or job.status != JobStatus.FAILED:
        return
    said = events_after(rt.db, job.id, job.events - 1)
    if said and said[-1].data.get("missing"):
        shown = f"{site.key} has no article called “{state.title}”."
        raise Problem(404, shown, list(said[-1].data.get("suggestions") or []), "missing")


def render_article(
    request: Request,
    rt: Runtime,
    templates: Jinja2Templates,
    site: WikiSite,
    state: ArticleState,
    *,
    wiki_field: str,
    redirected_from: str | None = None,
) -> Response:
    """article.html: `wiki_field` is what its forms post as the wiki. With no job to
    follow, the page is what its dashboard is: the same ETag rules (a 304 if held)."""
    page, job = state.page, state.job
    context: dict[str, object] = {
        "site": site,
        "title": state.title,
        "wiki_field": wiki_field,
        "redirected_from": redirected_from,
        "job": job,
        "events_url": urls.events(job.id) if job else None,
        "fragment_url": urls.dashboard_fragment(site.key, state.title),
        "dashboard": None,
        "controls": job_controls(request, rt, job),  # Cancel, Resume (routes/control.py)
    }
    renders: Renders = request.app.state.renders
    if page is not None and page.fetched_at is not None:  # a history is stored
        refreshing = job is not None
        context.update(
            dashboard_context(
                rt, renders, templates, site, page, refreshing=refreshing, wiki_field=wiki_field
            )
        )
        context["history"] = history_view(rt, site, page, request.query_params)
    elif page is not None and job is not None and job.status.finished:
        # What a failed fetch stored, beside its reason. While a job runs, the page
        # asks for its partial dashboard after the first event instead (progress.js):
        # the bar is on screen first.
        context.update(partial_context(rt, renders, templates, site, page, job) or {})
    if job is not None or context["dashboard"] is None:
        return templates.TemplateResponse(request, "article.html", context)
    tag = etag(
        "article",
        context["dashboard_tag"],
        state.title,
        wiki_field,
        redirected_from,
        str(request.query_params),  # the history explorer's filters
    )
    return renders.answer(request, tag, lambda: render_page(templates, "article.html", context))


def render_page(templates: Jinja2Templates, name: str, context: dict[str, object]) -> str:
    """A page as a string, for an answer kept by its ETag (`Renders.answer`): its
    templates use nothing of the request."""
    return templates.get_template(name).render(context)


def analysed_article(rt: Runtime, site: WikiSite, title: str, client: str) -> str:
    """Where to see `title` once its analysis is started or joined for `client` (asks
    the wiki)."""
    analysis = start_analysis(rt, site, title, client=client)
    target = urls.article(site.key, analysis.page.title)
    shown = analysis.resolved.redirected_from
    return target + f"?redirected_from={urls.title_slug(shown)}" if shown else target


def random_article(rt: Runtime, site: WikiSite, client: str) -> str:
    titles = rt.wikis.client(site, quick=True).random_titles(1)
    if not titles:
        raise Problem(502, f"{site.key} did not suggest a random article", [], "wiki")
    return analysed_article(rt, site, titles[0], client)


def wiki_choices(rt: Runtime, default: str) -> list[str]:
    """The wiki picker: the default, the wikis seen here, then common languages."""
    with rt.db.read() as conn:
        known = pages.wiki_keys(conn)
    ordered = [default] + [k for k in known if k != default]
    return ordered + [code for code in LANGUAGES if code not in ordered]


def recently_analysed(rt: Runtime, limit: int) -> list[AnalysedPage]:
    with rt.db.read() as conn:
        return [AnalysedPage.from_page(p) for p in pages.recently_fetched(conn, limit)]
