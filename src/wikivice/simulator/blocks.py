"""Generation of one block of revisions from (page seed, block index) alone: the plan
(plan.py: each position's kind and time), then each revision's row.

Block contents: registered users (Zipf: a few editors make most edits), IPv4/IPv6
editors (`anon`), temporary accounts from 2025 on (`temp`), bots (5-10% of edits),
identity reverts (a revert restores the exact sha1 and size of a revision 2..15 back;
the edits it undid carry `mw-reverted`), edit wars (2-3 editors undoing each other
minutes apart: A against B, or A against B and C in turn), IP vandalism rolled back by
ClueBot NG within minutes, rare revision-deleted fields (`userhidden`, `commenthidden`,
`sha1hidden`, `suppressed`), and in every block one hostile user name and one hostile
edit summary, cycling through the kinds, so any 500 revisions hold every kind. Reverts
only reach back inside their block, which keeps each block independent of the others.
"""

from __future__ import annotations

import hashlib
import math
import random
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from . import content, editors
from .editors import BOT_IDS, BOT_NAMES, HOSTILE_COMMENTS, HOSTILE_USER_IDS, HOSTILE_USERS
from .plan import (
    BLOCK,
    CREATE,
    NORMAL,
    REVERT,
    ROLLBACK,
    VANDAL,
    WAR_EDIT,
    WAR_REVERT,
    Profile,
    hostile_slots,
    plan_kinds,
    plan_times,
)
from .timeline import Timeline

__all__ = ["BLOCKS", "MAX_REVISIONS", "REVID_STRIDE", "Block", "BlockGenerator"]

REVID_STRIDE = 10_000_000
MAX_REVISIONS = REVID_STRIDE - 1
TEMP_ACCOUNTS_FROM = 1_735_689_600  # 2025-01-01T00:00:00Z
WIKIPEDIA_START = 979_516_800  # 2001-01-15
EMPTY_SHA1 = hashlib.sha1(b"").hexdigest()
REVERT_TAGS = frozenset({"mw-rollback", "mw-undo", "mw-manual-revert"})
_M64 = (1 << 64) - 1


def _splitmix(x: int) -> int:
    x = (x + 0x9E3779B97F4A7C15) & _M64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _M64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _M64
    return x ^ (x >> 31)


@dataclass(slots=True)
class Block:
    rows: list[dict[str, Any]]  # the full API dicts, never mutated once built
    times: list[int]
    reverted_by: list[int]  # absolute index of the first revert that undid it, or -1
    keys: list[tuple[int, int, int]]  # content identity: (key, size, kind)
    plan: list[int]  # what each revision was made as (plan.py's kinds): the ground truth


class BlockCache:
    """A process-wide LRU of generated blocks, so memory stays bounded."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._data: OrderedDict[tuple[int, ...], Block] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[int, ...]) -> Block | None:
        with self._lock:
            block = self._data.get(key)
            if block is not None:
                self._data.move_to_end(key)
            return block

    def put(self, key: tuple[int, ...], block: Block) -> None:
        with self._lock:
            self._data[key] = block
            while len(self._data) > self.capacity:
                self._data.popitem(last=False)

    def __len__(self) -> int:
        return len(self._data)


BLOCKS = BlockCache(384)


class BlockGenerator:
    """Makes blocks for one page; holds only the page's constants."""

    def __init__(
        self,
        title: str,
        pageid: int,
        count: int,
        seed: int,
        profile: Profile,
        timeline: Timeline,
        redirect_to: str | None,
    ) -> None:
        self.title, self.pageid, self.seed = title, pageid, seed
        self.base_count, self.profile, self._timeline = count, profile, timeline
        self.redirect_to = redirect_to
        self._zipf_c = max(8, int(count * 0.3)) ** -0.1 - 1.0
        self._ip_pool = max(4, int(count * 0.12))

    def _baseline(self, i: int) -> float:
        """The article's smoothed size after `i` revisions (grows over the years)."""
        x = i / self.base_count
        wave = 1 + 0.06 * math.sin(2 * math.pi * (2.3 * x + (self.seed % 1000) / 1000))
        growth: float = 0.04 + 0.96 * min(x, 2.0) ** 0.55
        return self.profile.final_size * growth * wave

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

    def generate(self, k: int, grown: list[int]) -> Block:
        """Block `k`; `grown` holds the timestamps of revisions added by grow()."""
        rng = random.Random(_splitmix(self.seed ^ ((k * 0x9E3779B97F4A7C15) & _M64)))
        plan, dist = plan_kinds(k, rng, self.profile)
        times = plan_times(k, plan, rng, grown, self.base_count, self._timeline)
        p, seed, start = self.profile, self.seed, k * BLOCK
        base = self.pageid * REVID_STRIDE
        slot_c, slot_u = hostile_slots(k)
        walks = [1 if kind in (NORMAL, WAR_EDIT, CREATE) else 0 for kind in plan]
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
            if kind == WAR_EDIT:
                war = [(*self._registered(rand()), _REG) for _ in range(3 if v < 0.3 else 2)]
                war_start = j
            if kind in (WAR_EDIT, WAR_REVERT) and war:
                name, uid, flavor = war[_side(j - war_start, len(war))]
            elif j == slot_u:
                name = HOSTILE_USERS[k % len(HOSTILE_USERS)]
                uid, flavor = HOSTILE_USER_IDS[name], _REG
            elif kind == ROLLBACK and u < 0.65:
                name, uid, flavor = "ClueBot NG", BOT_IDS["ClueBot NG"], _BOT
            elif kind in (ROLLBACK, CREATE) or (kind == REVERT and u < 0.85):
                name, uid = self._registered(u * u)  # patrollers are the regulars
                flavor = _REG
            elif kind == VANDAL or (kind == NORMAL and u < p.anon):
                name, uid, flavor = self._anonymous(v, ts, tm.tm_year, c)
            elif kind == NORMAL and u < p.anon + p.bot:
                name = BOT_NAMES[int(v**1.5 * len(BOT_NAMES))]
                uid, flavor = BOT_IDS[name], _BOT
            else:
                (name, uid), flavor = self._registered(v), _REG
            human = flavor != _BOT
            minor = kind == ROLLBACK or (
                flavor in (_REG, _BOT) and kind == NORMAL and c < (0.8 if not human else p.minor)
            )
            # What the page becomes.
            tags: list[str] = []
            if kind in (ROLLBACK, REVERT, WAR_REVERT):
                tgt = j - dist[j]
                ckey = keys[tgt]
                for x in range(tgt + 1, j):
                    if reverted_by[x] < 0:
                        reverted_by[x] = i
                cur = ckey[1]
            elif kind == VANDAL:
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
                if kind == CREATE:
                    step = 300 + u * 3000 - cur
                elif not human or minor:
                    step = gauss(0, 40)
                elif c < 0.8:
                    step = gauss(0, 120)
                elif c < 0.96:
                    step = gauss(0, 900)
                elif u < 0.65:  # a new section
                    step = 1500 + v * 8000
                else:  # a big removal: some share of the article
                    step = -cur * (0.1 + 0.4 * v)
                cur = max(40.0, cur + (target - cur) / left + step)
                if left == 1 and kind != CREATE:
                    cur = max(40.0, target)
                ckey = (i, int(cur), content.NORMAL)
            # What the editor says.
            comment = self._comment(kind, j, name, names, base + start, dist[j], u, v, c)
            if j == slot_c:
                comment = HOSTILE_COMMENTS[k % len(HOSTILE_COMMENTS)]
            if kind == ROLLBACK:
                tags.append("mw-rollback")
            elif kind in (REVERT, WAR_REVERT):
                tags.append("mw-undo" if dist[j] == 2 and v < 0.7 else "mw-manual-revert")
                if v > 0.85:
                    tags.append("twinkle")
            if human and kind not in (ROLLBACK,):
                tags.extend(_INTERFACE[int(c * 1000) % len(_INTERFACE)])
            elif name == "Yobot":
                tags.append("AWB")
            # Revision deletion (rare; vandalism most often).
            hidden = 0
            if j not in (slot_c, slot_u):
                h, ph = rand(), (0.04 if kind == VANDAL else 0.0013)
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
        return Block(rows, times, reverted_by, keys, plan)

    def _comment(
        self,
        kind: int,
        j: int,
        name: str,
        names: list[str],
        base: int,
        d: int,
        u: float,
        v: float,
        c: float,
    ) -> str:
        """The edit summary, in the words MediaWiki, ClueBot NG and Twinkle use."""
        if kind == CREATE:
            if self.redirect_to is not None:
                return f"Redirected page to [[{self.redirect_to}]]"
            return f"Created page with '{{{{Short description|{self.title}}}}} '''{self.title}'''"
        if kind == ROLLBACK:
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
        if kind in (REVERT, WAR_REVERT):
            who = names[j - 1]
            reason = _REASONS[int(v * 1000) % len(_REASONS)]
            if d == 2:
                return (
                    f"Undid revision {base + j} by [[Special:Contributions/{who}|{who}]] "
                    f"([[User talk:{who}|talk]]) {reason}"
                ).rstrip()
            restored = f"Restored revision {base + j - d + 1} by {names[j - d]}"
            return f"{restored}: {reason}" if reason else restored
        if kind == VANDAL:
            return "" if c < 0.5 else _VANDAL_SAYS[int(c * 1000) % len(_VANDAL_SAYS)]
        if name in editors.BOTS:
            return editors.BOTS[name]
        if kind == WAR_EDIT:
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


def _side(step: int, editors: int) -> int:
    """Who makes a war's `step`-th edit: A, B, A, B… or A, B, A, C, A, B…, so every
    revert is undone by the editor it undid (a war is editors reverting each other)."""
    if step % 2 == 0:
        return 0
    return 1 if editors == 2 else 1 + (step // 2) % 2


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


def _sha1(seed: int, ckey: tuple[int, int, int], redirect_to: str | None) -> str:
    key, size, kind = ckey
    if size == 0:
        return EMPTY_SHA1
    if kind == content.REDIRECT:
        return hashlib.sha1(content.redirect_text(redirect_to or "").encode()).hexdigest()
    return hashlib.sha1(b"%d:%d:%d" % (seed, key, size)).hexdigest()
