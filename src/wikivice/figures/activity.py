"""Recent activity on a page: its latest edits, its latest incident (a revert, a reverted
or vandalism-tagged edit), and single stored revisions, as the dashboard lists them."""

from __future__ import annotations

import orjson
from sqlalchemy import Connection, RowMapping, text

from wikivice.figures.reverts import VANDALISM_MARKS
from wikivice.figures.types import Badge, EditRow, Incident
from wikivice.store.models import HIDDEN_COMMENT, HIDDEN_SHA1, HIDDEN_USER, SUPPRESSED
from wikivice.store.vocabulary import EditorKind
from wikivice.wiki.timestamps import iso

RECENT_EDITS = 20

# What `edit_row` reads: a revision `r` and its editor `e`.
EDIT_COLUMNS = """
    r.revid, r.parent_id, r.ts, e.name, r.kind, r.size, r.delta, r.minor, r.comment,
    r.tags, r.hidden, r.is_revert, r.reverted, r.reverted_by
"""


def latest_edits(conn: Connection, page_id: int, limit: int = RECENT_EDITS) -> list[EditRow]:
    """The page's newest edits, newest first (see `edit_row` for their shape)."""
    rows = conn.execute(
        text(f"""
        SELECT {EDIT_COLUMNS} FROM revisions r LEFT JOIN editors e ON e.id = r.editor_id
        WHERE r.page_id = :page ORDER BY r.ts DESC, r.revid DESC LIMIT :limit
        """),
        {"page": page_id, "limit": limit},
    ).all()
    return [edit_row(row._mapping) for row in rows]


def latest_incident(conn: Connection, page_id: int) -> Incident | None:
    """The page's most recent revert, reverted edit or vandalism-tagged edit (None if
    it never had one); a revert also lists `undid`: the names of the users it undid.

    Walks the (page_id, ts) index backwards and stops at the first match: cheap on a
    page that is fought over, one scan of the page on a page that never was."""
    marks = " OR ".join(f"r.tags LIKE :mark{i}" for i in range(len(VANDALISM_MARKS)))
    params = {f"mark{i}": f"%{mark}%" for i, mark in enumerate(VANDALISM_MARKS)}
    row = conn.execute(
        text(f"""
        SELECT {EDIT_COLUMNS} FROM revisions r LEFT JOIN editors e ON e.id = r.editor_id
        WHERE r.page_id = :page AND (r.is_revert OR r.reverted OR {marks})
        ORDER BY r.ts DESC, r.revid DESC LIMIT 1
        """),
        {"page": page_id, **params},
    ).first()
    if row is None:
        return None
    edit = edit_row(row._mapping)
    if not edit["is_revert"]:
        return {**edit, "undid": []}
    # A revert undoes some of the 15 revisions before it (ingest's window): read
    # those from the index rather than scan the page for reverted_by.
    undone = conn.execute(
        text("""
        SELECT DISTINCT e.name FROM (
            SELECT editor_id, reverted_by FROM revisions
            WHERE page_id = :page AND ts <= :ts AND revid != :revid
            ORDER BY ts DESC LIMIT 16
        ) r JOIN editors e ON e.id = r.editor_id WHERE r.reverted_by = :revid
        """),
        {"page": page_id, "ts": edit["ts"], "revid": edit["revid"]},
    ).all()
    return {**edit, "undid": sorted(str(r.name) for r in undone)}


def edit_row(row: RowMapping) -> EditRow:
    """A revision as the recent-activity list shows it (`EditRow`), from a row of
    EDIT_COLUMNS; badges: revert, reverted, vandalism (a tag in VANDALISM_MARKS)."""
    tags = [str(t) for t in orjson.loads(row["tags"])] if row["tags"] else []
    hidden = int(row["hidden"] or 0)
    badges: list[Badge] = []
    if row["is_revert"]:
        badges.append("revert")
    if row["reverted"]:
        badges.append("reverted")
    if any(mark in tag.lower() for tag in tags for mark in VANDALISM_MARKS):
        badges.append("vandalism")
    return {
        "revid": int(row["revid"]),
        "parent_id": int(row["parent_id"] or 0),
        "timestamp": iso(row["ts"]),
        "ts": int(row["ts"]),
        "user": row["name"],
        "kind": EditorKind(row["kind"]),
        "size": int(row["size"]),
        "delta": int(row["delta"]),
        "minor": bool(row["minor"]),
        "comment": row["comment"],
        "tags": tags,
        "is_revert": bool(row["is_revert"]),
        "reverted": bool(row["reverted"]),
        "reverted_by": row["reverted_by"],
        "user_hidden": bool(hidden & HIDDEN_USER),
        "comment_hidden": bool(hidden & HIDDEN_COMMENT),
        "text_hidden": bool(hidden & HIDDEN_SHA1),
        "suppressed": bool(hidden & SUPPRESSED),
        "badges": badges,
    }


def stored_revision(conn: Connection, page_id: int, revid: int) -> EditRow | None:
    """One of the page's stored revisions, or None (diffs are only served for these)."""
    row = conn.execute(
        text(f"""
        SELECT {EDIT_COLUMNS} FROM revisions r LEFT JOIN editors e ON e.id = r.editor_id
        WHERE r.wiki_id = (SELECT wiki_id FROM pages WHERE id = :page)
            AND r.revid = :revid AND r.page_id = :page
        """),
        {"page": page_id, "revid": revid},
    ).first()
    return None if row is None else edit_row(row._mapping)
