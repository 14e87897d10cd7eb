"""A page's stored revisions, newest first, a page of them at a time, filtered.

Paging is by keyset on (ts, revid), never OFFSET: a page starts strictly before (or
after) the last row the previous page showed, so page 1,000 of a 100,000-revision
history reads the same few rows of the `(page_id, ts, revid)` index as page 1
(`ix_revisions_page_ts_revid`, migration 0005; one editor's, of
`ix_revisions_editor_page_ts`). A filter that matches few rows walks the page's index
until it has a page: one scan of the page's rows at worst (about 100 ms for 100,000).

Filters (`HistoryFilter`) combine with AND: a time range, one editor by name, editor
kinds, one tag, reverts, a size change range, and a summary substring (case-insensitive
for ASCII letters on SQLite, for every letter on PostgreSQL; `%` and `_` match
themselves).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import orjson
from sqlalchemy import (
    ColumnElement,
    Connection,
    Row,
    and_,
    false,
    func,
    or_,
    select,
    tuple_,
)

from wikivice.store.models import HIDDEN_COMMENT, HIDDEN_SHA1, HIDDEN_USER, Editor, Page, Revision
from wikivice.store.pages import findable
from wikivice.store.vocabulary import EditorKind

MAX_LIMIT = 500
MAX_TEXT_CHARS = 255  # of a summary search: MediaWiki's summaries are at most 500 bytes
# Revisions a scanning filter reads per call, at most: about 40 ms on SQLite (a full scan
# of a 100,000-revision page, which a filter matching nothing needs, took 100-300 ms).
SCAN_WINDOW = 20_000


class RevertFilter(StrEnum):
    """Which revisions the `reverts` filter keeps."""

    REVERTED = "reverted"  # undone later (by an identity revert or the mw-reverted tag)
    REVERT = "revert"  # undoes earlier edits
    ANY = "any"  # either
    NONE = "none"  # neither


@dataclass(frozen=True, order=True)
class Cursor:
    """Where a page of the history starts: a revision's (ts, revid)."""

    ts: int
    revid: int

    @property
    def token(self) -> str:
        return f"{self.ts}-{self.revid}"

    @classmethod
    def parse(cls, token: str) -> Cursor:
        """A cursor from its `token`; ValueError for anything else."""
        ts, sep, revid = token.partition("-")
        if not sep or not _digits(ts) or not _digits(revid) or len(token) > 40:
            raise ValueError(f"{token!r} is not a position in a history (TIMESTAMP-REVID)")
        cursor = cls(int(ts), int(revid))
        if cursor.ts >= 2**63 or cursor.revid >= 2**63:
            raise ValueError(f"{token!r} is past the end of any history")
        return cursor


@dataclass(frozen=True)
class HistoryFilter:
    """What to keep; None (or empty) means no condition. `since` is inclusive and
    `until` exclusive (epoch seconds); `min_change`/`max_change` bound the size change
    in bytes, both inclusive; `text` is a substring of the summary."""

    since: int | None = None
    until: int | None = None
    editor: str | None = None
    kinds: tuple[EditorKind, ...] = ()
    tag: str | None = None
    reverts: RevertFilter | None = None
    min_change: int | None = None
    max_change: int | None = None
    text: str | None = None

    @property
    def scans(self) -> bool:
        """Whether the filter reads the page's revisions one by one (no index serves it:
        kinds, tag, reverts, size change, text), so a call reads a window of them."""
        return bool(
            self.kinds or self.tag is not None or self.reverts is not None or self.text
            or self.min_change is not None or self.max_change is not None
        )  # fmt: skip


@dataclass(frozen=True)
class StoredRevision:
    """A revision as the history lists it (`user`/`comment` None when hidden or absent)."""

    revid: int
    parent_id: int
    ts: int
    user: str | None
    kind: EditorKind
    size: int
    delta: int
    minor: bool
    comment: str | None
    tags: tuple[str, ...]
    is_revert: bool
    reverted: bool
    reverted_by: int | None
    user_hidden: bool
    comment_hidden: bool
    text_hidden: bool

    @property
    def cursor(self) -> Cursor:
        return Cursor(self.ts, self.revid)


@dataclass(frozen=True)
class HistoryPage:
    """One page of a history, newest first; `older`/`newer` start the next pages in
    either direction (None: nothing more that way)."""

    revisions: list[StoredRevision]
    older: Cursor | None
    newer: Cursor | None
    # Where a scanning filter stopped reading (a window's edge) before it found a page.
    searched_to: Cursor | None = None


_COLUMNS = (
    Revision.revid, Revision.parent_id, Revision.ts, Editor.name, Revision.kind, Revision.size,
    Revision.delta, Revision.minor, Revision.comment, Revision.tags, Revision.hidden,
    Revision.is_revert, Revision.reverted, Revision.reverted_by,
)  # fmt: skip


def history_page(
    conn: Connection,
    page_id: int,
    where: HistoryFilter = HistoryFilter(),
    *,
    before: Cursor | None = None,
    after: Cursor | None = None,
    limit: int = 50,
    window: int = SCAN_WINDOW,
) -> HistoryPage:
    """Up to `limit` revisions of the page matching `where`, newest first: the newest
    ones, those just older than `before`, or those just newer than `after`.

    A filter that no index serves reads at most `window` of the page's revisions (in
    the date range) per call: when they hold fewer than `limit` matches, the page is
    short and `searched_to` says where the search stopped (`older`, or `newer` when
    paging up, continues from there)."""
    if before is not None and after is not None:
        raise ValueError("a page of a history starts before a revision or after one, not both")
    limit = max(1, min(limit, MAX_LIMIT))
    conditions = _conditions(conn, page_id, where)
    key = tuple_(Revision.ts, Revision.revid)
    upwards = after is not None  # newer ones: read up from the cursor, shown newest first
    if after is not None:
        conditions.append(key > tuple_(after.ts, after.revid))
    if before is not None:
        conditions.append(key < tuple_(before.ts, before.revid))
    edge = _window_edge(conn, page_id, where, before, after, window) if where.scans else None
    if edge is not None:
        bound = tuple_(edge.ts, edge.revid)
        conditions.append(key <= bound if upwards else key >= bound)
    order = (Revision.ts.asc(), Revision.revid.asc()) if upwards else (
        Revision.ts.desc(), Revision.revid.desc())  # fmt: skip
    query = (
        select(*_COLUMNS)
        .select_from(Revision)
        .outerjoin(Editor, Editor.id == Revision.editor_id)
        .where(*conditions)
        .order_by(*order)
        .limit(limit + 1)
    )
    rows = [_revision(row) for row in conn.execute(query)]
    more = len(rows) > limit
    rows = rows[:limit]
    cut = edge if edge is not None and not more else None  # stopped at the window's edge
    onward = rows[-1].cursor if more else cut  # the next page the way it reads
    if upwards:
        rows.reverse()
        # The page the cursor came from holds older rows.
        return HistoryPage(rows, rows[-1].cursor if rows else after, onward, cut)
    back = rows[0].cursor if rows else before  # the page the cursor came from is newer
    return HistoryPage(rows, onward, back if before is not None else None, cut)


def _window_edge(
    conn: Connection,
    page_id: int,
    where: HistoryFilter,
    before: Cursor | None,
    after: Cursor | None,
    window: int,
) -> Cursor | None:
    """The last revision a scan of `window` revisions from the cursor reaches (within the
    date range), read from the covering index alone; None when fewer remain."""
    key = tuple_(Revision.ts, Revision.revid)
    query = select(Revision.ts, Revision.revid).where(Revision.page_id == page_id)
    if where.since is not None:
        query = query.where(Revision.ts >= where.since)
    if where.until is not None:
        query = query.where(Revision.ts < where.until)
    if after is not None:
        query = query.where(key > tuple_(after.ts, after.revid))
        query = query.order_by(Revision.ts.asc(), Revision.revid.asc())
    else:
        if before is not None:
            query = query.where(key < tuple_(before.ts, before.revid))
        query = query.order_by(Revision.ts.desc(), Revision.revid.desc())
    # OFFSET here only skips entries of the covering index, a bounded number of them: the
    # pages themselves are keyset pages.
    found = conn.execute(query.offset(window - 1).limit(1)).first()
    return None if found is None else Cursor(int(found.ts), int(found.revid))


def _conditions(conn: Connection, page_id: int, where: HistoryFilter) -> list[ColumnElement[bool]]:
    found: list[ColumnElement[bool]] = [Revision.page_id == page_id]
    if where.since is not None:
        found.append(Revision.ts >= where.since)
    if where.until is not None:
        found.append(Revision.ts < where.until)
    if where.editor is not None:
        found.append(_by_editor(conn, page_id, where.editor))
    if where.kinds:
        found.append(Revision.kind.in_([str(kind) for kind in where.kinds]))
    if where.tag is not None:
        found.append(_has_tag(conn, where.tag))
    if where.reverts is not None:
        found.append(_reverts(where.reverts))
    if where.min_change is not None:
        found.append(Revision.delta >= where.min_change)
    if where.max_change is not None:
        found.append(Revision.delta <= where.max_change)
    if where.text:
        if not findable(where.text, MAX_TEXT_CHARS):
            return [false()]
        pattern = "%" + _escape_like(where.text) + "%"
        # SQLite's LIKE already ignores the case of ASCII letters, and lower() on each row
        # (what ilike() becomes there) took 2.5 times as long (bench/history.py).
        if conn.dialect.name == "postgresql":
            found.append(Revision.comment.ilike(pattern, escape="\\"))
        else:
            found.append(Revision.comment.like(pattern, escape="\\"))
    return found


def _by_editor(conn: Connection, page_id: int, name: str) -> ColumnElement[bool]:
    """The editor's id, looked up once: the filter is then an indexed equality."""
    if not findable(name, 512):
        return false()
    wiki = select(Page.wiki_id).where(Page.id == page_id).scalar_subquery()
    editor = conn.execute(
        select(Editor.id).where(Editor.wiki_id == wiki, Editor.name == name)
    ).scalar()
    return false() if editor is None else Revision.editor_id == editor


def _has_tag(conn: Connection, tag: str) -> ColumnElement[bool]:
    """The tag as a whole element of the stored JSON list (`"tag"`, quotes included),
    matched case-sensitively. On SQLite, whose LIKE ignores case, LIKE first and instr()
    to be exact: LIKE alone turns down a row in half the time instr() takes."""
    if not findable(tag, 255):
        return false()
    needle = orjson.dumps(tag).decode()
    like = Revision.tags.like("%" + _escape_like(needle) + "%", escape="\\")
    if conn.dialect.name == "postgresql":
        return like
    return and_(like, func.instr(Revision.tags, needle) > 0)


def _reverts(which: RevertFilter) -> ColumnElement[bool]:
    reverted, revert = Revision.reverted.is_(True), Revision.is_revert.is_(True)
    match which:
        case RevertFilter.REVERTED:
            return reverted
        case RevertFilter.REVERT:
            return revert
        case RevertFilter.ANY:
            return or_(reverted, revert)
        case RevertFilter.NONE:
            return and_(Revision.reverted.is_(False), Revision.is_revert.is_(False))


def _digits(text: str) -> bool:
    return text.isascii() and text.isdigit()


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _revision(row: Row[*tuple[Any, ...]]) -> StoredRevision:
    r = row._mapping
    hidden = int(r["hidden"] or 0)
    tags, reverted_by = r["tags"], r["reverted_by"]
    return StoredRevision(
        revid=int(r["revid"]),
        parent_id=int(r["parent_id"] or 0),
        ts=int(r["ts"]),
        user=r["name"],
        kind=EditorKind(r["kind"]),
        size=int(r["size"]),
        delta=int(r["delta"]),
        minor=bool(r["minor"]),
        comment=r["comment"],
        tags=tuple(str(t) for t in orjson.loads(tags)) if tags else (),
        is_revert=bool(r["is_revert"]),
        reverted=bool(r["reverted"]),
        reverted_by=None if reverted_by is None else int(reverted_by),
        user_hidden=bool(hidden & HIDDEN_USER),
        comment_hidden=bool(hidden & HIDDEN_COMMENT),
        text_hidden=bool(hidden & HIDDEN_SHA1),
    )
