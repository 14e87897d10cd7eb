"""Who writes a page: its top editors, and how concentrated the work is among them.

Edits whose user is hidden belong to nobody we can name: they are in no ranking, and
the concentration figures are shares of the *attributed* edits (so the Lorenz curve ends
at (1, 1)); the hidden-user count is a figure of its own. Ties between editors go to the
one who edited the page first (then the lower editor id): the same on every database,
unlike sorting names, whose collation differs between SQLite and PostgreSQL.
"""

from __future__ import annotations

from typing import Any, Literal, get_args

from sqlalchemy import Connection, Row, text

from wikivice.figures.types import Concentration, RankedEditor, Rankings
from wikivice.store.vocabulary import EditorKind
from wikivice.wiki.timestamps import iso

TOP_EDITORS = 20
LORENZ_POINTS = 100  # plus the origin
Ranking = Literal["by_edits", "by_bytes", "most_reverted"]
RANKINGS: tuple[Ranking, ...] = get_args(Ranking)


def rankings(conn: Connection, page_id: int, edits: int, limit: int = TOP_EDITORS) -> Rankings:
    """The top editors three ways, from one pass over the page's revisions.

    by_edits: most edits; by_bytes: most bytes added (the sum of positive size changes;
    the page's creation counts) by edits that were not reverted and are not reverts
    themselves (a revert restores others' text: counting it would put the vandal
    fighters who undo blankings at the top);
    most_reverted: most of their edits undone by others' reverts (editors with none are
    left out). Each row a `RankedEditor`.
    """
    rows = conn.execute(
        text("""
        WITH per AS (
            SELECT editor_id, COUNT(*) AS edits,
                SUM(CASE WHEN minor THEN 1 ELSE 0 END) AS minor,
                SUM(CASE WHEN delta > 0 AND NOT reverted AND NOT is_revert THEN delta ELSE 0 END)
                    AS added,
                SUM(CASE WHEN reverted THEN 1 ELSE 0 END) AS reverted,
                SUM(CASE WHEN is_revert THEN 1 ELSE 0 END) AS reverts,
                MIN(ts) AS first_ts, MAX(ts) AS last_ts
            FROM revisions WHERE page_id = :page AND editor_id IS NOT NULL
            GROUP BY editor_id
        ), ranked AS (
            SELECT per.*, e.name, e.kind,
                ROW_NUMBER() OVER (ORDER BY per.edits DESC, first_ts, editor_id) AS by_edits,
                ROW_NUMBER() OVER (ORDER BY per.added DESC, first_ts, editor_id) AS by_bytes,
                ROW_NUMBER() OVER (ORDER BY per.reverted DESC, first_ts, editor_id)
                    AS most_reverted
            FROM per JOIN editors e ON e.id = per.editor_id
        )
        SELECT * FROM ranked
        WHERE by_edits <= :limit OR by_bytes <= :limit OR (most_reverted <= :limit AND reverted > 0)
        """),
        {"page": page_id, "limit": limit},
    ).all()
    ranked: dict[Ranking, list[tuple[int, RankedEditor]]] = {key: [] for key in RANKINGS}
    for row in rows:
        editor = _ranked_editor(row, edits)
        for key in RANKINGS:
            position = int(getattr(row, key))
            if position <= limit and (key != "most_reverted" or editor["reverted"]):
                ranked[key].append((position, editor))

    def in_order(key: Ranking) -> list[RankedEditor]:
        return [editor for _, editor in sorted(ranked[key], key=lambda p: p[0])]

    return {
        "by_edits": in_order("by_edits"),
        "by_bytes": in_order("by_bytes"),
        "most_reverted": in_order("most_reverted"),
    }


def _ranked_editor(row: Row[Any], edits: int) -> RankedEditor:
    return {
        "name": row.name,
        "kind": EditorKind(row.kind),
        "edits": int(row.edits),
        "share": share(row.edits, edits),
        "minor": int(row.minor),
        "added": int(row.added),
        "reverted": int(row.reverted),
        "reverts": int(row.reverts),
        "first": iso(row.first_ts),
        "last": iso(row.last_ts),
    }


def concentration(conn: Connection, page_id: int) -> Concentration:
    """How unequal the editors' shares of the attributed edits are.

    lorenz: the Lorenz curve as parallel lists `editors` (x, share of editors, from the
    least active) and `edits` (y, their share of the edits), from (0, 0) to (1, 1), one
    point per percentile of editors (every editor when fewer than 100); gini: the Gini
    coefficient of edits per editor (0: all equal; near 1: one editor did nearly all);
    top10_share and top10pct_share: the share made by the 10 most active editors and by
    the most active tenth of editors (at least one).
    """
    rows = conn.execute(
        text("""
        WITH per AS (
            SELECT editor_id, COUNT(*) AS n FROM revisions
            WHERE page_id = :page AND editor_id IS NOT NULL GROUP BY editor_id
        ), ranked AS (
            SELECT n, ROW_NUMBER() OVER (ORDER BY n, editor_id) AS rk,
                SUM(n) OVER (ORDER BY n, editor_id ROWS UNBOUNDED PRECEDING) AS cum,
                COUNT(*) OVER () AS editors
            FROM per
        )
        SELECT (rk * :points + editors - 1) / editors AS pct, MAX(rk) AS rk, MAX(cum) AS cum,
            MAX(editors) AS editors, SUM(rk * n) AS weighted,
            SUM(CASE WHEN rk > editors - 10 THEN n ELSE 0 END) AS top10,
            SUM(CASE WHEN rk > editors - (editors + 9) / 10 THEN n ELSE 0 END) AS top10pct
        FROM ranked GROUP BY pct ORDER BY pct
        """),
        {"page": page_id, "points": LORENZ_POINTS},
    ).all()
    result: Concentration = {
        "lorenz": {"editors": [0.0], "edits": [0.0]},
        "gini": None,
        "top10_share": None,
        "top10pct_share": None,
    }
    if not rows:
        return result
    editors = int(rows[0].editors)
    total = int(rows[-1].cum)
    for row in rows:
        result["lorenz"]["editors"].append(round(int(row.rk) / editors, 4))
        result["lorenz"]["edits"].append(round(int(row.cum) / total, 4))
    weighted = sum(int(row.weighted) for row in rows)
    # Gini of sorted x_1 ≤ … ≤ x_n: 2·Σ i·x_i / (n·Σ x_i) − (n + 1) / n.
    result["gini"] = round(2 * weighted / (editors * total) - (editors + 1) / editors, 4)
    result["top10_share"] = share(sum(int(r.top10) for r in rows), total)
    result["top10pct_share"] = share(sum(int(r.top10pct) for r in rows), total)
    return result


def share(part: int | None, whole: int | None) -> float:
    """part / whole rounded to 4 places; 0.0 when there is no whole."""
    return round((part or 0) / whole, 4) if whole else 0.0
