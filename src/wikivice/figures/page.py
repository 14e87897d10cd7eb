"""The dashboard's figures, computed in SQL over the stored revisions, and their cache.

Never loads a history into Python objects: every figure is an aggregate query (at most
one row per editor, day or size bucket comes back), so a page of 100,000 revisions costs
the database about fifteen scans of its rows and Python a few thousand rows.

`page_figures` computes everything; `analyse` computes once after a fetch and caches the
result in `page_stats`, keyed by the page's newest stored revision and FIGURES_VERSION;
`cached_figures` reads that cache. The modules it gathers: `timeline` (per day, month,
year, size, weekday × hour), `authorship` (top editors, concentration), `reverts` (edit
wars) and `geo` (anonymous editors' countries).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import orjson
from sqlalchemy import Connection, func, select, text, update

from wikivice.figures import authorship, conflict, geography, timeline
from wikivice.figures.authorship import share
from wikivice.store.database import dialect_insert
from wikivice.store.models import Page, PageStats, Wiki
from wikivice.wiki.timestamps import iso

if TYPE_CHECKING:
    from wikivice.store.database import Database
    from wikivice.store.pages import PageRef

FIGURES_VERSION = 2  # bump when the figures change: cached ones are then recomputed
RECENT = {"day": 86400, "week": 7 * 86400, "month": 30 * 86400, "year": 365 * 86400}
# The activity label's units, largest first: (seconds, singular, plural).
UNITS = (
    (365.25 * 86400, "year", "years"),
    (30.44 * 86400, "month", "months"),
    (7 * 86400, "week", "weeks"),
    (86400, "day", "days"),
    (3600, "hour", "hours"),
    (60, "minute", "minutes"),
    (1, "second", "seconds"),
)


def page_figures(conn: Connection, page_id: int, now: float | None = None) -> dict[str, Any]:
    """Everything `wikivice stats --json` and the dashboard show about a page.

    Top level: the page header (title, pageid, wiki, revisions, fetched_at), version,
    now (ISO UTC: "recent" counts are relative to it), the at-a-glance figures of
    `basic_figures`, and one key per chart: timeline (months, days), size, heatmap,
    years, top_editors (by_edits, by_bytes), concentration, conflict (edit_wars,
    war_rule, most_reverted) and countries. See each module's functions for shapes.
    """
    now = time.time() if now is None else now
    _no_jit(conn)
    figures: dict[str, Any] = {**(page_header(conn, page_id) or {})}
    figures["version"] = FIGURES_VERSION
    figures["now"] = iso(now)
    basic, spread = _at_a_glance(conn, page_id, now)
    figures.update(basic)
    first, last, edits = basic["first_edit"], basic["last_edit"], basic["edits"]
    rankings = authorship.rankings(conn, page_id, edits)
    figures["timeline"] = {
        "months": timeline.months(conn, page_id),
        "days": timeline.days(conn, page_id),
    }
    figures["size"] = timeline.size_history(
        conn, page_id, first and first["ts"], last and last["ts"], edits
    )
    figures["heatmap"] = timeline.heatmap(conn, page_id)
    figures["years"] = timeline.years(conn, page_id)
    figures["top_editors"] = {"by_edits": rankings["by_edits"], "by_bytes": rankings["by_bytes"]}
    figures["concentration"] = spread
    figures["conflict"] = {
        "edit_wars": conflict.edit_wars(conn, page_id),
        "war_rule": {"reverts_per_day": conflict.WAR_REVERTS, "editors": conflict.WAR_EDITORS},
        "most_reverted": rankings["most_reverted"][: conflict.TOP_REVERTED],
    }
    figures["countries"] = geography.country_figures(conn, page_id)
    return figures


def basic_figures(conn: Connection, page_id: int, now: float | None = None) -> dict[str, Any]:
    """The at-a-glance figures (`_share`: of all edits; `_editor_share`: of all editors).

    edits; editors (distinct named editors: hidden users are not counted); for each of
    ip (anonymous IP editors), temp (temporary accounts), anonymous (both), bot, minor:
    `<k>_edits`, `<k>_share`, and for the first four `<k>_editors`,
    `<k>_editor_share`; hidden_user_edits; reverts (edits that revert), reverted_edits
    (edits undone later), revert_rate (reverted_edits / edits); first_edit and last_edit
    ({revid, timestamp, ts, user, kind, size} or None; user is None when hidden);
    current_size; mean_interval and median_interval (seconds between consecutive edits,
    None below two edits); activity (a label: "edited every 3 hours"); recent_edits
    ({day, week, month, year}: edits in the last 1, 7, 30, 365 days before `now`);
    largest_addition and largest_removal ({revid, delta, timestamp, user, kind} or None:
    the page's creation is not counted, ties go to the earliest); top10_share,
    top10pct_share and gini (shares of the edits whose user is known: see
    `authorship.concentration`).
    """
    _no_jit(conn)
    return _at_a_glance(conn, page_id, time.time() if now is None else now)[0]


def _at_a_glance(
    conn: Connection, page_id: int, now: float
) -> tuple[dict[str, Any], dict[str, Any]]:
    """`basic_figures`, and `authorship.concentration` that some of them come from."""
    row = conn.execute(
        text("""
        SELECT COUNT(*) AS edits, COUNT(DISTINCT editor_id) AS editors,
            SUM(CASE WHEN kind = 'anon' THEN 1 ELSE 0 END) AS ip_edits,
            COUNT(DISTINCT CASE WHEN kind = 'anon' THEN editor_id END) AS ip_editors,
            SUM(CASE WHEN kind = 'temp' THEN 1 ELSE 0 END) AS temp_edits,
            COUNT(DISTINCT CASE WHEN kind = 'temp' THEN editor_id END) AS temp_editors,
            SUM(CASE WHEN kind = 'bot' THEN 1 ELSE 0 END) AS bot_edits,
            COUNT(DISTINCT CASE WHEN kind = 'bot' THEN editor_id END) AS bot_editors,
            SUM(CASE WHEN kind = 'hidden' THEN 1 ELSE 0 END) AS hidden_user_edits,
            SUM(CASE WHEN minor THEN 1 ELSE 0 END) AS minor_edits,
            SUM(CASE WHEN is_revert THEN 1 ELSE 0 END) AS reverts,
            SUM(CASE WHEN reverted THEN 1 ELSE 0 END) AS reverted_edits,
            MIN(ts) AS first_ts, MAX(ts) AS last_ts
        FROM revisions WHERE page_id = :page
        """),
        {"page": page_id},
    ).one()
    edits, editors = int(row.edits), int(row.editors)
    figures: dict[str, Any] = {"edits": edits, "editors": editors}
    counts = {k: int(v or 0) for k, v in row._mapping.items() if k not in ("first_ts", "last_ts")}
    counts["anonymous_edits"] = counts["ip_edits"] + counts["temp_edits"]
    counts["anonymous_editors"] = counts["ip_editors"] + counts["temp_editors"]
    for kind in ("ip", "temp", "anonymous", "bot", "minor"):
        figures[f"{kind}_edits"] = counts[f"{kind}_edits"]
        figures[f"{kind}_share"] = share(counts[f"{kind}_edits"], edits)
        if kind != "minor":
            figures[f"{kind}_editors"] = counts[f"{kind}_editors"]
            figures[f"{kind}_editor_share"] = share(counts[f"{kind}_editors"], editors)
    figures["hidden_user_edits"] = counts["hidden_user_edits"]
    figures["reverts"] = counts["reverts"]
    figures["reverted_edits"] = counts["reverted_edits"]
    figures["revert_rate"] = share(counts["reverted_edits"], edits)
    first = _edit_at(conn, page_id, first=True) if edits else None
    last = _edit_at(conn, page_id, first=False) if edits else None
    figures["first_edit"], figures["last_edit"] = first, last
    figures["current_size"] = last["size"] if last else None
    mean = (row.last_ts - row.first_ts) / (edits - 1) if edits > 1 else None
    figures["mean_interval"] = round(mean, 1) if mean is not None else None
    figures["median_interval"] = _median_interval(conn, page_id, edits)
    figures["activity"] = activity_label(edits, mean)
    figures["recent_edits"] = recent_edits(conn, page_id, now)
    figures["largest_addition"] = _extreme(conn, page_id, first, largest=True)
    figures["largest_removal"] = _extreme(conn, page_id, first, largest=False)
    spread = authorship.concentration(conn, page_id)
    for key in ("top10_share", "top10pct_share", "gini"):
        figures[key] = spread[key]
    return figures, spread


def recent_edits(conn: Connection, page_id: int, now: float) -> dict[str, int]:
    """Edits in the last day, week, month (30 days) and year (365 days) before `now`.

    Reads only the last year of the page's index (page_id, ts): cheap enough to redo
    whenever cached figures are served, so "the last day" never means the day they
    were computed."""
    sums = ", ".join(
        f"SUM(CASE WHEN ts > :now - {seconds} THEN 1 ELSE 0 END) AS {name}"
        for name, seconds in RECENT.items()
    )
    row = conn.execute(
        text(f"""
        SELECT {sums} FROM revisions
        WHERE page_id = :page AND ts > :now - {RECENT["year"]} AND ts <= :now
        """),
        {"page": page_id, "now": int(now)},
    ).one()
    return {name: int(getattr(row, name) or 0) for name in RECENT}


def activity_label(edits: int, mean_interval: float | None) -> str:
    """ "edited every 3 hours": the mean time between edits, in its largest whole unit."""
    if edits == 0:
        return "never edited"
    if mean_interval is None:
        return "edited once"
    for seconds, one, many in UNITS:
        if mean_interval >= seconds or seconds == 1:
            count = max(1, round(mean_interval / seconds))
            return f"edited every {one}" if count == 1 else f"edited every {count} {many}"
    raise AssertionError("unreachable")  # the last unit catches everything


def analyse(db: Database, page: PageRef) -> None:
    """Compute the page's figures once after a fetch and keep them for the dashboard
    (the worker's `Analyser`; `store_figures` does the same and returns them)."""
    store_figures(db, page.id)


def store_figures(db: Database, page_id: int, now: float | None = None) -> dict[str, Any]:
    """Compute the page's figures and cache them (replacing any older ones)."""
    with db.read() as conn:
        # The revid first: should a fetch store more revisions while this computes, the
        # cache says it is older than it is, and the next reader recomputes.
        revid = conn.execute(select(Page.stored_latest_revid).where(Page.id == page_id)).scalar()
        figures = page_figures(conn, page_id, now)
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
    conn: Connection, page_id: int, now: float | None = None
) -> dict[str, Any] | None:
    """The cached figures if they describe the page's stored history with this code's
    FIGURES_VERSION, else None (then call `analyse`). `recent_edits` and `now` are
    recounted against `now` (default: the current time)."""
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
    figures: dict[str, Any] = orjson.loads(data)
    now = time.time() if now is None else now
    figures["now"] = iso(now)
    figures["recent_edits"] = recent_edits(conn, page_id, now)
    return figures


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


def _no_jit(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        # PostgreSQL's JIT compiles these aggregates for ~90 ms a query and saves less
        # (its cost threshold assumes far bigger work): off for this transaction only.
        conn.execute(text("SET LOCAL jit = off"))


def _edit_at(conn: Connection, page_id: int, *, first: bool) -> dict[str, Any]:
    order = "ASC" if first else "DESC"
    row = conn.execute(
        text(f"""
        SELECT r.revid, r.ts, r.kind, r.size, e.name FROM revisions r
        LEFT JOIN editors e ON e.id = r.editor_id
        WHERE r.page_id = :page ORDER BY r.ts {order}, r.revid {order} LIMIT 1
        """),
        {"page": page_id},
    ).one()
    return {
        "revid": int(row.revid),
        "timestamp": iso(row.ts),
        "ts": int(row.ts),
        "user": row.name,
        "kind": row.kind,
        "size": int(row.size),
    }


def _median_interval(conn: Connection, page_id: int, edits: int) -> float | None:
    """The median of the edits − 1 gaps between consecutive edits, in seconds.

    Ordering by ts alone is enough: edits in the same second give the same gaps in
    any order, and the page's (page_id, ts) index yields that order without sorting."""
    gaps = edits - 1
    if gaps < 1:
        return None
    rows = conn.execute(
        text("""
        SELECT gap FROM (
            SELECT ts - LAG(ts) OVER (ORDER BY ts) AS gap FROM revisions WHERE page_id = :page
        ) g WHERE gap IS NOT NULL ORDER BY gap LIMIT :take OFFSET :skip
        """),
        {"page": page_id, "take": 2 - gaps % 2, "skip": (gaps - 1) // 2},
    ).all()
    return sum(int(r.gap) for r in rows) / len(rows)


def _extreme(
    conn: Connection, page_id: int, first: dict[str, Any] | None, *, largest: bool
) -> dict[str, Any] | None:
    if first is None:
        return None
    sign, order = (">", "DESC") if largest else ("<", "ASC")
    row = conn.execute(
        text(f"""
        SELECT r.revid, r.delta, r.ts, r.kind, e.name FROM revisions r
        LEFT JOIN editors e ON e.id = r.editor_id
        WHERE r.page_id = :page AND r.revid != :first AND r.delta {sign} 0
        ORDER BY r.delta {order}, r.ts, r.revid LIMIT 1
        """),
        {"page": page_id, "first": first["revid"]},
    ).first()
    if row is None:
        return None
    return {
        "revid": int(row.revid),
        "delta": int(row.delta),
        "timestamp": iso(row.ts),
        "user": row.name,
        "kind": row.kind,
    }
