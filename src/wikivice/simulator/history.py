"""Deterministic synthetic revision histories: the ground truth the HTTP layer serves.

A page's history is a pure function of (title seed, base count, creation time, anchor).
Nothing is built for the whole history: revisions come in blocks of `BLOCK` (64), and
block `k` is generated from (seed, k) alone (plan.py, blocks.py), so any revision costs one
block (about 0.3 ms) whatever its offset, and a bounded LRU of blocks keeps memory flat.

Id scheme (a contract; tests rely on it):
- `revid = pageid * REVID_STRIDE + index + 1` (index 0-based, oldest first), so ids are
  unique across pages, strictly increasing with time inside a page, and a revid names
  its page: `pageid = revid // REVID_STRIDE`. `parentid` is the previous revid (0 first).
- Timestamps are whole seconds, non-decreasing (timeline.py: quiet and busy years,
  weekly and daily rhythm); edit wars and vandalism rollbacks come minutes apart.
- Revisions added by `grow()` follow the latest one by 30 s to 15 min each and take the
  next indexes, hence the next revids.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterator
from typing import Any

from . import content, editors
from .blocks import (
    BLOCKS,
    MAX_REVISIONS,
    REVERT_TAGS,
    REVID_STRIDE,
    WIKIPEDIA_START,
    Block,
    BlockGenerator,
)
from .editors import BOT_IDS
from .plan import BLOCK, Profile
from .timeline import Timeline, activity

__all__ = ["BLOCK", "INTENTS", "REVID_STRIDE", "Profile", "SyntheticHistory"]

_M64 = (1 << 64) - 1
# What a revision was made as, by plan.py's kinds: the ground truth behind the history
# that a figure of vandalism or edit wars can be checked against.
INTENTS = ("creation", "edit", "vandalism", "rollback", "revert", "war edit", "war revert")


class SyntheticHistory:
    """One page's revisions; `revision(i)` is exactly the dict `prop=revisions` emits
    with `rvprop=ids|timestamp|user|userid|size|sha1|comment|flags|tags`."""

    def __init__(
        self,
        title: str,
        pageid: int,
        count: int,
        *,
        seed: int,
        anchor: int,
        created: int | None = None,
        profile: Profile | None = None,
        redirect_to: str | None = None,
    ) -> None:
        if not 1 <= count <= MAX_REVISIONS:
            raise ValueError(f"a page holds 1..{MAX_REVISIONS} revisions, not {count}")
        self.title, self.pageid, self.seed = title, pageid, seed
        self.base_count = count
        self.profile = profile or Profile()
        self.redirect_to = redirect_to
        end = anchor - 600 - seed % 30_000
        if created is None:
            created = int(end - self.profile.years * 365.25 * 86400)
        self.created = min(max(created, WIKIPEDIA_START), end - count)
        self._timeline = Timeline(seed, count, self.created, end, breaking=self.profile.breaking)
        self._maker = BlockGenerator(
            title, pageid, count, seed, self.profile, self._timeline, redirect_to
        )
        self._grown: list[int] = []
        self._version = 0
        self._base_key = (seed & _M64, pageid)

    # -- public contract ---------------------------------------------------------
    @property
    def count(self) -> int:
        return self.base_count + len(self._grown)

    @property
    def first_revid(self) -> int:
        return self.pageid * REVID_STRIDE + 1

    @property
    def latest_revid(self) -> int:
        return self.pageid * REVID_STRIDE + self.count

    def revision(self, i: int) -> dict[str, Any]:
        """Revision `i` (0-based, oldest first) as the API emits it (a fresh copy)."""
        if not 0 <= i < self.count:
            raise IndexError(i)
        row = self.rows(i, i + 1)[0]
        return {**row, "tags": list(row["tags"])}

    def iter(self, start: int = 0, stop: int | None = None) -> Iterator[dict[str, Any]]:
        """Revisions oldest first, one block at a time (never the whole history)."""
        stop = self.count if stop is None else min(stop, self.count)
        i = max(start, 0)
        while i < stop:
            chunk_stop = min(stop, (i // BLOCK + 1) * BLOCK)
            for row in self.rows(i, chunk_stop):
                yield {**row, "tags": list(row["tags"])}
            i = chunk_stop

    def rows(self, start: int, stop: int) -> list[dict[str, Any]]:
        """Read-only API dicts for indexes [start, stop), oldest first (shared objects:
        callers must not mutate them)."""
        out: list[dict[str, Any]] = []
        count = self.count
        i = start
        while i < stop:
            k, j = divmod(i, BLOCK)
            block = self._block(k)
            take = min(stop - i, BLOCK - j)
            rows = block.rows[j : j + take]
            limit = k * BLOCK + BLOCK
            if limit > count:  # `mw-reverted` appears only once the revert exists
                by = block.reverted_by
                rows = [_drop_reverted(r) if by[j + n] >= count else r for n, r in enumerate(rows)]
            out.extend(rows)
            i += take
        return out

    def intent(self, i: int) -> str:
        """What revision `i` was made as: one of INTENTS (vandalism, rollback, …)."""
        if not 0 <= i < self.count:
            raise IndexError(i)
        return INTENTS[self._block(i // BLOCK).plan[i % BLOCK]]

    def timestamp(self, i: int) -> int:
        """Unix seconds of revision `i`."""
        return self._block(i // BLOCK).times[i % BLOCK]

    def index_of(self, revid: int) -> int | None:
        i = revid - self.pageid * REVID_STRIDE - 1
        return i if 0 <= i < self.count else None

    def count_at_or_before(self, t: int) -> int:
        """How many revisions have a timestamp <= t (unix seconds)."""
        n0 = self.base_count
        if self._grown and t >= self._grown[0]:
            return n0 + bisect.bisect_right(self._grown, t)
        target = activity(t + 1)
        lo, hi = 0, (n0 - 1) // BLOCK  # the last block whose start is before target
        if self._timeline.at(0) >= target:
            return 0
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self._timeline.at(mid * BLOCK) < target:
                lo = mid
            else:
                hi = mid - 1
        times = self._block(lo).times[: min(BLOCK, n0 - lo * BLOCK)]
        idx = lo * BLOCK + bisect.bisect_right(times, t)
        # Guard float round-off at block edges.
        while idx > 0 and self.timestamp(idx - 1) > t:
            idx -= 1
        while idx < self.count and self.timestamp(idx) <= t:
            idx += 1
        return idx

    def content(self, i: int) -> str:
        """The wikitext of revision `i` (its UTF-8 length is the revision's size)."""
        key, size, kind = self._block(i // BLOCK).keys[i % BLOCK]
        if kind == content.REDIRECT:
            return content.redirect_text(self.redirect_to or "")
        return content.wikitext(self.title, self.seed, key, size, kind)

    def grow(self, n: int) -> None:
        """Add `n` revisions after the latest one (a live edit), 30 s to 15 min apart."""
        if n < 0 or self.count + n > MAX_REVISIONS:
            raise ValueError(f"cannot grow {self.title!r} by {n}")
        last = self.timestamp(self.count - 1)
        for _ in range(n):
            i = self.count
            last += 30 + editors.mix(self.seed, "grow", i) % 870
            self._grown.append(last)
        self._version += 1

    def rest_count(self, kind: str, limit: int | None = None) -> int:
        """The REST `history/counts/{kind}` figure, uncapped (scanning stops once it
        passes `limit`). As in PageHistoryCountHandler: content-hidden revisions never
        count; `anonymous`, `bot` and `editors` also skip user-hidden ones; `reverted`
        counts the reverting edits (tags mw-rollback, mw-undo, mw-manual-revert)."""
        test: Callable[[dict[str, Any]], bool] = _COUNTERS[kind]
        seen: set[str] = set()
        total = 0
        for start in range(0, self.count, BLOCK):
            for row in self.rows(start, min(start + BLOCK, self.count)):
                if "sha1hidden" in row or not test(row):
                    continue
                if kind == "editors":
                    if row["user"] in seen:
                        continue
                    seen.add(row["user"])
                total += 1
            if limit is not None and total > limit:
                break
        return total

    # -- generation ---------------------------------------------------------------
    def _block(self, k: int) -> Block:
        live = (k + 1) * BLOCK > self.base_count  # holds grown (or growable) positions
        key = (*self._base_key, k, self._version) if live else (*self._base_key, k)
        block = BLOCKS.get(key)
        if block is None:
            block = self._maker.generate(k, self._grown)
            BLOCKS.put(key, block)
        return block


_COUNTERS: dict[str, Callable[[dict[str, Any]], bool]] = {
    "edits": lambda row: True,
    "anonymous": lambda row: "anon" in row,
    "bot": lambda row: row.get("user") in BOT_IDS,
    "editors": lambda row: "userhidden" not in row,
    "minor": lambda row: row["minor"],
    "reverted": lambda row: not REVERT_TAGS.isdisjoint(row["tags"]),
}


def _drop_reverted(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "tags": [t for t in row["tags"] if t != "mw-reverted"]}
