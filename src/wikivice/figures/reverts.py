"""Who undid whom: each revert paired with the edits it undid (`Undo`), and which of
those undone edits were vandalism.

Ingest stores, for each revision that an identity revert undid, the revert that undid
it (`reverted_by`: the first one, as `wikivice.store.revisions` derives it). A revert
known only by its tag (mw-undo, mw-rollback or mw-manual-revert, without restoring an
earlier text: an undo of an older edit, or a hidden sha1) is paired with its parent
revision, the edit just before it: MediaWiki's undo and rollback act on the latest
edits, and nothing stored says more.
An edit marked only by the `mw-reverted` tag, with no revert known, is in no pair.

An undone edit is an act of vandalism (`is_vandalism`) when
- a bot undid it (anti-vandalism bots such as ClueBot NG revert nothing else), or
- it was tagged as vandalism or blanking (a tag containing one of `VANDALISM_MARKS`:
  MediaWiki's mw-blank and mw-replace, abuse filters' "possible vandalism"…), or
- an anonymous editor (an IP address or a temporary account) made it, and it was undone
  by a rollback (Wikipedia reserves rollback for obvious vandalism) or it removed much:
  at least `MUCH_REMOVED` bytes, or at least half of the page.
An editor undoing their own edit is never counted: that is a correction, not a fight.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import NamedTuple

from sqlalchemy import Connection, bindparam, text

from wikivice.store.vocabulary import EditorKind

# Tags that mark an edit as likely vandalism (Wikipedia's abuse filters and the core
# blanking/replacement tags), matched as substrings, lower case.
VANDALISM_MARKS = ("vandal", "mw-blank", "mw-replace", "blanking")
ROLLBACK_TAG = "mw-rollback"
MUCH_REMOVED = 1000  # bytes: an anonymous edit removing this much, undone, was vandalism
_ANONYMOUS = frozenset({EditorKind.ANON.value, EditorKind.TEMP.value})
_BOT = EditorKind.BOT.value


class Undo(NamedTuple):
    """A revert (`revid`, `ts`, `editor` id, editor `kind`, whether a `rollback`) and one
    edit it undid (`undone_*`; `undone_delta` its size change, `undone_size` its size,
    `undone_tags` its tags as stored). Editor ids are None for hidden users."""

    revid: int
    ts: int
    editor: int | None
    kind: str
    rollback: bool
    undone_revid: int
    undone_ts: int
    undone_editor: int | None
    undone_kind: str
    undone_delta: int
    undone_size: int
    undone_tags: str | None

    @property
    def seconds(self) -> int:
        """How long the undone edit stood."""
        return self.ts - self.undone_ts

    @property
    def own(self) -> bool:
        """Whether an editor undid their own edit."""
        return self.editor is not None and self.editor == self.undone_editor

    @property
    def is_vandalism(self) -> bool:
        """Whether the undone edit was an act of vandalism (see the module's rules)."""
        if self.own:
            return False
        if self.kind == _BOT or (self.undone_tags is not None and _marked(self.undone_tags)):
            return True
        if self.undone_kind not in _ANONYMOUS:
            return False
        removed = -self.undone_delta
        return (
            self.rollback
            or removed >= MUCH_REMOVED
            or (removed > 0 and removed >= self.undone_size)
        )


@lru_cache(maxsize=1024)  # a page's edits repeat a few combinations of tags
def _marked(tags: str) -> bool:
    """Whether tags (as stored: a JSON list) mark vandalism or blanking."""
    lowered = tags.lower()
    return any(mark in lowered for mark in VANDALISM_MARKS)


# One scan of the page's reverts and reverted edits (no join: an identity revert is one
# of the reverts scanned; a revert known by its tag alone needs its parent, read after).
_SCAN = """
SELECT revid, parent_id, ts, editor_id, kind, delta, size, tags, is_revert, reverted_by
FROM revisions WHERE page_id = :page AND (reverted_by IS NOT NULL OR is_revert)
"""
_PARENTS = """
SELECT revid, parent_id, ts, editor_id, kind, delta, size, tags, is_revert, reverted_by
FROM revisions WHERE wiki_id = (SELECT wiki_id FROM pages WHERE id = :page)
    AND revid IN :revids
"""
_Row = tuple[int, int, int, int | None, str, int, int, str | None, bool, int | None]


def undos(conn: Connection, page_id: int) -> list[Undo]:
    """Every (revert, undone edit) pair of the page, oldest revert first."""
    rows: Sequence[_Row] = conn.execute(text(_SCAN), {"page": page_id}).all()
    reverts = {r[0]: r for r in rows if r[8]}
    pairs: list[Undo] = []
    for r in rows:  # each edit that an identity revert undid
        v = reverts.get(r[9]) if r[9] is not None else None
        if v is not None:
            pairs.append(_undo(v, r))
    undid = {pair.revid for pair in pairs}
    tagged = [v for revid, v in reverts.items() if revid not in undid and v[1]]
    known = {r[0]: r for r in rows}
    missing = sorted({v[1] for v in tagged if v[1] not in known})
    for start in range(0, len(missing), 500):
        found = conn.execute(
            text(_PARENTS).bindparams(bindparam("revids", expanding=True)),
            {"page": page_id, "revids": missing[start : start + 500]},
        )
        known.update((int(r[0]), r) for r in found)
    pairs.extend(_undo(v, known[v[1]]) for v in tagged if v[1] in known)
    pairs.sort(key=lambda u: (u.ts, u.revid, u.undone_ts, u.undone_revid))
    return pairs


def _undo(revert: _Row, undone: _Row) -> Undo:
    return Undo(
        int(revert[0]), int(revert[2]), revert[3], revert[4],
        revert[7] is not None and ROLLBACK_TAG in revert[7],
        int(undone[0]), int(undone[2]), undone[3], undone[4], int(undone[5]), int(undone[6]),
        undone[7],
    )  # fmt: skip
