"""Deterministic synthetic revision histories, generated a block at a time.

A page's history is a pure function of (title seed, base count, creation time, anchor).
Nothing is built for the whole history: revisions come in blocks of `BLOCK` (64), and
block `k` is generated from (seed, k) alone, so any revision costs one block (about
0.3 ms) whatever its offset, and a bounded LRU of blocks keeps memory flat.

Id scheme (documented contract, tests rely on it):
- `revid = pageid * REVID_STRIDE + index + 1` (index 0-based, oldest first), so ids are
  unique across pages, strictly increasing with time inside a page, and a revid names
  its page: `pageid = revid // REVID_STRIDE`. `parentid` is the previous revid (0 first).
- Timestamps are whole seconds, non-decreasing. The page's life, from its creation to
  just before the anchor, is cut into equal "activity" epochs with random weights (quiet
  and busy years, news spikes); a revision's position maps through that cumulative curve
  to activity time, and activity time maps to real time through a weekly hour-of-day
  curve (the UTC rhythm of English Wikipedia), so busy hours get more edits. Inside a
  block, edit wars and vandalism rollbacks get gaps of minutes.
- Revisions added by `grow()` follow the latest one by 30 s to 15 min each.

Block contents: registered users (Zipf: a few editors make most edits), IPv4/IPv6
editors (`anon`), temporary accounts from 2025 on (`temp`), bots, identity reverts
(a revert restores the exact sha1 and size of a revision 2..15 back; the edits it
undid carry `mw-reverted`), edit wars, IP vandalism rolled back by ClueBot NG within
minutes, rare revision-deleted fields, and at least one hostile user name and edit
summary of every kind in any 500 revisions (forced slots in each block).
"""

from __future__ import annotations

import bisect
import hashlib
import math
import random
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from . import content, editors
from .editors import BOT_IDS, BOT_NAMES, HOSTILE_COMMENTS, HOSTILE_USER_IDS, HOSTILE_USERS

__all__ = ["BLOCK", "REVID_STRIDE", "Profile", "SyntheticHistory"]

BLOCK = 64
REVID_STRIDE = 10_000_000
MAX_REVISIONS = REVID_STRIDE - 1
TEMP_ACCOUNTS_FROM = 1_735_689_600  # 2025-01-01T00:00:00Z
WIKIPEDIA_START = 979_516_800  # 2001-01-15
EMPTY_SHA1 = hashlib.sha1(b"").hexdigest()
REVERT_TAGS = frozenset({"mw-rollback", "mw-undo", "mw-manual-revert"})
_M64 = (1 << 64) - 1

# Plan kinds for block positions.
_CREATE, _NORMAL, _VANDAL, _ROLLBACK, _REVERT, _WAR_EDIT, _WAR_REVERT = range(7)


@dataclass(frozen=True)
class Profile:
    """How a page is edited: shares of edit kinds, its final size and age in years."""

    anon: float = 0.22
    bot: float = 0.055
    vandal: float = 0.022
    revert: float = 0.012
    war: float = 0.06  # chance that a block holds an edit war
    minor: float = 0.18
    final_size: int = 40_000
    years: float = 15.0
    breaking: bool = False  # a new article: activity decays from its creation


def _splitmix(x: int) -> int:
    x = (x + 0x9E3779B97F4A7C15) & _M64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _M64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _M64
    return x ^ (x >> 31)


# --- the weekly rhythm: activity seconds <-> real seconds --------------------------
_WEEK = 7 * 86400
_MONDAY = 4 * 86400  # 1970-01-05, a Monday
_DAY_SHAPE = (0.55, 0.5, 0.47, 0.45, 0.45, 0.46, 0.5, 0.6, 0.75, 0.88, 0.97, 1.03)
_DAY_SHAPE += (1.1, 1.15, 1.2, 1.25, 1.3, 1.32, 1.3, 1.25, 1.15, 1.0, 0.85, 0.7)
_raw = [w * (0.82 if d >= 5 else 1.0) for d in range(7) for w in _DAY_SHAPE]
_HOUR_W = [w * 168 / sum(_raw) for w in _raw]
_HOUR_CUM = [0.0]
for _w in _HOUR_W:
    _HOUR_CUM.append(_HOUR_CUM[-1] + _w * 3600)


def _activity(t: float) -> float:
    weeks, r = divmod(t - _MONDAY, _WEEK)
    h = min(int(r // 3600), 167)
    return weeks * _WEEK + _HOUR_CUM[h] + _HOUR_W[h] * (r - h * 3600)


def _real(a: float) -> float:
    weeks, r = divmod(a, _WEEK)
    h = min(max(bisect.bisect_right(_HOUR_CUM, r) - 1, 0), 167)
    return weeks * _WEEK + h * 3600 + (r - _HOUR_CUM[h]) / _HOUR_W[h] + _MONDAY


class _Timeline:
    """Cumulative activity over equal epochs: position x in [0, n] -> activity time."""

    def __init__(self, seed: int, n: int, created: int, end: int, profile: Profile) -> None:
        self.a0 = _activity(created)
        a1 = max(_activity(end), self.a0 + 1.0)
        epochs = max(1, min(240, n))
        self.step = (a1 - self.a0) / epochs
        rng = random.Random(editors.mix(seed, "epochs"))
        weights = []
        for e in range(epochs):
            x = (e + 0.5) / epochs
            if profile.breaking:
                trend = math.exp(-4 * x) + 0.05
            else:  # a burst of growth early on, then a long, slowly fading tail
                trend = 0.35 + 1.6 * (x / 0.3) * math.exp(1 - x / 0.3)
            spike = rng.uniform(4, 12) if rng.random() < 0.04 else 1.0
            weights.append(trend * math.exp(rng.gauss(0, 0.6)) * spike)
        total = sum(weights)
        cum, acc = [0.0], 0.0
        for w in weights:
            acc += w * n / total
            cum.append(acc)
        cum[-1] = float(n)
        self.cum = cum

    def at(self, x: float) -> float:
        cum = self.cum
        e = min(max(bisect.bisect_right(cum, x) - 1, 0), len(cum) - 2)
        width = cum[e + 1] - cum[e]
        frac = (x - cum[e]) / width if width > 0 else 0.0
        return self.a0 + (e + frac) * self.step


@dataclass(slots=True)
class _Block:
    rows: list[dict[str, Any]]  # the full API dicts, never mutated once built
    times: list[int]
    reverted_by: list[int]  # absolute index of the first revert that undid it, or -1
    keys: list[tuple[int, int, int]]  # content identity: (key, size, kind)


class _BlockCache:
    """A process-wide LRU of generated blocks, so memory stays bounded."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._data: OrderedDict[tuple[int, ...], _Block] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[int, ...]) -> _Block | None:
        with self._lock:
            block = self._data.get(key)
            if block is not None:
                self._data.move_to_end(key)
            return block

    def put(self, key: tuple[int, ...], block: _Block) -> None:
        with self._lock:
            self._data[key] = block
            while len(self._data) > self.capacity:
                self._data.popitem(last=False)

    def __len__(self) -> int:
        return len(self._data)


BLOCKS = _BlockCache(384)


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
        self._timeline = _Timeline(seed, count, self.created, end, self.profile)
        self._grown: list[int] = []
        self._version = 0
        pool = max(8, int(count * 0.3))
        self._zipf_c = pool**-0.1 - 1.0
        self._ip_pool = max(4, int(count * 0.12))
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
        target = _activity(t + 1)
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
        test = _COUNTERS[kind]
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
    def _block(self, k: int) -> _Block:
        live = (k + 1) * BLOCK > self.base_count  # holds grown (or growable) positions
        key = (*self._base_key, k, self._version) if live else (*self._base_key, k)
        block = BLOCKS.get(key)
        if block is None:
            block = self._generate(k)
            BLOCKS.put(key, block)
        return block

    def _baseline(self, i: int) -> float:
        """The article's smoothed size after `i` revisions (grows over the years)."""
        x = i / self.base_count
        wave = 1 + 0.06 * math.sin(2 * math.pi * (2.3 * x + (self.seed % 1000) / 1000))
        return self.profile.final_size * (0.04 + 0.96 * min(x, 2.0) ** 0.55) * wave

    def _plan(self, k: int, rng: random.Random) -> tuple[list[int], list[int]]:
        """Each position's kind and, for reverts, how far back it restores."""
        p = self.profile
        plan, dist = [_NORMAL] * BLOCK, [0] * BLOCK
        reserved = {5 + (k * 11) % 40, 9 + (k * 13) % 36}  # hostile-string slots
        if k == 0:
            plan[0] = _CREATE
        if rng.random() < p.war:
            j0 = rng.randrange(2, BLOCK - 8)
            end = j0 + rng.randrange(6, min(24, BLOCK - j0) + 1)
            if not any(j0 <= r < end for r in reserved):
                plan[j0] = _WAR_EDIT
                for j in range(j0 + 1, end):
                    plan[j], dist[j] = _WAR_REVERT, 2
        j = 1 if k == 0 else 0
        while j < BLOCK:
            if plan[j] != _NORMAL or j in reserved:
                j += 1
                continue
            u = rng.random()
            if u < p.vandal:
                end = j + (2 if rng.random() < 0.2 else 1)  # where the rollback lands
                span = range(j, end + 1)
                if end < BLOCK and all(plan[x] == _NORMAL and x not in reserved for x in span):
                    for x in range(j, end):
                        plan[x] = _VANDAL
                    plan[end], dist[end] = _ROLLBACK, end - j + 1
                    j = end + 1
                    continue
            elif u < p.vandal + p.revert and j >= 2:
                plan[j], dist[j] = _REVERT, rng.randint(2, min(15, j))
            j += 1
        return plan, dist

    def _times(self, k: int, plan: list[int], rng: random.Random) -> list[int]:
        """Unix seconds of the block's revisions: weighted gaps between the block's
        start and end on the timeline, fixed short gaps for rollbacks and edit wars."""
        n0, tl = self.base_count, self._timeline
        start = k * BLOCK
        n_base = max(0, min(BLOCK, n0 - start))
        times: list[int] = []
        if n_base:
            a_start = tl.at(start)
            span = tl.at(start + n_base) - a_start
            rel, fixed = [], []
            for j in range(n_base + 1):  # the gap before each revision, then a trailing one
                kind = plan[j] if j < n_base else _NORMAL
                if j == 0 and k == 0:
                    rel.append(0.0)
                    fixed.append(0.0)
                elif kind in (_ROLLBACK, _WAR_REVERT, _WAR_EDIT):
                    rel.append(0.0)
                    fixed.append(rng.uniform(20, 240) if kind == _ROLLBACK else rng.uniform(60, 1500))
                else:
                    rel.append(math.exp(rng.gauss(0, 1.3)) * (0.3 if kind == _REVERT else 1.0))
                    fixed.append(0.0)
            total_fixed = sum(fixed)
            squeeze = 1.0 if total_fixed <= span * 0.5 else span * 0.5 / total_fixed
            unit = (span - total_fixed * squeeze) / (sum(rel) or 1.0)
            acc = a_start
            for j in range(n_base):
                acc += fixed[j] * squeeze + rel[j] * unit
                times.append(int(_real(acc)))
            for j in range(1, n_base):  # float round-off must never reorder
                if times[j] < times[j - 1]:
                    times[j] = times[j - 1]
        grown = self._grown
        filler = grown[-1] if grown else (times[-1] if times else 0)
        for j in range(n_base, BLOCK):  # grown positions, or placeholders never served
            g = start + j - n0
            times.append(grown[g] if g < len(grown) else filler)
        return times

    def _registered(self, u: float) -> tuple[str, int]:
        rank = int((self._zipf_c * u + 1.0) ** -10.0)  # Zipf-like, exponent 1.1
        g = _splitmix(self.seed ^ rank) % 40_000_000
        return editors.user_name(g), g + 1

    def _anonymous(self, u: float, ts: int, year: int, coin: float) -> tuple[str, int, int]:
        rank = int(u * u * self._ip_pool)  # most IPs edit once or twice
        key = _splitmix(self.seed ^ (rank << 24) ^ 0xA5A5)
        if ts >= TEMP_ACCOUNTS_FROM and coin < 0.6:
            serial = key % 10_000_000
            uid = 50_000_001 + (year - 2025) * 10_000_000 + serial
            return editors.temp_name(year, serial), uid, _TEMP
        return editors.ip_address(key), 0, _ANON

    def _generate(self, k: int) -> _Block:
        rng = random.Random(_splitmix(self.seed ^ ((k * 0x9E3779B97F4A7C15) & _M64)))
        plan, dist = self._plan(k, rng)
        times = self._times(k, plan, rng)
        p, seed, start = self.profile, self.seed, k * BLOCK
        base = self.pageid * REVID_STRIDE
        slot_c, slot_u = 5 + (k * 11) % 40, 9 + (k * 13) % 36
        walks = [1 if kind in (_NORMAL, _WAR_EDIT, _CREATE) else 0 for kind in plan]
        for j in range(BLOCK - 2, -1, -1):
            walks[j] += walks[j + 1]  # walk steps left from j on
        cur = self._baseline(start)
        target = self._baseline(start + BLOCK)
        rand, gauss = rng.random, rng.gauss
        rows: list[dict[str, Any]] = []
        keys: list[tuple[int, int, int]] = []
        names: list[str] = []
        reverted_by = [-1] * BLOCK
        war: list[tuple[str, int, int]] = []
        war_start = 0
        for j in range(BLOCK):
            i, kind, ts = start + j, plan[j], times[j]
            tm = time.gmtime(ts)
            u, v, c = rand(), rand(), rand()
            # Who edits.
            if kind == _WAR_EDIT:
                war = [(*self._registered(rand()), _REG) for _ in range(3 if v < 0.3 else 2)]
                war_start = j
            if kind in (_WAR_EDIT, _WAR_REVERT) and war:
                name, uid, flavor = war[(j - war_start) % len(war)]
            elif j == slot_u:
                name = HOSTILE_USERS[k % len(HOSTILE_USERS)]
                uid, flavor = HOSTILE_USER_IDS[name], _REG
            elif kind == _ROLLBACK and u < 0.65:
                name, uid, flavor = "ClueBot NG", BOT_IDS["ClueBot NG"], _BOT
            elif kind in (_ROLLBACK, _CREATE) or (kind == _REVERT and u < 0.85):
                name, uid = self._registered(u * u)  # patrollers are the regulars
                flavor = _REG
            elif kind == _VANDAL or (kind == _NORMAL and u < p.anon):
                name, uid, flavor = self._anonymous(v, ts, tm.tm_year, c)
            elif kind == _NORMAL and u < p.anon + p.bot:
                name = BOT_NAMES[int(v**1.5 * len(BOT_NAMES))]
                uid, flavor = BOT_IDS[name], _BOT
            else:
                (name, uid), flavor = self._registered(v), _REG
            human = flavor != _BOT
            minor = kind == _ROLLBACK or (
                flavor in (_REG, _BOT) and kind == _NORMAL and c < (0.8 if not human else p.minor)
            )
            # What the page becomes.
            tags: list[str] = []
            if kind in (_ROLLBACK, _REVERT, _WAR_REVERT):
                tgt = j - dist[j]
                ckey = keys[tgt]
                for x in range(tgt + 1, j):
                    if reverted_by[x] < 0:
                        reverted_by[x] = i
                cur = ckey[1]
            elif kind == _VANDAL:
                prev = keys[-1][1] if keys else int(cur)
                if v < 0.3:
                    ckey, tags = (i, 0, content.JUNK), ["mw-blank"]
                elif v < 0.55:
                    ckey, tags = (i, int(8 + c * 300), content.JUNK), ["mw-replace"]
                else:
                    ckey = (i, prev + int(5 + c * 200), content.NORMAL)
                if u < 0.5:
                    tags.append("possible vandalism")
            elif self.redirect_to is not None:
                size = len(content.redirect_text(self.redirect_to).encode())
                ckey, tags = (i, size, content.REDIRECT), ["mw-new-redirect"]
            else:
                left = walks[j]
                if kind == _CREATE:
                    step = 300 + u * 3000 - cur
                elif not human or minor:
                    step = gauss(0, 40)
                elif c < 0.8:
                    step = gauss(0, 120)
                elif c < 0.96:
                    step = gauss(0, 900)
                else:
                    step = (2000 + v * 10000) * (1 if u < 0.65 else -0.6)
                cur = max(40.0, cur + (target - cur) / left + step)
                if left == 1 and kind != _CREATE:
                    cur = max(40.0, target)
                ckey = (i, int(cur), content.NORMAL)
            # What the editor says.
            comment = self._comment(kind, j, name, names, keys, base + start, dist[j], u, v, c)
            if j == slot_c:
                comment = HOSTILE_COMMENTS[k % len(HOSTILE_COMMENTS)]
            if kind == _ROLLBACK:
                tags.append("mw-rollback")
            elif kind in (_REVERT, _WAR_REVERT):
                tags.append("mw-undo" if dist[j] == 2 and v < 0.7 else "mw-manual-revert")
                if v > 0.85:
                    tags.append("twinkle")
            if human and kind not in (_ROLLBACK,):
                tags.extend(_INTERFACE[int(c * 1000) % len(_INTERFACE)])
            elif name == "Yobot":
                tags.append("AWB")
            # Revision deletion (rare; vandalism most often).
            hidden = 0
            if j not in (slot_c, slot_u):
                h, ph = rand(), (0.04 if kind == _VANDAL else 0.0013)
                hidden = 1 + int(h / ph) if h < 3 * ph else 0
            row: dict[str, Any] = {"revid": base + i + 1, "parentid": base + i if i else 0}
            row["minor"] = minor
            if hidden == 1:
                row["userhidden"] = True
            else:
                row["user"] = name
                if flavor == _TEMP:
                    row["temp"] = True
                elif flavor == _ANON:
                    row["anon"] = True
                row["userid"] = uid
            row["timestamp"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", tm)
            row["size"] = ckey[1]
            if hidden == 3:
                row["sha1hidden"] = True
            else:
                row["sha1"] = _sha1(seed, ckey, self.redirect_to)
            if hidden == 2:
                row["commenthidden"] = True
            else:
                row["comment"] = comment
            row["tags"] = tags
            if hidden and rand() < 0.15:
                row["suppressed"] = True
            rows.append(row)
            keys.append(ckey)
            names.append(name)
        for j, by in enumerate(reverted_by):
            if by >= 0:  # tag order is not guaranteed by MediaWiki either
                old = rows[j]["tags"]
                rows[j]["tags"] = ["mw-reverted", *old] if j % 2 else [*old, "mw-reverted"]
        return _Block(rows, times, reverted_by, keys)

    def _comment(
        self,
        kind: int,
        j: int,
        name: str,
        names: list[str],
        keys: list[tuple[int, int, int]],
        base: int,
        d: int,
        u: float,
        v: float,
        c: float,
    ) -> str:
        if kind == _CREATE:
            if self.redirect_to is not None:
                return f"Redirected page to [[{self.redirect_to}]]"
            return f"Created page with '{{{{Short description|{self.title}}}}} '''{self.title}'''"
        if kind == _ROLLBACK:
            vandal, restored = names[j - 1], names[j - d]
            if name == "ClueBot NG":
                return (
                    f"Reverting possible vandalism by [[Special:Contributions/{vandal}|{vandal}]]"
                    f" to version by {restored}. [[WP:CBFP|Report False Positive?]] Thanks,"
                    f" [[WP:CBNG|ClueBot NG]]. ({4_000_000 + base % 997_000 + j}) (Bot)"
                )
            return (
                f"Reverted edits by [[Special:Contributions/{vandal}|{vandal}]] "
                f"([[User talk:{vandal}|talk]]) to last revision by {restored}"
            )
        if kind in (_REVERT, _WAR_REVERT):
            who = names[j - 1]
            reason = _REASONS[int(v * 1000) % len(_REASONS)]
            if d == 2:
                return (
                    f"Undid revision {base + j} by [[Special:Contributions/{who}|{who}]] "
                    f"([[User talk:{who}|talk]]) {reason}"
                ).rstrip()
            return f"Restored revision {base + j - d + 1} by {names[j - d]}: {reason}".rstrip()
        if kind == _VANDAL:
            return "" if c < 0.5 else _VANDAL_SAYS[int(c * 1000) % len(_VANDAL_SAYS)]
        if name in editors.BOTS:
            return editors.BOTS[name]
        if kind == _WAR_EDIT:
            return "/* Controversy */ restoring sourced content, see talk"
        if c < 0.015:
            return HOSTILE_COMMENTS[int(u * 1000) % len(HOSTILE_COMMENTS)]
        if c < 0.12:
            return ""
        summary = editors.HUMAN_SUMMARIES[int(u * 10_000) % len(editors.HUMAN_SUMMARIES)]
        if c < 0.42:
            return f"/* {editors.SECTIONS[int(v * 1000) % len(editors.SECTIONS)]} */ {summary}"
        return summary


_REG, _ANON, _TEMP, _BOT = range(4)
_REASONS = ("", "rv", "unsourced", "see talk", "rv POV", "WP:BRD", "not an improvement")
_VANDAL_SAYS = ("lol", "fixed it", "this is TRUE", "hi mom", "<3", "updated")
# Editing interfaces as tags: visual editor, 2010 wikitext editor, mobile web, apps.
_INTERFACE: tuple[tuple[str, ...], ...] = (
    *[()] * 40,
    *[("wikieditor",)] * 35,
    *[("visualeditor",)] * 12,
    *[("mobile edit", "mobile web edit")] * 10,
    ("mobile edit", "mobile app edit", "android app edit"),
    ("mobile edit", "mobile app edit", "ios app edit"),
    ("visualeditor-wikitext",),
)
_COUNTERS = {
    "edits": lambda row: True,
    "anonymous": lambda row: "anon" in row,
    "bot": lambda row: row.get("user") in BOT_IDS,
    "editors": lambda row: "userhidden" not in row,
    "minor": lambda row: row["minor"],
    "reverted": lambda row: not REVERT_TAGS.isdisjoint(row["tags"]),
}


def _sha1(seed: int, ckey: tuple[int, int, int], redirect_to: str | None) -> str:
    key, size, kind = ckey
    if size == 0:
        return EMPTY_SHA1
    if kind == content.REDIRECT:
        return hashlib.sha1(content.redirect_text(redirect_to or "").encode()).hexdigest()
    return hashlib.sha1(b"%d:%d:%d" % (seed, key, size)).hexdigest()


def _drop_reverted(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "tags": [t for t in row["tags"] if t != "mw-reverted"]}
