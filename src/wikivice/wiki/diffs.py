"""What a revision changed, as its wiki tells it, read into plain lines; and the cache of
those diffs and of articles' lead extracts.

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
from typing import Any, Generic, Literal, NotRequired, TypedDict, TypeVar

from wikivice.wiki.client import MediaWiki

V = TypeVar("V")
MAX_DIFF_CHARS = 300_000  # of text per diff (a blanked 300 kB page would be all red)
DIFF_CACHE_CHARS = 20_000_000  # about 80 MB of str at worst: UCS-4 for astral text
EXTRACT_SECONDS = 3600.0
LineKind = Literal["hunk", "context", "removed", "added"]


class Segment(TypedDict):
    text: str
    changed: bool  # marked by the wiki as the changed words (`<del>`/`<ins>`)


class DiffLine(TypedDict):
    kind: LineKind
    text: str
    segments: NotRequired[list[Segment]]  # removed and added lines only


class Diff(TypedDict):
    revid: int
    parent_revid: int | None
    lines: list[DiffLine]
    truncated: bool  # cut at MAX_DIFF_CHARS


class _Extract(TypedDict):
    extract: str | None


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
        self.cache: LruCache[Diff] = LruCache(max_chars, weigh=_diff_weight)
        self.extracts: LruCache[_Extract] = LruCache(max_extracts, ttl=EXTRACT_SECONDS)

    def diff(self, client: MediaWiki, revid: int) -> Diff:
        """{revid, parent_revid, lines, truncated} of `revid` against its parent (see
        `parse_diff`); raises `MediaWikiError` when the wiki does not answer."""
        key = (client.site.api_url, revid)
        found = self.cache.get(key)
        if found is not None:
            return found
        compare = client.compare(revid)
        lines, truncated = parse_diff(str(compare.get("body") or ""))
        parent = compare.get("fromrevid")
        diff = Diff(
            revid=revid,
            parent_revid=int(parent) if parent is not None else None,
            lines=lines,
            truncated=truncated,
        )
        self.cache.put(key, diff)
        return diff

    def extract(self, client: MediaWiki, title: str) -> str | None:
        """The article's lead as plain text, or None when the wiki has no TextExtracts."""
        key = (client.site.api_url, title)
        found = self.extracts.get(key)
        if found is None:
            found = _Extract(extract=client.extract(title))
            self.extracts.put(key, found)
        value = found["extract"]
        return None if value is None else str(value)


def parse_diff(body: str, max_chars: int = MAX_DIFF_CHARS) -> tuple[list[DiffLine], bool]:
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
        self.lines: list[DiffLine] = []
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
            self._add(DiffLine(kind="hunk", text=shown))
            return
        context = [s for k, s in kinds if k == "context"]
        if context:
            self._add(DiffLine(kind="context", text="".join(t for t, _ in context[0])))
        for wanted in ("removed", "added"):
            for kind, segments in kinds:
                if kind == wanted:
                    self._add(
                        DiffLine(
                            kind=wanted,
                            text="".join(t for t, _ in segments),
                            segments=[Segment(text=t, changed=c) for t, c in segments],
                        )
                    )

    def _add(self, line: DiffLine) -> None:
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


def _diff_weight(diff: Diff) -> int:
    return 100 + sum(2 * len(line["text"]) for line in diff["lines"])  # text + segments
