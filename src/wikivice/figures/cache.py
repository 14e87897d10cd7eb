"""A page's figures, kept: computed once after a fetch, read back by every later view.

The cache is one `page_stats` row per page holding the figures' JSON, keyed by the
page's newest stored revision and `FIGURES_VERSION`: a fetch that stores more
revisions, or code whose figures differ, makes it stale, and the next reader recomputes.
So do figures computed under another edit-war rule (`WarThreshold`, from the settings).
`figures_for` is the one way to a page's figures, cached or computed.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import orjson
from sqlalchemy import Connection, func, select, update

from wikivice.figures.conflict import WarThreshold
from wikivice.figures.glance import recent_edits
from wikivice.figures.page import FIGURES_VERSION, page_figures
from wikivice.figures.types import PageFigures
from wikivice.store.database import dialect_insert
from wikivice.store.models import Page, PageStats
from wikivice.wiki.timestamps import iso

if TYPE_CHECKING:
    from wikivice.store.database import Database
    from wikivice.store.pages import PageRef


@dataclass(frozen=True)
class FiguresKey:
    """All that a page's figures depend on, cheap to read (the page's row and the last
    year of its (page_id, ts) index): two equal keys, the same figures but for `now`. A
    rendering or an ETag keyed by it is stale exactly when the figures would differ: a
    batch stored, other code, another edit-war rule, or an edit aged out of "the last
    day" (`recent`). `stored` is the history it describes: the revisions stored and the
    newest one, or while a job fetches it, what the job has stored so far."""

    page_id: int
    stored: tuple[int, int]
    version: int
    rule: tuple[int, int]
    recent: tuple[int, int, int, int]

    @property
    def tag(self) -> str:
        """A short digest of the key, for ETags."""
        return hashlib.blake2b(repr(self).encode(), digest_size=10).hexdigest()


def figures_key(
    conn: Connection,
    page: PageRef,
    threshold: WarThreshold,
    now: float | None = None,
    *,
    stored: tuple[int, int] | None = None,
) -> FiguresKey:
    """The key of `page`'s figures as they are now (see `FiguresKey`)."""
    recent = recent_edits(conn, page.id, time.time() if now is None else now)
    return FiguresKey(
        page.id,
        stored or (page.stored_revisions, page.stored_latest_revid or 0),
        FIGURES_VERSION,
        (threshold.reverts, threshold.hours),
        (recent["day"], recent["week"], recent["month"], recent["year"]),
    )


def current_key(db: Database, page: PageRef, threshold: WarThreshold) -> FiguresKey:
    """`figures_key` in a read of its own."""
    with db.read() as conn:
        return figures_key(conn, page, threshold)


def figures_for(db: Database, page_id: int, threshold: WarThreshold) -> PageFigures:
    """The page's figures, their edit wars by `threshold` (`WarThreshold.of(settings)`):
    from the cache when it matches what is stored, else computed now (and cached for
    the next reader)."""
    with db.read() as conn:
        cached = cached_figures(conn, page_id, threshold=threshold)
    return cached if cached is not None else store_figures(db, page_id, threshold=threshold)


def partial_figures(db: Database, page_id: int, threshold: WarThreshold) -> PageFigures:
    """The figures of what a fetch has stored so far: computed, never cached in the
    database (the cache is keyed by the page's complete history, which this is not)."""
    with db.read() as conn:
        return page_figures(conn, page_id, None, threshold)


def analyser(threshold: WarThreshold) -> Callable[[Database, PageRef], None]:
    """The worker's `Analyser`: computes a page's figures once after a fetch and keeps
    them for the dashboard (as `store_figures` does)."""

    def analyse(db: Database, page: PageRef) -> None:
        store_figures(db, page.id, threshold=threshold)

    return analyse


def store_figures(
    db: Database, page_id: int, now: float | None = None, *, threshold: WarThreshold | None = None
) -> PageFigures:
    """Compute the page's figures and cache them (replacing any older ones)."""
    with db.read() as conn:
        # The revid first: should a fetch store more revisions while this computes, the
        # cache says it is older than it is, and the next reader recomputes.
        revid = conn.execute(select(Page.stored_latest_revid).where(Page.id == page_id)).scalar()
        figures = page_figures(conn, page_id, now, threshold, beside=db.read)
    values = {
        "revid": revid or 0,
        "version": FIGURES_VERSION,
        "data": orjson.dumps(figures).decode(),
        "computed_at": time.time(),
    }
    insert = dialect_insert(db.engine.dialect.name)
    with db.write() as conn:
        # Upsert: the worker and a web request may both compute a page at once.
        upsert = insert(PageStats).values(page_id=page_id, **values)
        conn.execute(upsert.on_conflict_do_update(index_elements=["page_id"], set_=values))
        conn.execute(update(Page).where(Page.id == page_id).values(analysed_at=time.time()))
    return figures


def cached_figures(
    conn: Connection,
    page_id: int,
    now: float | None = None,
    *,
    threshold: WarThreshold | None = None,
) -> PageFigures | None:
    """The cached figures if they describe the page's stored history with this code's
    FIGURES_VERSION and the edit-war `threshold` (default: the three-revert rule's),
    else None (then call `store_figures`). `recent_edits` and `now` are recounted
    against `now` (default: the current time)."""
    data = conn.execute(
        select(PageStats.data)
        .join(Page, Page.id == PageStats.page_id)
        .where(
            PageStats.page_id == page_id,
            PageStats.version == FIGURES_VERSION,
            PageStats.revid == func.coalesce(Page.stored_latest_revid, 0),
        )
    ).scalar()
    if data is None:
        return None
    # Stored by store_figures from a PageFigures: read back as one, unchecked (the
    # warm dashboard's path; tests validate the stored shape against the type).
    figures: PageFigures = orjson.loads(data)
    if figures["conflict"]["war_rule"] != (threshold or WarThreshold()).rule:
        return None  # computed under another rule: the settings changed
    now = time.time() if now is None else now
    figures["now"] = iso(now)
    figures["recent_edits"] = recent_edits(conn, page_id, now)
    return figures
