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

from wikivice.figures.cache import current_key, figures_for, partial_figures
from wikivice.figures.charts import dashboard_charts
from wikivice.figures.conflict import WarThreshold
from wikivice.figures.page import FIGURES_VERSION
from wikivice.figures.types import PageFigures
from wikivice.jobs.analyses import checked_at, is_stale, stopped_at_limit
from wikivice.jobs.runtime import Runtime
from wikivice.jobs.snapshot import JobSnapshot
from wikivice.store.pages import PageRef
from wikivice.web.filters import count, duration
from wikivice.web.renders import Rendered, Renders, etag
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
    templates: Jinja2Templates,
    site: WikiSite,
    title: str,
    figures: PageFigures,
    *,
    partial: bool = False,
) -> str:
    context = {
        "site": site,
        "title": title,
        "figures": figures,
        "charts": dashboard_charts(figures),
        "partial": partial,
    }
    return templates.get_template("_dash_main.html").render(context)


def partial_context(
    rt: Runtime,
    renders: Renders,
    templates: Jinja2Templates,
    site: WikiSite,
    page: PageRef,
    job: JobSnapshot,
) -> dict[str, object] | None:
    """dashboard.html's context for a history still being fetched, or one whose fetch
    stopped short (issue 11 part 3): the figures of the revisions stored so far, kept
    by the job's count of them (a new count, a new rendering and ETag, made at most as
    often as `Renders.throttled` lets), and a notice that says what they are based on.
    None when nothing is stored yet."""
    if job.done <= 0:
        return None

    def render() -> Rendered:
        figures = partial_figures(rt.db, page.id, WarThreshold.of(rt.settings))
        html = render_body(templates, site, page.title, figures, partial=True)
        return Rendered(html, figures["edits"])

    # One computation at a time per job, and not more often than the page asks: the
    # notice and the ETag say which count of revisions the one shown is based on.
    wanted = ("partial", page.id, job.id, job.done, FIGURES_VERSION, site.key, page.title)
    # A job that ended stores nothing more: its own group, so exactly what it stored.
    group = wanted if job.status.finished else ("partial", page.id, job.id)
    kept_as, kept = renders.throttled(group, wanted, render)
    body = Dashboard(Markup(kept.html), kept.edits, etag(kept_as))  # noqa: S704 (ours)
    notice = PartialNotice.of(body.edits, job)
    return {
        "dashboard": body,
        "fetched_ago": None,
        "refreshable": False,
        "capped": None,
        "partial": notice,
        "dashboard_tag": etag(body.tag, notice),
    }


@dataclass(frozen=True)
class PartialNotice:
    """What a partial dashboard's notice says: the count of edits its figures were
    computed from (which may trail the progress bar's, as it is rendered again only
    every few seconds), in the words for a job still fetching (`running`) and for one
    that stopped (`stopped`). The page holds both and shows the one its job's status
    calls for (static/js/progress.js), so a Cancel or a Resume changes the words at once;
    the total is the progress bar's to say, which knows the newest estimate."""

    running: str
    stopped: str
    has_stopped: bool  # the job failed or was cancelled when this was rendered

    @classmethod
    def of(cls, edits: int, job: JobSnapshot) -> PartialNotice:
        first = f"Based on the first {count(edits, 'edit')} stored, oldest first"
        return cls(
            running=f"{first}: the rest is on its way.",
            stopped=f"{first}: the fetch stopped, so the rest of the history is not here.",
            has_stopped=job.status.stopped_short,
        )


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
