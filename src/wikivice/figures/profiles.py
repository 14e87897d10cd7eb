"""Editors across the articles analysed here: who they are and what they did where.

An editor is one row per wiki and name (a registered user, a bot, an IP address or a
temporary account); their edits are read through the revisions' editor index, so a
profile costs one scan of that editor's edits, never of a page's history. Users whose
name is hidden on the wiki have no row and no profile.
"""

from __future__ import annotations

from sqlalchemy import Connection, select, text
from typing_extensions import TypedDict

from wikivice.figures import countries
from wikivice.figures.activity import EDIT_COLUMNS, edit_row
from wikivice.figures.authorship import share
from wikivice.figures.types import EditRow
from wikivice.store.models import Editor
from wikivice.store.vocabulary import EditorKind
from wikivice.wiki.timestamps import iso

LATEST_EDITS = 50
MAX_ARTICLES = 200
KIND_LABELS = {
    EditorKind.USER: "registered user",
    EditorKind.BOT: "bot",
    EditorKind.ANON: "anonymous (IP address)",
    EditorKind.TEMP: "temporary account",
}


class EditorSummary(TypedDict):
    """An editor of a wiki: country (ISO alpha-2) only for IP editors located offline."""

    id: int
    name: str
    kind: EditorKind
    kind_label: str
    userid: int
    country: str | None
    country_name: str | None


class ProfileTotals(TypedDict):
    """An editor's edits everywhere here (added, reverted, reverts as in `RankedEditor`)."""

    edits: int
    articles: int
    first: str | None
    last: str | None
    minor: int
    added: int
    reverted: int
    reverts: int


class ProfileArticle(TypedDict):
    """An editor's edits on one analysed article; share of the article's stored edits."""

    title: str
    page_id: int
    edits: int
    share: float
    first: str
    last: str
    added: int
    reverted: int
    reverts: int


class ProfileEdit(EditRow):
    """One of an editor's edits, with the article's title."""

    title: str


class EditorProfile(TypedDict):
    """Everything known here about an editor: articles most edits first, latest edits
    newest first."""

    editor: EditorSummary
    totals: ProfileTotals
    articles: list[ProfileArticle]
    latest: list[ProfileEdit]


def find_editor(conn: Connection, wiki_id: int, name: str) -> EditorSummary | None:
    """The editor called `name` on the wiki, or None if never seen here."""
    row = conn.execute(
        select(Editor.id, Editor.name, Editor.kind, Editor.userid, Editor.country).where(
            Editor.wiki_id == wiki_id, Editor.name == name
        )
    ).first()
    if row is None:
        return None
    code = row.country.upper() if row.country else None
    kind = EditorKind(row.kind)
    return {
        "id": int(row.id),
        "name": row.name,
        "kind": kind,
        "kind_label": KIND_LABELS.get(kind, kind.value),
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
) -> EditorProfile | None:
    """Everything known here about an editor of the wiki, or None if never seen: their
    edits on at most `max_articles` articles, and their newest `latest` edits anywhere
    here (each an `activity.edit_row` plus the article's `title`)."""
    editor = find_editor(conn, wiki_id, name)
    if editor is None:
        return None
    articles, minor = _articles(conn, editor["id"])
    totals: ProfileTotals = {
        "edits": sum(a["edits"] for a in articles),
        "articles": len(articles),
        "first": min((a["first"] for a in articles), default=None),
        "last": max((a["last"] for a in articles), default=None),
        "minor": minor,
        "added": sum(a["added"] for a in articles),
        "reverted": sum(a["reverted"] for a in articles),
        "reverts": sum(a["reverts"] for a in articles),
    }
    return {
        "editor": editor,
        "totals": totals,
        "articles": articles[:max_articles],
        "latest": _latest_edits(conn, editor["id"], latest),
    }


def _articles(conn: Connection, editor_id: int) -> tuple[list[ProfileArticle], int]:
    """The editor's edits per article, most edits first; and their minor edits in all."""
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
        {"editor": editor_id},
    ).all()
    articles: list[ProfileArticle] = [
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
    return articles, sum(int(row.minor or 0) for row in rows)


def _latest_edits(conn: Connection, editor_id: int, limit: int) -> list[ProfileEdit]:
    """The editor's newest edits anywhere here, each with its article's title."""
    rows = conn.execute(
        text(f"""
        SELECT {EDIT_COLUMNS}, p.title
        FROM revisions r JOIN editors e ON e.id = r.editor_id JOIN pages p ON p.id = r.page_id
        WHERE r.editor_id = :editor ORDER BY r.ts DESC, r.revid DESC LIMIT :limit
        """),
        {"editor": editor_id, "limit": limit},
    ).all()
    return [_with_title(edit_row(row._mapping), row.title) for row in rows]


def _with_title(edit: EditRow, title: str) -> ProfileEdit:
    return {**edit, "title": title}
