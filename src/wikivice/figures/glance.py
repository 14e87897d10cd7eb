"""The at-a-glance figures: counts and shares by kind of editor, the first and last edit,
the intervals between edits and the activity label, recent edits, the largest addition
and removal (reverts and reverted edits left out), and the concentration figures they
quote (`GlanceFigures`).

The counts are sums over `authorship.tallies` (one aggregate query, shared with the
rankings); the rest reads a handful of rows through the page's (page_id, ts) index.
"""

from __future__ import annotations

import operator
import time

from sqlalchemy import Connection, text

from wikivice.figures import authorship
from wikivice.figures.authorship import Tally, share
from wikivice.figures.types import (
    Concentration,
    EdgeEdit,
    EditCounts,
    ExtremeEdit,
    GlanceFigures,
    RecentEdits,
)
from wikivice.store.vocabulary import EditorKind
from wikivice.wiki.timestamps import iso

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


def basic_figures(conn: Connection, page_id: int, now: float | None = None) -> GlanceFigures:
    """The at-a-glance figures of the page (see `GlanceFigures`); recent edits are
    counted back from `now` (default: the current time)."""
    no_jit(conn)
    return at_a_glance(conn, page_id, time.time() if now is None else now)[0]


def at_a_glance(
    conn: Connection, page_id: int, now: float, counted: list[Tally] | None = None
) -> tuple[GlanceFigures, Concentration]:
    """`basic_figures`, and `authorship.concentration` that some of them come from;
    `counted`: the page's `authorship.tallies`, if the caller has them already."""
    counted = authorship.tallies(conn, page_id) if counted is None else counted
    counts, first_ts, last_ts = edit_counts(counted)
    edits = counts["edits"]
    first = _edit_at(conn, page_id, first=True) if edits else None
    last = _edit_at(conn, page_id, first=False) if edits else None
    mean = (last_ts - first_ts) / (edits - 1) if edits > 1 else None
    spread = authorship.concentration(conn, page_id, counted)
    figures: GlanceFigures = {
        **counts,
        "first_edit": first,
        "last_edit": last,
        "current_size": last["size"] if last else None,
        "mean_interval": round(mean, 1) if mean is not None else None,
        "median_interval": _median_interval(conn, page_id, edits),
        "activity": activity_label(edits, mean),
        "recent_edits": recent_edits(conn, page_id, now),
        "largest_addition": _extreme(conn, page_id, first, largest=True),
        "largest_removal": _extreme(conn, page_id, first, largest=False),
        "top10_share": spread["top10_share"],
        "top10pct_share": spread["top10pct_share"],
        "gini": spread["gini"],
    }
    return figures, spread


def edit_counts(counted: list[Tally]) -> tuple[EditCounts, int, int]:
    """The page's edits and editors by kind, and the times of its first and last edit
    (0 when it has none), from its `authorship.tallies`."""
    n = _sums(counted)
    first_ts = min((t.first_ts for t in counted), default=0)
    last_ts = max((t.last_ts for t in counted), default=0)
    edits, editors = n["edits"], n["editors"]
    anonymous_edits = n["ip_edits"] + n["temp_edits"]
    anonymous_editors = n["ip_editors"] + n["temp_editors"]
    counts: EditCounts = {
        "edits": edits,
        "editors": editors,
        "ip_edits": n["ip_edits"],
        "ip_share": share(n["ip_edits"], edits),
        "ip_editors": n["ip_editors"],
        "ip_editor_share": share(n["ip_editors"], editors),
        "temp_edits": n["temp_edits"],
        "temp_share": share(n["temp_edits"], edits),
        "temp_editors": n["temp_editors"],
        "temp_editor_share": share(n["temp_editors"], editors),
        "anonymous_edits": anonymous_edits,
        "anonymous_share": share(anonymous_edits, edits),
        "anonymous_editors": anonymous_editors,
        "anonymous_editor_share": share(anonymous_editors, editors),
        "bot_edits": n["bot_edits"],
        "bot_share": share(n["bot_edits"], edits),
        "bot_editors": n["bot_editors"],
        "bot_editor_share": share(n["bot_editors"], editors),
        "minor_edits": n["minor_edits"],
        "minor_share": share(n["minor_edits"], edits),
        "hidden_user_edits": n["hidden_user_edits"],
        "reverts": n["reverts"],
        "reverted_edits": n["reverted_edits"],
        "revert_rate": share(n["reverted_edits"], edits),
    }
    return counts, first_ts, last_ts


def _sums(counted: list[Tally]) -> dict[str, int]:
    """Edits, editors, and of each kind, summed over the tallies."""
    n = dict.fromkeys(("edits", "minor_edits", "reverts", "reverted_edits"), 0)
    who: dict[str, set[int]] = {"all": set(), "anon": set(), "temp": set(), "bot": set()}
    by_kind = {"anon": 0, "temp": 0, "bot": 0, "hidden": 0}
    for t in counted:
        n["edits"] += t.edits
        n["minor_edits"] += t.minor
        n["reverts"] += t.reverts
        n["reverted_edits"] += t.reverted
        if t.kind in by_kind:
            by_kind[t.kind] += t.edits
        if t.editor is not None:
            who["all"].add(t.editor)
            if t.kind in who:
                who[t.kind].add(t.editor)
    n["editors"] = len(who["all"])
    n["hidden_user_edits"] = by_kind["hidden"]
    for kind, name in (("anon", "ip"), ("temp", "temp"), ("bot", "bot")):
        n[f"{name}_edits"] = by_kind[kind]
        n[f"{name}_editors"] = len(who[kind])
    return n


def recent_edits(conn: Connection, page_id: int, now: float) -> RecentEdits:
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
    return {
        "day": int(row.day or 0),
        "week": int(row.week or 0),
        "month": int(row.month or 0),
        "year": int(row.year or 0),
    }


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


def no_jit(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        # PostgreSQL's JIT compiles these aggregates for ~90 ms a query and saves less
        # (its cost threshold assumes far bigger work): off for this transaction only.
        conn.execute(text("SET LOCAL jit = off"))


def _edit_at(conn: Connection, page_id: int, *, first: bool) -> EdgeEdit:
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
        "kind": EditorKind(row.kind),
        "size": int(row.size),
    }


def _median_interval(conn: Connection, page_id: int, edits: int) -> float | None:
    """The median of the edits − 1 gaps between consecutive edits, in seconds.

    Ordering by ts alone is enough: edits in the same second give the same gaps in
    any order, and the page's (page_id, ts) index yields that order without sorting;
    the times come back (an index-only read) and Python sorts the gaps, three times
    faster than a window function and an ORDER BY over them in SQLite."""
    if edits < 2:
        return None
    result = conn.execute(
        text("SELECT ts FROM revisions WHERE page_id = :page ORDER BY ts"), {"page": page_id}
    )
    # The driver's own rows: a SQLAlchemy scalar for each of 100,000 timestamps cost
    # three times the query (120 ms of a cold dashboard's figures; 30 ms this way).
    times = [ts for (ts,) in result.cursor.fetchall()]
    result.close()
    gaps = sorted(map(operator.sub, times[1:], times[:-1]))
    if not gaps:
        return None
    middle = len(gaps) // 2
    return float(gaps[middle]) if len(gaps) % 2 else (gaps[middle - 1] + gaps[middle]) / 2


def _extreme(
    conn: Connection, page_id: int, first: EdgeEdit | None, *, largest: bool
) -> ExtremeEdit | None:
    """The largest addition (or removal) that stood: reverts and the edits they undid
    left out (a rollback of a blanking restores bytes, it adds none)."""
    if first is None:
        return None
    sign, order = (">", "DESC") if largest else ("<", "ASC")
    row = conn.execute(
        text(f"""
        SELECT r.revid, r.delta, r.ts, r.kind, e.name FROM revisions r
        LEFT JOIN editors e ON e.id = r.editor_id
        WHERE r.page_id = :page AND r.revid != :first AND r.delta {sign} 0
            AND NOT r.is_revert AND NOT r.reverted
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
        "kind": EditorKind(row.kind),
    }
