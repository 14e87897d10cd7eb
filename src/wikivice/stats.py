"""The dashboard's figures, computed in SQL over the stored revisions.

Never loads a history into Python objects: every figure is an aggregate query, so a
page of 1,000,000 revisions costs the database a few scans and Python a few rows.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import orjson
from sqlalchemy import Connection, case, func, insert, select, update

from wikivice.models import Editor, Page, PageStats, Revision, Wiki
from wikivice.pages import PageRef

if TYPE_CHECKING:
    from wikivice.runtime import Runtime


def basic_figures(conn: Connection, page_id: int) -> dict[str, Any]:
    """Edits, editors, anonymous share, first and last edit, reverts."""
    r = Revision
    anon = r.kind.in_(("anon", "temp"))
    row = conn.execute(
        select(
            func.count().label("edits"),
            func.count(func.distinct(r.editor_id)).label("editors"),
            func.sum(case((anon, 1), else_=0)).label("anonymous_edits"),
            func.count(func.distinct(case((anon, r.editor_id)))).label("anonymous_editors"),
            func.sum(case((r.kind == "bot", 1), else_=0)).label("bot_edits"),
            func.sum(case((r.is_revert, 1), else_=0)).label("reverts"),
            func.sum(case((r.reverted, 1), else_=0)).label("reverted_edits"),
            func.min(r.ts).label("first_ts"),
            func.max(r.ts).label("last_ts"),
        ).where(r.page_id == page_id)
    ).one()
    edits = int(row.edits)
    figures: dict[str, Any] = {
        "edits": edits,
        "editors": int(row.editors),
        "anonymous_edits": int(row.anonymous_edits or 0),
        "anonymous_editors": int(row.anonymous_editors),
        "anonymous_share": _share(row.anonymous_edits, edits),
        "bot_edits": int(row.bot_edits or 0),
        "bot_share": _share(row.bot_edits, edits),
        "reverts": int(row.reverts or 0),
        "reverted_edits": int(row.reverted_edits or 0),
        "first_edit": _edit_at(conn, page_id, row.first_ts, first=True),
        "last_edit": _edit_at(conn, page_id, row.last_ts, first=False),
    }
    return figures


FIGURES_VERSION = 1  # bump when the figures change: cached ones are then recomputed


def page_figures(conn: Connection, page_id: int) -> dict[str, Any]:
    """Everything `wikivice stats --json` and the dashboard show about a page."""
    return {**(page_header(conn, page_id) or {}), **basic_figures(conn, page_id)}


def analyse(rt: Runtime, page: PageRef) -> None:
    """Compute the page's figures once after a fetch and keep them for the dashboard."""
    with rt.db.read() as conn:
        figures = page_figures(conn, page.id)
        revid = conn.execute(select(Page.stored_latest_revid).where(Page.id == page.id)).scalar()
    data = orjson.dumps(figures).decode()
    values = {
        "revid": revid or 0,
        "version": FIGURES_VERSION,
        "data": data,
        "computed_at": time.time(),
    }
    with rt.db.write() as conn:
        changed = conn.execute(
            update(PageStats).where(PageStats.page_id == page.id).values(**values)
        ).rowcount
        if not changed:
            conn.execute(insert(PageStats).values(page_id=page.id, **values))
        conn.execute(update(Page).where(Page.id == page.id).values(analysed_at=time.time()))


def page_header(conn: Connection, page_id: int) -> dict[str, Any] | None:
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


def _edit_at(conn: Connection, page_id: int, ts: int | None, *, first: bool) -> dict[str, Any]:
    if ts is None:
        return {}
    order = (Revision.ts.asc(), Revision.revid.asc())
    if not first:
        order = (Revision.ts.desc(), Revision.revid.desc())
    row = conn.execute(
        select(Revision.revid, Revision.ts, Editor.name)
        .outerjoin(Editor, Editor.id == Revision.editor_id)
        .where(Revision.page_id == page_id)
        .order_by(*order)
        .limit(1)
    ).one()
    return {"revid": row.revid, "timestamp": _iso(row.ts), "user": row.name}


def _share(part: int | None, whole: int) -> float:
    return round((part or 0) / whole, 4) if whole else 0.0


def _iso(ts: int) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
