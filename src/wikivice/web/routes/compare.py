"""GET /compare?wiki=W&a=T1&b=T2: two analysed articles side by side."""

from __future__ import annotations

from typing import Annotated, Any

import plotly.graph_objects as go
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from wikivice.figures.plotting import LABEL_MAX, PLOTLY_CONFIG, figure, label, to_json
from wikivice.jobs.runtime import Runtime
from wikivice.store import pages
from wikivice.web import urls
from wikivice.web.dashboard import figures_for
from wikivice.web.deps import RuntimeDep, TemplatesDep, site_for_request
from wikivice.wiki.sites import WikiSite

router = APIRouter(include_in_schema=False)
COLOURS = ("#3366cc", "#dc3912")
TitleQuery = Annotated[str, Query(max_length=300, description="An analysed article's title.")]


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
    analysed = [s for s in sides if s["figures"] is not None]
    chart = None
    if len(analysed) == 2 and len(sides) == 2:
        chart = {
            "id": "compare_edits",
            "title": "Edits per month",
            "figure": edits_chart(analysed),
            "config": PLOTLY_CONFIG,
        }
    return templates.TemplateResponse(
        request,
        "compare.html",
        {"site": site, "a": a, "b": b, "sides": sides, "chart": chart},
    )


def side(rt: Runtime, site: WikiSite, asked: str) -> dict[str, Any]:
    """One column: the stored article's figures, or None with a link to analyse it."""
    page = find_page(rt, site, asked)
    title = page.title if page is not None else asked
    return {
        "asked": asked,
        "title": title,
        "url": urls.article(site.key, title),
        "figures": figures_for(rt, page) if page is not None else None,
    }


def find_page(rt: Runtime, site: WikiSite, asked: str) -> pages.PageRef | None:
    """An analysed article by its title as typed (`_` for spaces, first letter in
    either case: MediaWiki capitalises it), or None."""
    title = urls.title_from_slug(asked)
    candidates = [title, title[:1].upper() + title[1:]]
    with rt.db.read() as conn:
        wiki_id = pages.wiki_id(conn, site.key)
        if wiki_id is None:
            return None
        for candidate in candidates:
            page = pages.page_by_title(conn, wiki_id, candidate)
            if page is not None and page.fetched_at is not None:
                return page
    return None


def edits_chart(sides: list[dict[str, Any]]) -> dict[str, Any]:
    """Both articles' edits per month as lines on one time axis, zoomable."""
    traces = [
        go.Scatter(
            mode="lines",
            name=label(s["title"], LABEL_MAX),
            line={"color": colour, "width": 1.5, "shape": "hv"},
            hovertemplate="%{x|%B %Y}: %{y:,} edits",  # the trace's name shows beside
        )
        for s, colour in zip(sides, COLOURS, strict=False)
    ]
    fig = figure(traces)
    fig.update_xaxes(type="date", rangeslider={"visible": True})
    fig.update_yaxes(title_text="edits per month", rangemode="tozero")
    months = [s["figures"]["timeline"]["months"] for s in sides]
    return to_json(fig, [{"x": m["month"], "y": m["edits"]} for m in months])
