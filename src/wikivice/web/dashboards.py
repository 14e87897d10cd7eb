"""A stored history's dashboard as the pages show it: its body rendered once per
`FiguresKey` and kept (`web.renders`), and around it what is said per request (when it
was fetched, whether to offer a refresh), each part in the answer's ETag.

The words that move with the clock ("fetched 3 minutes ago") are in the ETag as they
are written, so a 304 never leaves stale words on screen: the ETag changes when they do.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from wikivice.figures.cache import current_key, figures_for
from wikivice.figures.conflict import WarThreshold
from wikivice.figures.plotting import ChartSpec
from wikivice.figures.types import PageFigures
from wikivice.jobs.analyses import checked_at, is_stale, stopped_at_limit
from wikivice.jobs.runtime import Runtime
from wikivice.store.pages import PageRef
from wikivice.web.filters import duration
from wikivice.web.renders import Renders, etag
from wikivice.wiki.sites import WikiSite


@dataclass(frozen=True)
class Dashboard:
    """A dashboard's body, rendered (`_dash_main.html`), and what identifies it."""

    main: Markup
    edits: int
    tag: str  # a digest of everything the body shows


def dashboard_body(
    rt: Runtime, renders: Renders, templates: Jinja2Templates, site: WikiSite, page: PageRef
) -> Dashboard:
    """The body of `page`'s dashboard: kept, or rendered now (figures read back or
    computed, charts built) and kept for the next visitor."""
    threshold = WarThreshold.of(rt.settings)
    key = current_key(rt.db, page, threshold)
    kept_as = (key, site.key, page.title)
    tag = etag(*kept_as)
    kept = renders.get(kept_as)
    if kept is not None:
        return Dashboard(Markup(kept.html), kept.edits, tag)  # noqa: S704 (ours, escaped)
    figures = figures_for(rt.db, page.id, threshold)
    html = render_body(templates, site, page.title, figures)
    renders.put(kept_as, html, figures["edits"])
    return Dashboard(Markup(html), figures["edits"], tag)  # noqa: S704 (ours, escaped)


def render_body(
    templates: Jinja2Templates, site: WikiSite, title: str, figures: PageFigures
) -> str:
    context = {"site": site, "title": title, "figures": figures, "charts": charts(figures)}
    return templates.get_template("_dash_main.html").render(context)


def dashboard_context(
    rt: Runtime,
    renders: Renders,
    templates: Jinja2Templates,
    site: WikiSite,
    page: PageRef,
    *,
    refreshing: bool,
    wiki_field: str,
) -> dict[str, object]:
    """dashboard.html's context: the body, when the history was known current (in
    words), whether to offer a refresh (not while one runs, nor when it would stop at
    once), why the history stops short (`capped`), and `dashboard_tag`, the ETag of it
    all."""
    body = dashboard_body(rt, renders, templates, site, page)
    checked = checked_at(page)
    capped = stopped_at_limit(rt, page)
    refreshable = not refreshing and capped is None and is_stale(rt, page)
    ago = None if checked is None else fetched_ago(max(0.0, time.time() - checked))
    return {
        "dashboard": body,
        "fetched_ago": ago,
        "refreshable": refreshable,
        "capped": capped,
        "dashboard_tag": etag(body.tag, wiki_field, ago, refreshable, capped),
    }


def fetched_ago(seconds: float) -> str:
    """ "less than a minute", "3 minutes", "2.5 hours": how long ago, as the page says."""
    return "less than a minute" if seconds < 60 else duration(seconds)


def charts(figures: PageFigures) -> list[ChartSpec]:
    from wikivice.figures.charts import dashboard_charts  # plotly: loaded on first use

    return dashboard_charts(figures)
