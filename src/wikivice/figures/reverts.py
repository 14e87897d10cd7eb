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

from dataclasses import dataclass

from sqlalchemy import Connection, text

from wikivice.store.vocabulary import EditorKind

# Tags that mark an edit as likely vandalism (Wikipedia's abuse filters and the core
# blanking/replacement tags), matched as substrings, lower case.
VANDALISM_MARKS = ("vandal", "mw-blank", "mw-replace", "blanking")
ROLLBACK_TAG = "mw-rollback"
MUCH_REMOVED = 1000  # bytes: an anonymous edit removing this much, undone, was vandalism
_ANONYMOUS = frozenset({EditorKind.ANON.value, EditorKind.TEMP.value})
_BOT = EditorKind.BOT.value


@dataclass(frozen=True, slots=True)
class Undo:
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
        if self.kind == _BOT:
            return True
        tags = (self.undone_tags or "").lower()
        if tags and any(mark in tags for mark in VANDALISM_MARKS):
            return True
        if self.undone_kind not in _ANONYMOUS:
            return False
        removed = -self.undone_delta
        return (
            self.rollback
            or removed >= MUCH_REMOVED
            or (removed > 0 and removed >= self.undone_size)
        )


# One scan of the page's reverts and reverted edits: each undone edit with the revert
# that undid it (`v`, by the unique (wiki_id, revid) index), each revert with its
# parent (`p`), for reverts that turn out to have no identity-undone edit.
_PAIRS = """
SELECT r.revid, r.ts, r.editor_id, r.kind, r.delta, r.size, r.tags, r.is_revert,
    r.reverted_by, v.ts AS v_ts, v.editor_id AS v_editor, v.kind AS v_kind, v.tags AS v_tags,
    p.revid AS p_revid, p.ts AS p_ts, p.editor_id AS p_editor, p.kind AS p_kind,
    p.delta AS p_delta, p.size AS p_size, p.tags AS p_tags
FROM revisions r
LEFT JOIN revisions v ON v.wiki_id = r.wiki_id AND v.revid = r.reverted_by
LEFT JOIN revisions p ON r.is_revert AND p.wiki_id = r.wiki_id AND p.revid = r.parent_id
WHERE r.page_id = :page AND (r.reverted_by IS NOT NULL OR r.is_revert)
"""


def undos(conn: Connection, page_id: int) -> list[Undo]:
    """Every (revert, undone edit) pair of the page, oldest revert first."""
    rows = conn.execute(text(_PAIRS), {"page": page_id}).all()
    pairs: list[Undo] = []
    identity: set[int] = set()
    for r in rows:
        if r.reverted_by is not None and r.v_ts is not None:
            identity.add(int(r.reverted_by))
            pairs.append(
                Undo(
                    int(r.reverted_by), int(r.v_ts), r.v_editor, r.v_kind,
                    ROLLBACK_TAG in (r.v_tags or ""), int(r.revid), int(r.ts), r.editor_id,
                    r.kind, int(r.delta), int(r.size), r.tags,
                )
            )  # fmt: skip
    for r in rows:
        if r.is_revert and int(r.revid) not in identity and r.p_revid is not None:
            pairs.append(
                Undo(
                    int(r.revid), int(r.ts), r.editor_id, r.kind,
                    ROLLBACK_TAG in (r.tags or ""), int(r.p_revid), int(r.p_ts), r.p_editor,
                    r.p_kind, int(r.p_delta), int(r.p_size), r.p_tags,
                )
            )  # fmt: skip
    pairs.sort(key=lambda u: (u.ts, u.revid, u.undone_ts, u.undone_revid))
    return pairs
