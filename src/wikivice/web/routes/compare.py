"""GET /compare?wiki=W&a=T1&b=T2: two analysed articles side by side."""

from __future__ import annotations

from typing import Annotated, TypedDict

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from wikivice.figures.cache import figures_for
from wikivice.figures.charts import compared_edits
from wikivice.figures.conflict import WarThreshold
from wikivice.figures.types import PageFigures
from wikivice.jobs.runtime import Runtime
from wikivice.web import urls
from wikivice.web.deps import RuntimeDep, TemplatesDep, analysed_page, site_for_request
from wikivice.wiki.sites import WikiSite

router = APIRouter(include_in_schema=False)
TitleQuery = Annotated[str, Query(max_length=300, description="An analysed article's title.")]


class Side(TypedDict):
    """One column of the comparison: the title as asked, the stored article's title and
    page here, and its figures (None when it has not been analysed yet)."""

    asked: str
    title: str
    url: str
    figures: PageFigures | None


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
    month; an article not analysed yet gets a message with a link to analyse it."""
    site = site_for_request(rt, wiki)
    sides = [side(rt, site, title) for title in (a.strip(), b.strip()) if title]
    analysed = [s["figures"] for s in sides if s["figures"] is not None]
    chart = compared_edits(analysed) if len(analysed) == 2 and len(sides) == 2 else None
    return templates.TemplateResponse(
        request,
        "compare.html",
        {"site": site, "a": a, "b": b, "sides": sides, "chart": chart},
    )


def side(rt: Runtime, site: WikiSite, asked: str) -> Side:
    """One column: the stored article's figures, or None with a link to analyse it."""
    page = analysed_page(rt, site, asked)
    title = page.title if page is not None else asked
    threshold = WarThreshold.of(rt.settings)
    return {
        "asked": asked,
        "title": title,
        "url": urls.article(site.key, title),
        "figures": None if page is None else figures_for(rt.db, page.id, threshold),
    }
