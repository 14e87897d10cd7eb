"""Where a page is fought over: its edit wars, the vandalism undone on it, and the
editors most reverted (`Conflict`).

An edit war is two or more editors reverting *each other*, as English Wikipedia's
three-revert rule sees it (and Sumi et al., "Edit wars in Wikipedia", 2011):
- a war revert is a revert by an editor who is no bot and whose name is known (an IP
  address or a temporary account can war too; a hidden user cannot be told apart),
  undoing an edit of another such editor that was not vandalism
  (`reverts.Undo.is_vandalism`: cleaning up after vandals is no war); a revert undoing
  two edits of one editor counts once;
- it is mutual when the editor it undid reverted its author too, within `hours` before
  or after it (A reverted B and B reverted A);
- mutual reverts sharing an editor and at most `hours` apart are in one war (and so are
  chains of them), which counts when one of its editors made at least `reverts` of them
  within `hours` (the three-revert rule's 3 in 24 hours by default: `WarThreshold`,
  settings `war_reverts`, `war_hours`).
A war's combatants are the editors who made its reverts; every one of them was
reverted by another. Vandalism undone is its own figure (`vandalism`).
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter, defaultdict
from dataclasses import dataclass
from statistics import median
from typing import TYPE_CHECKING

from sqlalchemy import Connection, bindparam, text

from wikivice.figures.authorship import share
from wikivice.figures.reverts import MUCH_REMOVED, Undo, undos
from wikivice.figures.types import (
    Combatant,
    Conflict,
    EditWar,
    Opponent,
    RankedEditor,
    Vandalism,
    WarRule,
)
from wikivice.store.vocabulary import EditorKind
from wikivice.wiki.timestamps import iso

if TYPE_CHECKING:
    from wikivice.settings import Settings

TOP_WARS = 5
TOP_COMBATANTS = 10
TOP_REVERTED = 10  # editors in the most-reverted chart
_BOT = EditorKind.BOT.value


@dataclass(frozen=True)
class WarThreshold:
    """When mutual reverts are a war: one editor making `reverts` of them within `hours`."""

    reverts: int = 3
    hours: int = 24

    @classmethod
    def of(cls, settings: Settings) -> WarThreshold:
        return cls(settings.war_reverts, settings.war_hours)

    @property
    def rule(self) -> WarRule:
        return {"reverts": self.reverts, "hours": self.hours}


@dataclass(frozen=True, slots=True)
class WarRevert:
    """A war revert: made at `ts` by revision `revid` of `editor`, undoing `opponent`."""

    ts: int
    revid: int
    editor: int
    opponent: int


def conflict_figures(
    conn: Connection,
    page_id: int,
    most_reverted: list[RankedEditor],
    threshold: WarThreshold | None = None,
) -> Conflict:
    """The page's wars (the `TOP_WARS` with most reverts; `war_count` all of them), the
    vandalism undone, and its most reverted editors (from `authorship.rankings`)."""
    threshold = threshold or WarThreshold()
    pairs = undos(conn, page_id)
    acts = [u.is_vandalism for u in pairs]  # once: both figures ask
    wars = war_periods(pairs, threshold, acts)
    return {
        "edit_wars": _described(conn, page_id, wars[:TOP_WARS], threshold.hours * 3600),
        "war_count": len(wars),
        "war_rule": threshold.rule,
        "vandalism": vandalism(pairs, acts),
        "most_reverted": most_reverted[:TOP_REVERTED],
    }


def with_most_reverted(figures: Conflict, most_reverted: list[RankedEditor]) -> Conflict:
    """`figures` computed apart from the rankings (`page.page_figures`), with theirs."""
    return {**figures, "most_reverted": most_reverted[:TOP_REVERTED]}


def war_reverts(pairs: list[Undo], acts: list[bool] | None = None) -> list[WarRevert]:
    """The reverts that can make a war (see the module), oldest first; `acts` says which
    pairs undid vandalism (default: asked of each)."""
    seen: set[tuple[int, int]] = set()
    found: list[WarRevert] = []
    for u, act in zip(pairs, acts or [u.is_vandalism for u in pairs], strict=True):
        if u.editor is None or u.undone_editor is None or u.own:
            continue
        if act or u.kind == _BOT or u.undone_kind == _BOT:
            continue
        if (u.revid, u.undone_editor) not in seen:
            seen.add((u.revid, u.undone_editor))
            found.append(WarRevert(u.ts, u.revid, u.editor, u.undone_editor))
    return found


def war_periods(
    pairs: list[Undo], threshold: WarThreshold, acts: list[bool] | None = None
) -> list[list[WarRevert]]:
    """The wars, each as its mutual reverts oldest first; most reverts first, then the
    earliest. Two mutual reverts are in one war when they share an editor and are at
    most `hours` apart, or are linked by such a chain: wars on a busy page at the same
    time, between other editors, stay apart."""
    window = threshold.hours * 3600
    reverts = war_reverts(pairs, acts)
    times: dict[tuple[int, int], list[int]] = defaultdict(list)
    for r in reverts:
        times[(r.editor, r.opponent)].append(r.ts)
    mutual: list[WarRevert] = []
    for r in reverts:
        back = times.get((r.opponent, r.editor), [])
        at = bisect_left(back, r.ts - window)
        if at < len(back) and back[at] <= r.ts + window:
            mutual.append(r)
    wars = [
        w for w in _linked(mutual, window) if max(_peaks(w, window).values()) >= threshold.reverts
    ]
    wars.sort(key=lambda w: (-len({r.revid for r in w}), w[0].ts))
    return wars


def _linked(mutual: list[WarRevert], window: int) -> list[list[WarRevert]]:
    """The mutual reverts (oldest first) in groups: linked when they share an editor and
    are at most `window` seconds apart (linking each to the latest revert of either of
    its editors is enough: every earlier link of theirs is within the same window)."""
    parent: list[int] = []  # union-find over the groups' numbers

    def root(g: int) -> int:
        while parent[g] != g:
            parent[g] = parent[parent[g]]
            g = parent[g]
        return g

    latest: dict[int, tuple[int, int]] = {}  # editor → (their latest revert's ts, group)
    groups: list[int] = []
    for r in mutual:
        near: set[int] = set()
        for e in (r.editor, r.opponent):
            seen = latest.get(e)
            if seen is not None and r.ts - seen[0] <= window:
                near.add(root(seen[1]))
        if near:
            group = min(near)
            for g in near:
                parent[g] = group
        else:
            group = len(parent)
            parent.append(group)
        groups.append(group)
        latest[r.editor] = latest[r.opponent] = (r.ts, group)
    linked: dict[int, list[WarRevert]] = defaultdict(list)
    for r, g in zip(mutual, groups, strict=True):
        linked[root(g)].append(r)
    return list(linked.values())


def _peaks(period: list[WarRevert], window: int) -> dict[int, int]:
    """Each editor's most reverts within `window` seconds."""
    times: dict[int, list[int]] = defaultdict(list)
    for _, ts, editor in sorted({(r.revid, r.ts, r.editor) for r in period}):
        times[editor].append(ts)
    peaks: dict[int, int] = {}
    for editor, stamps in times.items():
        stamps.sort()
        first, most = 0, 0
        for last, ts in enumerate(stamps):
            while ts - stamps[first] > window:
                first += 1
            most = max(most, last - first + 1)
        peaks[editor] = most
    return peaks


def _described(
    conn: Connection, page_id: int, wars: list[list[WarRevert]], window: int
) -> list[EditWar]:
    """The wars as the figures show them, with their editors' names and their edits."""
    ids = {r.editor for war in wars for r in war}
    names: dict[int, tuple[str, str]] = {}
    if ids:
        rows = conn.execute(
            text("SELECT id, name, kind FROM editors WHERE id IN :ids").bindparams(
                bindparam("ids", expanding=True)
            ),
            {"ids": sorted(ids)},
        )
        names = {int(r.id): (str(r.name), str(r.kind)) for r in rows}
    described: list[EditWar] = []
    for war in wars:
        start, end = war[0].ts, war[-1].ts
        edits = conn.execute(
            text("SELECT COUNT(*) FROM revisions WHERE page_id = :page AND ts BETWEEN :a AND :b"),
            {"page": page_id, "a": start, "b": end},
        ).scalar_one()
        combatants = _combatants(war, names, window)
        described.append(
            {
                "start": iso(start),
                "end": iso(end),
                "reverts": len({r.revid for r in war}),
                "edits": int(edits),
                "combatant_count": len(combatants),
                "combatants": combatants[:TOP_COMBATANTS],
            }
        )
    return described


def _combatants(
    war: list[WarRevert], names: dict[int, tuple[str, str]], window: int
) -> list[Combatant]:
    """The war's editors, most reverts first (then by name), each with whom they undid."""
    made: dict[int, set[int]] = defaultdict(set)
    undid: dict[int, Counter[int]] = defaultdict(Counter)
    for r in war:
        made[r.editor].add(r.revid)
        undid[r.editor][r.opponent] += 1
    peaks = _peaks(war, window)
    combatants: list[Combatant] = []
    for editor, revids in made.items():
        name, kind = names[editor]
        opponents: list[Opponent] = [
            {"name": names[o][0], "kind": EditorKind(names[o][1]), "reverts": n}
            for o, n in sorted(undid[editor].items(), key=lambda on: (-on[1], names[on[0]][0]))
        ]
        combatants.append(
            {
                "name": name,
                "kind": EditorKind(kind),
                "reverts": len(revids),
                "peak": peaks[editor],
                "reverted": opponents,
            }
        )
    combatants.sort(key=lambda c: (-c["reverts"], c["name"]))
    return combatants


def vandalism(pairs: list[Undo], flags: list[bool] | None = None) -> Vandalism:
    """The acts of vandalism undone (each undone edit once, with the first revert that
    undid it), how many of them bots undid, and the median time they stood; `flags`
    says which pairs undid vandalism (default: asked of each)."""
    acts: dict[int, Undo] = {}
    for u, act in zip(pairs, flags or [u.is_vandalism for u in pairs], strict=True):
        if act and u.undone_revid not in acts:
            acts[u.undone_revid] = u
    by_bots = sum(1 for u in acts.values() if u.kind == _BOT)
    return {
        "acts": len(acts),
        "by_bots": by_bots,
        "bot_share": share(by_bots, len(acts)),
        "median_seconds": float(median(u.seconds for u in acts.values())) if acts else None,
        "much_removed": MUCH_REMOVED,
    }


def in_words(conflict: Conflict) -> list[str]:
    """The conflict figures in plain words, a line each (`wikivice stats`): the wars, who
    reverted whom in them, and the vandalism undone."""

    def count(n: int, one: str, many: str) -> str:
        return f"{n:,} {one if n == 1 else many}"

    rule, vandalism = conflict["war_rule"], conflict["vandalism"]
    within = (
        f"{count(rule['reverts'], 'time', 'times')} within {count(rule['hours'], 'hour', 'hours')}"
    )
    lines = [
        f"edit_wars: {conflict['war_count']:,} (editors reverting each other, one of them {within})"
    ]
    for number, war in enumerate(conflict["edit_wars"], start=1):
        reverts, edits = (
            count(war["reverts"], "revert", "reverts"),
            count(war["edits"], "edit", "edits"),
        )
        lines.append(f"  #{number} {war['start']} – {war['end']}: {reverts} among {edits}")
        for c in war["combatants"]:
            undid = ", ".join(
                f"{o['name']} ({count(o['reverts'], 'time', 'times')})" for o in c["reverted"]
            )
            lines.append(f"     {c['name']} reverted {undid}")
    median = vandalism["median_seconds"]
    lines.append(
        f"vandalism_undone: {count(vandalism['acts'], 'act', 'acts')}"
        + ("" if median is None else f", median time to revert {median / 60:,.1f} minutes")
        + (f", {vandalism['bot_share']:.0%} by bots" if vandalism["acts"] else "")
    )
    return lines
