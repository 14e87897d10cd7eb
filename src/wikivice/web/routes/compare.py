"""GET /compare?wiki=W&a=T1&b=T2: two analysed articles side by side; POST /compare
starts the analyses the comparison still needs (the page follows them, then shows both)."""

from __future__ import annotations

from typing import Annotated, TypedDict

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from wikivice.figures.cache import figures_for
from wikivice.figures.charts import compared_edits
from wikivice.figures.conflict import WarThreshold
from wikivice.figures.types import PageFigures
from wikivice.jobs.analyses import open_article, start_analysis
from wikivice.jobs.runtime import Runtime
from wikivice.web import urls
from wikivice.web.clients import client_key
from wikivice.web.deps import RuntimeDep, TemplatesDep, analysed_page, site_for_request
from wikivice.web.forms import TITLE_CHARS, WIKI_CHARS, read_fields
from wikivice.web.lookups import LookupsDep
from wikivice.web.problems import Problem
from wikivice.web.ratelimits import AnalysesLimit, Limit, get_rate_limits
from wikivice.wiki.errors import InvalidTitle
from wikivice.wiki.sites import WikiSite
from wikivice.wiki.titles import clean_title, title_spellings

router = APIRouter(include_in_schema=False)
TitleQuery = Annotated[str, Query(max_length=300, description="An analysed article's title.")]


class Side(TypedDict):
    """One column of the comparison: the title as asked, the stored article's title and
    page here, its figures (None when it has not been analysed yet) and, while it is
    being analysed, the job to follow."""

    asked: str
    title: str
    url: str
    figures: PageFigures | None
    job_url: str | None
    invalid: str | None  # why no wiki could have this title (nothing is started for it)
    redirected: bool  # the title asked led to another (a redirect, a variant spelling)


@router.get("/compare", response_class=HTMLResponse)
def show_comparison(
    request: Request,
    rt: RuntimeDep,
    templates: TemplatesDep,
    wiki: Annotated[str | None, Query(max_length=500)] = None,
    a: TitleQuery = "",
    b: TitleQuery = "",
) -> Response:
    """The form, and when both titles are given, their main figures and edits per
    month; an article not analysed yet is analysed (the page's script starts it, or
    the form's button without JavaScript) and followed until both can be compared."""
    site = site_for_request(rt, wiki)
    sides = [side(rt, site, title) for title in (a.strip(), b.strip()) if title]
    analysed = [s["figures"] for s in sides if s["figures"] is not None]
    chart = compared_edits(analysed) if len(analysed) == 2 and len(sides) == 2 else None
    return templates.TemplateResponse(
        request,
        "compare.html",
        {"site": site, "a": a, "b": b, "sides": sides, "chart": chart},
    )


@router.post("/compare", dependencies=[AnalysesLimit])
async def start_comparison(request: Request, rt: RuntimeDep, lookups: LookupsDep) -> Response:
    """The "Analyse and compare" button (works without JavaScript): starts or joins the
    analysis of each title not analysed yet, then the comparison's page (303)."""
    fields = await read_fields(request)
    wiki = fields.get("wiki", "").strip()
    titles = [fields.get(name, "").strip() for name in ("a", "b")]
    if len(wiki) > WIKI_CHARS or any(len(t) > TITLE_CHARS for t in titles):
        raise Problem(422, "The form's wiki or titles are too long.", [], "invalid")
    site = site_for_request(rt, wiki or None)
    client = client_key(request)
    wanted = [t for t in titles if t and analysed_page(rt, site, t) is None and valid(t)]
    for _ in wanted[1:]:  # the route's limit counted one analysis: each counts, as one does
        await get_rate_limits(request).check(Limit.ANALYSES, client)
    for title in wanted:
        await lookups.run(start_analysis, rt, site, title, client=client)
    return RedirectResponse(urls.compare(site.key, *titles), status_code=303)


def valid(title: str) -> bool:
    try:
        clean_title(title)
    except InvalidTitle:
        return False
    return True


def side(rt: Runtime, site: WikiSite, asked: str) -> Side:
    """One column: the stored article's figures, or None with the job analysing it."""
    page = analysed_page(rt, site, asked)
    threshold = WarThreshold.of(rt.settings)
    if page is not None:
        return {
            "asked": asked,
            "title": page.title,
            "url": urls.article(site.key, page.title),
            "figures": figures_for(rt.db, page.id, threshold),
            "job_url": None,
            "invalid": None,
            "redirected": led_elsewhere(asked, page.title),
        }
    try:
        state = open_article(rt, site, asked)
    except InvalidTitle as exc:
        url = urls.article(site.key, asked)
        return {"asked": asked, "title": asked, "url": url, "figures": None, "job_url": None,
                "invalid": exc.reason, "redirected": False}  # fmt: skip
    running = state.job is not None and not state.job.finished
    return {
        "asked": asked,
        "title": state.title,
        "url": urls.article(site.key, state.title),
        "figures": None,
        "job_url": urls.job(state.job.id) if running and state.job else None,
        "invalid": None,
        "redirected": led_elsewhere(asked, state.title),
    }


def led_elsewhere(asked: str, title: str) -> bool:
    """Whether the title asked led to another one (a redirect: `Turing` to `Alan
    Turing`), not merely to its own spelling (underscores, spaces, a first letter in
    lower case)."""
    return title not in title_spellings(asked)
