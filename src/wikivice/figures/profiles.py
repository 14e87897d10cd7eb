"""Editors across the articles analysed here: who they are and what they did where.

An editor is one row per wiki and name (a registered user, a bot, an IP address or a
temporary account); their edits are read through the revisions' editor index, so a
profile costs one scan of that editor's edits, never of a page's history. Users whose
name is hidden on the wiki have no row and no profile.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select, text

from wikivice.figures import countries
from wikivice.figures.activity import edit_row
from wikivice.figures.authorship import share
from wikivice.store.models import Editor
from wikivice.wiki.timestamps import iso

LATEST_EDITS = 50
MAX_ARTICLES = 200
KIND_LABELS = {
    "user": "registered user",
    "bot": "bot",
    "anon": "anonymous (IP address)",
    "temp": "temporary account",
}


def find_editor(conn: Connection, wiki_id: int, name: str) -> dict[str, Any] | None:
    """The editor called `name` on the wiki: {id, name, kind, kind_label, userid,
    country (ISO alpha-2 for IP editors located offline, else None), country_name}."""
    row = conn.execute(
        select(Editor.id, Editor.name, Editor.kind, Editor.userid, Editor.country).where(
            Editor.wiki_id == wiki_id, Editor.name == name
        )
    ).first()
    if row is None:
        return None
    code = row.country.upper() if row.country else None
    return {
        "id": int(row.id),
        "name": row.name,
        "kind": row.kind,
        "kind_label": KIND_LABELS.get(row.kind, row.kind),
        "userid": int(row.userid or 0),
        "country": code,
        "country_name": countries.name(code) if code else None,
    }


def editor_profile(
    conn: Connection,
    wiki_id: int,
    name: str,
    *,
    latest: int = LATEST_EDITS,
    max_articles: int = MAX_ARTICLES,
) -> dict[str, Any] | None:
    """Everything known here about an editor of the wiki, or None if never seen.

    editor (see `find_editor`); totals: edits, articles, first and last (ISO), minor,
    added (bytes added by edits neither reverted nor reverts, as in the top-editor
    rankings), reverted (their edits undone later) and reverts (that they made);
    articles: per analysed article, most edits first, at most `max_articles`: title,
    page_id, edits, share (of the article's stored edits), first, last, added,
    reverted, reverts; latest: their newest `latest` edits anywhere here, each an
    `diffs.edit_row` plus the article's `title`.
    """
    editor = find_editor(conn, wiki_id, name)
    if editor is None:
        return None
    rows = conn.execute(
        text("""
        SELECT r.page_id, p.title, p.stored_revisions, COUNT(*) AS edits,
            MIN(r.ts) AS first_ts, MAX(r.ts) AS last_ts,
            SUM(CASE WHEN r.minor THEN 1 ELSE 0 END) AS minor,
            SUM(CASE WHEN r.delta > 0 AND NOT r.reverted AND NOT r.is_revert
                THEN r.delta ELSE 0 END) AS added,
            SUM(CASE WHEN r.reverted THEN 1 ELSE 0 END) AS reverted,
            SUM(CASE WHEN r.is_revert THEN 1 ELSE 0 END) AS reverts
        FROM revisions r JOIN pages p ON p.id = r.page_id
        WHERE r.editor_id = :editor
        GROUP BY r.page_id, p.title, p.stored_revisions
        ORDER BY COUNT(*) DESC, MIN(r.ts), r.page_id
        """),
        {"editor": editor["id"]},
    ).all()
    articles = [
        {
            "title": row.title,
            "page_id": int(row.page_id),
            "edits": int(row.edits),
            "share": share(row.edits, row.stored_revisions),
            "first": iso(row.first_ts),
            "last": iso(row.last_ts),
            "added": int(row.added or 0),
            "reverted": int(row.reverted or 0),
            "reverts": int(row.reverts or 0),
        }
        for row in rows
    ]
    totals = {
        "edits": sum(a["edits"] for a in articles),
        "articles": len(articles),
        "first": min((a["first"] for a in articles), default=None),
        "last": max((a["last"] for a in articles), default=None),
        "minor": sum(int(row.minor or 0) for row in rows),
        "added": sum(a["added"] for a in articles),
        "reverted": sum(a["reverted"] for a in articles),
        "reverts": sum(a["reverts"] for a in articles),
    }
    recent = conn.execute(
        text("""
        SELECT r.revid, r.parent_id, r.ts, e.name, r.kind, r.size, r.delta, r.minor,
            r.comment, r.tags, r.hidden, r.is_revert, r.reverted, r.reverted_by, p.title
        FROM revisions r JOIN editors e ON e.id = r.editor_id JOIN pages p ON p.id = r.page_id
        WHERE r.editor_id = :editor ORDER BY r.ts DESC, r.revid DESC LIMIT :limit
        """),
        {"editor": editor["id"], "limit": latest},
    ).all()
    return {
        "editor": editor,
        "totals": totals,
        "articles": articles[:max_articles],
        "latest": [{**edit_row(row._mapping), "title": row.title} for row in recent],
    }
