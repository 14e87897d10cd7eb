"""Recent activity on a page: its latest edits, and what each one changed.

What a revision changed comes from its wiki (`action=compare` against its parent) as
MediaWiki's diff table: `<tr>` rows of `diff-deletedline`, `diff-addedline`,
`diff-context` and `diff-lineno` cells, with `<del>`/`<ins class="diffchange">` around
the changed words, the wiki text itself HTML-escaped. That HTML is never passed on:
`parse_diff` reads it into plain lines (entities decoded, tags dropped) that the page
builds with textContent, so a diff can show `<script>` but never run it.

A revision never changes, so parsed diffs are kept in a bounded in-process LRU
(`Diffs.cache`, weighed by characters); lead extracts can change and are kept an hour.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from html.parser import HTMLParser
from typing import Any, Generic, TypeVar

import orjson
from sqlalchemy import Connection, text

from wikivice.mediawiki import MediaWiki
from wikivice.models import HIDDEN_COMMENT, HIDDEN_SHA1, HIDDEN_USER, SUPPRESSED
from wikivice.timeline import iso

V = TypeVar("V")
RECENT_EDITS = 20
MAX_DIFF_CHARS = 300_000  # of text per diff (a blanked 300 kB page would be all red)
DIFF_CACHE_CHARS = 20_000_000  # about 80 MB of str at worst: UCS-4 for astral text
EXTRACT_SECONDS = 3600.0
# Tags that mark an edit as likely vandalism (Wikipedia's abuse filters and the core
# blanking/replacement tags), matched as substrings, lower case.
VANDALISM_MARKS = ("vandal", "mw-blank", "mw-replace", "blanking")


class LruCache(Generic[V]):
    """A thread-safe LRU holding at most `max_weight` (a value weighs `weigh(value)`),
    whose entries also expire `ttl` seconds after they were put, if given."""

    def __init__(
        self,
        max_weight: int,
        *,
        weigh: Callable[[V], int] = lambda _: 1,
        ttl: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_weight = max_weight
        self.weight = 0
        self._weigh = weigh
        self._ttl = ttl
        self._clock = clock
        self._items: OrderedDict[Hashable, tuple[V, int, float]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> V | None:
        with self._lock:
            found = self._items.get(key)
            if found is None:
                return None
            value, weight, expires = found
            if self._clock() >= expires:
                del self._items[key]
                self.weight -= weight
                return None
            self._items.move_to_end(key)
            return value

    def put(self, key: Hashable, value: V) -> None:
        weight = max(1, self._weigh(value))
        if weight > self.max_weight:
            return  # would push out everything else and still not fit
        expires = self._clock() + self._ttl if self._ttl is not None else float("inf")
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self.weight -= old[1]
            self._items[key] = (value, weight, expires)
            self.weight += weight
            while self.weight > self.max_weight:
                _, (_, dropped, _) = self._items.popitem(last=False)
                self.weight -= dropped

    def __len__(self) -> int:
        return len(self._items)


class Diffs:
    """Parsed diffs of revisions and lead extracts of articles, fetched once and cached."""

    def __init__(self, max_chars: int = DIFF_CACHE_CHARS, max_extracts: int = 1000) -> None:
        self.cache: LruCache[dict[str, Any]] = LruCache(max_chars, weigh=_diff_weight)
        self.extracts: LruCache[dict[str, Any]] = LruCache(max_extracts, ttl=EXTRACT_SECONDS)

    def diff(self, client: MediaWiki, revid: int) -> dict[str, Any]:
        """{revid, parent_revid, lines, truncated} of `revid` against its parent (see
        `parse_diff`); raises `MediaWikiError` when the wiki does not answer."""
        key = (client.site.api_url, revid)
        found = self.cache.get(key)
        if found is not None:
            return found
        compare = client.compare(revid)
        lines, truncated = parse_diff(str(compare.get("body") or ""))
        diff = {
            "revid": revid,
            "parent_revid": compare.get("fromrevid"),
            "lines": lines,
            "truncated": truncated,
        }
        self.cache.put(key, diff)
        return diff

    def extract(self, client: MediaWiki, title: str) -> str | None:
        """The article's lead as plain text, or None when the wiki has no TextExtracts."""
        key = (client.site.api_url, title)
        found = self.extracts.get(key)
        if found is None:
            found = {"extract": client.extract(title)}
            self.extracts.put(key, found)
        value = found["extract"]
        return None if value is None else str(value)


def parse_diff(body: str, max_chars: int = MAX_DIFF_CHARS) -> tuple[list[dict[str, Any]], bool]:
    """MediaWiki's diff table rows as plain lines, and whether they were cut short.

    Each line: {"kind": "hunk" | "context" | "removed" | "added", "text": str}; removed
    and added lines also have "segments": [{"text", "changed"}] covering their text,
    `changed` for the words the wiki marked with `<del>`/`<ins>`. A context line shows
    once (MediaWiki prints it on both sides); a changed pair gives the removed line,
    then the added one. Text is decoded (`&lt;` is `<`): display it, never parse it.
    """
    parser = _DiffParser(max_chars)
    parser.feed(body)
    parser.close()
    return parser.lines, parser.truncated


class _DiffParser(HTMLParser):
    def __init__(self, max_chars: int) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[dict[str, Any]] = []
        self.truncated = False
        self._budget = max_chars
        self._row: list[tuple[str, list[list[Any]]]] = []
        self._cell: list[list[Any]] | None = None
        self._cell_class = ""
        self._changed = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tr":
            self._row = []
        elif tag == "td":
            self._cell = []
            self._cell_class = dict(attrs).get("class") or ""
        elif tag in ("ins", "del"):
            self._changed += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._cell is not None:
            self._row.append((self._cell_class, self._cell))
            self._cell = None
        elif tag in ("ins", "del"):
            self._changed = max(0, self._changed - 1)
        elif tag == "tr":
            self._end_row()

    def handle_data(self, data: str) -> None:
        if self._cell is None:
            return  # whitespace between cells and rows
        changed = self._changed > 0
        if self._cell and self._cell[-1][1] == changed:
            self._cell[-1][0] += data
        else:
            self._cell.append([data, changed])

    def _end_row(self) -> None:
        cells, self._row = self._row, []
        kinds = [(_kind(classes), segments) for classes, segments in cells]
        hunks = [s for k, s in kinds if k == "hunk"]
        if hunks:
            shown = "".join(t for t, _ in hunks[-1]).strip().rstrip(":")
            self._add({"kind": "hunk", "text": shown})
            return
        context = [s for k, s in kinds if k == "context"]
        if context:
            self._add({"kind": "context", "text": "".join(t for t, _ in context[0])})
        for wanted in ("removed", "added"):
            for kind, segments in kinds:
                if kind == wanted:
                    self._add(
                        {
                            "kind": kind,
                            "text": "".join(t for t, _ in segments),
                            "segments": [{"text": t, "changed": c} for t, c in segments],
                        }
                    )

    def _add(self, line: dict[str, Any]) -> None:
        if self.truncated:
            return
        self._budget -= len(line["text"])
        if self._budget < 0:
            self.truncated = True
            return
        self.lines.append(line)


def _kind(classes: str) -> str:
    names = classes.split()
    if "diff-lineno" in names:
        return "hunk"
    if "diff-deletedline" in names:
        return "removed"
    if "diff-addedline" in names:
        return "added"
    if "diff-context" in names:
        return "context"
    return "other"  # markers, empty cells


def _diff_weight(diff: dict[str, Any]) -> int:
    return 100 + sum(2 * len(line["text"]) for line in diff["lines"])  # text + segments


# -- the latest edits -----------------------------------------------------------------

_EDIT_COLUMNS = """
    r.revid, r.parent_id, r.ts, e.name, r.kind, r.size, r.delta, r.minor, r.comment,
    r.tags, r.hidden, r.is_revert, r.reverted, r.reverted_by
"""


def latest_edits(conn: Connection, page_id: int, limit: int = RECENT_EDITS) -> list[dict[str, Any]]:
    """The page's newest edits, newest first (see `edit_row` for their shape)."""
    rows = conn.execute(
        text(f"""
        SELECT {_EDIT_COLUMNS} FROM revisions r LEFT JOIN editors e ON e.id = r.editor_id
        WHERE r.page_id = :page ORDER BY r.ts DESC, r.revid DESC LIMIT :limit
        """),
        {"page": page_id, "limit": limit},
    ).all()
    return [edit_row(row._mapping) for row in rows]


def latest_incident(conn: Connection, page_id: int) -> dict[str, Any] | None:
    """The page's most recent revert, reverted edit or vandalism-tagged edit (None if
    it never had one); a revert also lists `undid`: the names of the users it undid.

    Walks the (page_id, ts) index backwards and stops at the first match: cheap on a
    page that is fought over, one scan of the page on a page that never was."""
    marks = " OR ".join(f"r.tags LIKE :mark{i}" for i in range(len(VANDALISM_MARKS)))
    params = {f"mark{i}": f"%{mark}%" for i, mark in enumerate(VANDALISM_MARKS)}
    row = conn.execute(
        text(f"""
        SELECT {_EDIT_COLUMNS} FROM revisions r LEFT JOIN editors e ON e.id = r.editor_id
        WHERE r.page_id = :page AND (r.is_revert OR r.reverted OR {marks})
        ORDER BY r.ts DESC, r.revid DESC LIMIT 1
        """),
        {"page": page_id, **params},
    ).first()
    if row is None:
        return None
    incident = edit_row(row._mapping)
    incident["undid"] = []
    if incident["is_revert"]:
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
            {"page": page_id, "ts": incident["ts"], "revid": incident["revid"]},
        ).all()
        incident["undid"] = sorted(str(r.name) for r in undone)
    return incident


def edit_row(row: Any) -> dict[str, Any]:
    """A revision as the recent-activity list shows it: revid, parent_id, timestamp
    (ISO), ts, user (None when hidden), kind, size, delta, minor, comment (None when
    hidden), tags (a list), is_revert, reverted, reverted_by, user_hidden,
    comment_hidden, text_hidden, suppressed, and badges: what to flag it with, among
    revert, reverted, vandalism (a tag in VANDALISM_MARKS)."""
    tags = [str(t) for t in orjson.loads(row["tags"])] if row["tags"] else []
    hidden = int(row["hidden"] or 0)
    badges = []
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
        "kind": row["kind"],
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


def stored_revision(conn: Connection, page_id: int, revid: int) -> dict[str, Any] | None:
    """One of the page's stored revisions, or None (diffs are only served for these)."""
    row = conn.execute(
        text(f"""
        SELECT {_EDIT_COLUMNS} FROM revisions r LEFT JOIN editors e ON e.id = r.editor_id
        WHERE r.wiki_id = (SELECT wiki_id FROM pages WHERE id = :page)
            AND r.revid = :revid AND r.page_id = :page
        """),
        {"page": page_id, "revid": revid},
    ).first()
    return None if row is None else edit_row(row._mapping)
