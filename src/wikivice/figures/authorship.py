"""Who writes a page: its top editors, and how concentrated the work is among them.

Edits whose user is hidden belong to nobody we can name: they are in no ranking, and
the concentration figures are shares of the *attributed* edits (so the Lorenz curve ends
at (1, 1)); the hidden-user count is a figure of its own. Ties between editors go to the
one who edited the page first (then the lower editor id): the same on every database,
unlike sorting names, whose collation differs between SQLite and PostgreSQL.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, replace
from typing import Literal, get_args

from sqlalchemy import Connection, bindparam, text

from wikivice.figures.types import Concentration, RankedEditor, Rankings
from wikivice.store.vocabulary import EditorKind
from wikivice.wiki.timestamps import iso

TOP_EDITORS = 20
LORENZ_POINTS = 100  # plus the origin
SHARE_PLACES = 6  # a share's decimal places (`share`)
Ranking = Literal["by_edits", "by_bytes", "most_reverted"]
RANKINGS: tuple[Ranking, ...] = get_args(Ranking)


@dataclass(slots=True)
class Tally:
    """One editor's edits on the page (`editor` None: hidden users), and of one `kind`
    of edit (the revision's: the editor's kind when it was stored, or hidden)."""

    editor: int | None
    kind: str
    edits: int
    minor: int
    added: int
    reverted: int
    reverts: int
    first_ts: int
    last_ts: int


def tallies(conn: Connection, page_id: int) -> list[Tally]:
    """The page's edits counted per editor and kind of edit: one scan of its rows, and
    at most a row per editor back. The counts by kind (`glance`), the rankings and the
    concentration are all sums over these (issue 11: one pass, not three)."""
    rows = conn.execute(
        text("""
        SELECT editor_id, kind, COUNT(*) AS edits,
            SUM(CASE WHEN minor THEN 1 ELSE 0 END) AS minor,
            SUM(CASE WHEN delta > 0 AND NOT reverted AND NOT is_revert THEN delta ELSE 0 END)
                AS added,
            SUM(CASE WHEN reverted THEN 1 ELSE 0 END) AS reverted,
            SUM(CASE WHEN is_revert THEN 1 ELSE 0 END) AS reverts,
            MIN(ts) AS first_ts, MAX(ts) AS last_ts
        FROM revisions WHERE page_id = :page GROUP BY editor_id, kind
        """),
        {"page": page_id},
    ).all()
    return [
        Tally(e, k, int(n), int(m), int(a), int(rd), int(rs), f, last)
        for e, k, n, m, a, rd, rs, f, last in rows
    ]


def per_editor(counted: list[Tally]) -> list[Tally]:
    """The attributed tallies, one per editor (an editor counted under two kinds of
    edit, say before and after becoming a bot, is summed into a copy)."""
    merged: dict[int, Tally] = {}
    copied: set[int] = set()
    for t in counted:
        if t.editor is None:
            continue
        seen = merged.get(t.editor)
        if seen is None:
            merged[t.editor] = t
            continue
        if t.editor not in copied:  # the caller's tallies stay as they were
            seen = merged[t.editor] = replace(seen)
            copied.add(t.editor)
        seen.edits += t.edits
        seen.minor += t.minor
        seen.added += t.added
        seen.reverted += t.reverted
        seen.reverts += t.reverts
        seen.first_ts = min(seen.first_ts, t.first_ts)
        seen.last_ts = max(seen.last_ts, t.last_ts)
    return list(merged.values())


def rankings(
    conn: Connection,
    page_id: int,
    edits: int,
    limit: int = TOP_EDITORS,
    counted: list[Tally] | None = None,
) -> Rankings:
    """The top editors three ways, from the page's `tallies` (counted now if not given).

    by_edits: most edits; by_bytes: most bytes added (the sum of positive size changes;
    the page's creation counts) by edits that were not reverted and are not reverts
    themselves (a revert restores others' text: counting it would put the vandal
    fighters who undo blankings at the top);
    most_reverted: most of their edits undone by others' reverts (editors with none are
    left out). Each row a `RankedEditor`.
    """
    editors = per_editor(tallies(conn, page_id) if counted is None else counted)
    top: dict[Ranking, list[Tally]] = {
        "by_edits": heapq.nsmallest(limit, editors, key=lambda t: (-t.edits, t.first_ts, t.editor)),
        "by_bytes": heapq.nsmallest(limit, editors, key=lambda t: (-t.added, t.first_ts, t.editor)),
        "most_reverted": heapq.nsmallest(
            limit,
            (t for t in editors if t.reverted),
            key=lambda t: (-t.reverted, t.first_ts, t.editor),
        ),
    }
    ids = sorted({t.editor for ranked in top.values() for t in ranked if t.editor is not None})
    names = (
        {
            row.id: (row.name, row.kind)
            for row in conn.execute(
                text("SELECT id, name, kind FROM editors WHERE id IN :ids").bindparams(
                    bindparam("ids", expanding=True)
                ),
                {"ids": ids},
            )
        }
        if ids
        else {}
    )
    return {
        "by_edits": [_ranked_editor(t, names, edits) for t in top["by_edits"]],
        "by_bytes": [_ranked_editor(t, names, edits) for t in top["by_bytes"]],
        "most_reverted": [_ranked_editor(t, names, edits) for t in top["most_reverted"]],
    }


def _ranked_editor(t: Tally, names: dict[int, tuple[str, str]], edits: int) -> RankedEditor:
    name, kind = names[t.editor or 0]
    return {
        "name": name,
        "kind": EditorKind(kind),
        "edits": t.edits,
        "share": share(t.edits, edits),
        "minor": t.minor,
        "added": t.added,
        "reverted": t.reverted,
        "reverts": t.reverts,
        "first": iso(t.first_ts),
        "last": iso(t.last_ts),
    }


def concentration(
    conn: Connection, page_id: int, counted: list[Tally] | None = None
) -> Concentration:
    """How unequal the editors' shares of the attributed edits are.

    lorenz: the Lorenz curve as parallel lists `editors` (x, share of editors, from the
    least active) and `edits` (y, their share of the edits), from (0, 0) to (1, 1), one
    point per percentile of editors (every editor when fewer than 100); gini: the Gini
    coefficient of edits per editor (0: all equal; near 1: one editor did nearly all);
    top10_share and top10pct_share: the share made by the 10 most active editors and by
    the most active tenth of editors (at least one). From the `tallies` (counted now if
    not given).
    """
    per = sorted(
        (t.edits, t.editor or 0)
        for t in per_editor(tallies(conn, page_id) if counted is None else counted)
    )
    result: Concentration = {
        "lorenz": {"editors": [0.0], "edits": [0.0]},
        "gini": None,
        "top10_share": None,
        "top10pct_share": None,
    }
    if not per:
        return result
    editors = len(per)
    total = sum(n for n, _ in per)
    top10pct_from = editors - (editors + 9) // 10
    cum = weighted = top10 = top10pct = 0
    for rank, (n, _) in enumerate(per, start=1):
        cum += n
        weighted += rank * n
        top10 += n if rank > editors - 10 else 0
        top10pct += n if rank > top10pct_from else 0
        # One point per percentile of editors: the last editor of each.
        if (
            rank == editors
            or (rank * LORENZ_POINTS + editors - 1) // editors
            != ((rank + 1) * LORENZ_POINTS + editors - 1) // editors
        ):
            result["lorenz"]["editors"].append(round(rank / editors, 4))
            result["lorenz"]["edits"].append(round(cum / total, 4))
    # Gini of sorted x_1 ≤ … ≤ x_n: 2·Σ i·x_i / (n·Σ x_i) − (n + 1) / n.
    result["gini"] = round(2 * weighted / (editors * total) - (editors + 1) / editors, 4)
    result["top10_share"] = share(top10, total)
    result["top10pct_share"] = share(top10pct, total)
    return result


def share(part: int | None, whole: int | None) -> float:
    """part / whole rounded to 6 places; 0.0 when there is no whole. Pages show a share
    as a percentage with one decimal: rounded to 4 places first, 355 of 921 (38.545 %)
    became 0.3855 and then 38.6 %; at 6 places it takes a share within half a
    millionth of a tie."""
    return round((part or 0) / whole, SHARE_PLACES) if whole else 0.0
