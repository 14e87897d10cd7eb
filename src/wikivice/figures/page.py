"""A page's figures, computed in SQL over its stored revisions: `page_figures`.

Never loads a history into Python objects: every figure is an aggregate query (at most
one row per editor, day or size bucket comes back). Aggregates that several figures
share are counted once and handed to each (issue 11): `authorship.tallies` (one row per
editor and kind: the counts, the rankings and the concentration) and `timeline.daily`
(one row per day: the months, the days and the years).

The modules it gathers: `glance` (the at-a-glance figures), `timeline` (per day, month,
year, size, weekday × hour), `authorship` (top editors, concentration), `conflict`
(edit wars and vandalism undone, from `reverts`: who undid whom) and `geography`
(anonymous editors' countries). `cache` keeps the result.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from typing import TypedDict

from sqlalchemy import Connection, select

from wikivice.figures import authorship, conflict, geography, glance, timeline
from wikivice.figures.types import (
    Concentration,
    Conflict,
    CountryFigures,
    GlanceFigures,
    Heatmap,
    PageFigures,
    PageHeader,
    Rankings,
    SizeHistory,
    Timeline,
    YearRow,
)
from wikivice.store.models import Page, Wiki
from wikivice.wiki.timestamps import iso

Reader = Callable[[], AbstractContextManager[Connection]]  # `Database.read`

FIGURES_VERSION = 4  # bump when the figures change: cached ones are then recomputed


def page_figures(
    conn: Connection,
    page_id: int,
    now: float | None = None,
    threshold: conflict.WarThreshold | None = None,
    *,
    beside: Reader | None = None,
) -> PageFigures:
    """Everything `wikivice stats --json` and the dashboard show about a page (see
    `PageFigures`); "recent" counts are relative to `now` (default: the current time),
    edit wars follow `threshold` (default: the three-revert rule's).

    `beside` (`Database.read`) opens a second read on which the figures by time, place
    and conflict are computed in a thread of their own while `conn` computes the rest
    (a cold `Synthetic 100000` about a fifth sooner on two cores: bench/dashboard.py).
    For `cache.store_figures`: should a fetch store a batch meanwhile, the two reads may
    differ by it, and the cache, keyed by the revision read first, has them recomputed
    by the next reader; a partial dashboard (a fetch running) keeps to one read.
    LookupError if there is no such page."""
    now = time.time() if now is None else now
    glance.no_jit(conn)
    header = page_header(conn, page_id)
    if header is None:
        raise LookupError(f"no page with id {page_id}")
    if beside is None:
        aside = _aside(conn, page_id, threshold)
        basic, spread, rankings, size = _by_editor(conn, page_id, now)
    else:
        with ThreadPoolExecutor(1, thread_name_prefix="figures") as pool:
            later = pool.submit(_aside_in, beside, page_id, threshold)
            basic, spread, rankings, size = _by_editor(conn, page_id, now)
            aside = later.result()
    return {
        **header,
        "version": FIGURES_VERSION,
        "now": iso(now),
        **basic,
        "timeline": aside["timeline"],
        "size": size,
        "heatmap": aside["heatmap"],
        "years": aside["years"],
        "top_editors": {"by_edits": rankings["by_edits"], "by_bytes": rankings["by_bytes"]},
        "concentration": spread,
        "conflict": conflict.with_most_reverted(aside["conflict"], rankings["most_reverted"]),
        "countries": aside["countries"],
    }


def _by_editor(
    conn: Connection, page_id: int, now: float
) -> tuple[GlanceFigures, Concentration, Rankings, SizeHistory]:
    """The figures counted per editor (at a glance, the rankings, the concentration),
    and the size over time (which needs the first and last edit)."""
    counted = authorship.tallies(conn, page_id)  # shared: one scan, not three
    basic, spread = glance.at_a_glance(conn, page_id, now, counted)
    first, last, edits = basic["first_edit"], basic["last_edit"], basic["edits"]
    rankings = authorship.rankings(conn, page_id, edits, counted=counted)
    size = timeline.size_history(conn, page_id, first and first["ts"], last and last["ts"], edits)
    return basic, spread, rankings, size


class _Aside(TypedDict):
    timeline: Timeline
    heatmap: Heatmap
    years: list[YearRow]
    conflict: Conflict
    countries: CountryFigures


def _aside(conn: Connection, page_id: int, threshold: conflict.WarThreshold | None) -> _Aside:
    """The figures by time and place, and the conflict (its most reverted editors are
    the rankings', added after: `conflict.with_most_reverted`)."""
    per_day = timeline.daily(conn, page_id)  # shared: one scan, not three
    return {
        "timeline": {
            "months": timeline.months(conn, page_id, per_day),
            "days": timeline.days(conn, page_id, per_day),
        },
        "heatmap": timeline.heatmap(conn, page_id),
        "years": timeline.years(conn, page_id, per_day),
        "conflict": conflict.conflict_figures(conn, page_id, [], threshold),
        "countries": geography.country_figures(conn, page_id),
    }


def _aside_in(read: Reader, page_id: int, threshold: conflict.WarThreshold | None) -> _Aside:
    with read() as conn:
        glance.no_jit(conn)
        return _aside(conn, page_id, threshold)


def page_header(conn: Connection, page_id: int) -> PageHeader | None:
    """Which page: its title, pageid, wiki key, stored revisions and when it was fetched."""
    row = conn.execute(
        select(Page.title, Page.pageid, Page.stored_revisions, Page.fetched_at, Wiki.key)
        .join(Wiki, Wiki.id == Page.wiki_id)
        .where(Page.id == page_id)
    ).first()
    if row is None:
        return None
    return {
        "title": row.title,
        "pageid": row.pageid,
        "wiki": row.key,
        "revisions": row.stored_revisions,
        "fetched_at": row.fetched_at,
    }
