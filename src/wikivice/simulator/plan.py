"""A block's plan: what kind of edit each of its `BLOCK` positions is, and when it happens.

The kinds (`CREATE`, `NORMAL`, `VANDAL`, `ROLLBACK`, `REVERT`, `WAR_EDIT`, `WAR_REVERT`)
follow the page's `Profile`: an edit war in some blocks (2-3 editors undoing each other),
IP vandalism rolled back within the block, reverts to a revision 2..15 back, and two
positions kept free for the block's hostile user name and edit summary. Times spread the
block's revisions between its start and end on the page's timeline, with the minutes
of a rollback or an edit war fixed. Both draw from the block's own random stream, kinds
first, so a block never depends on another; blocks.py then fills in the rows.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from .timeline import Timeline, real

__all__ = [
    "BLOCK",
    "CREATE",
    "NORMAL",
    "REVERT",
    "ROLLBACK",
    "VANDAL",
    "WAR_EDIT",
    "WAR_REVERT",
    "Profile",
    "hostile_slots",
    "plan_kinds",
    "plan_times",
]

BLOCK = 64
CREATE, NORMAL, VANDAL, ROLLBACK, REVERT, WAR_EDIT, WAR_REVERT = range(7)


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


def hostile_slots(k: int) -> tuple[int, int]:
    """Where block `k` puts its hostile edit summary and its hostile user name: both
    below position 52, so the 8th block of a 500-revision page still has them."""
    return 5 + (k * 11) % 40, 9 + (k * 13) % 36


def plan_kinds(k: int, rng: random.Random, p: Profile) -> tuple[list[int], list[int]]:
    """Each position's kind and, for reverts, how far back it restores."""
    plan, dist = [NORMAL] * BLOCK, [0] * BLOCK
    reserved = set(hostile_slots(k))
    if k == 0:
        plan[0] = CREATE
    if rng.random() < p.war:
        j0 = rng.randrange(2, BLOCK - 8)
        end = j0 + rng.randrange(6, min(24, BLOCK - j0) + 1)
        if not any(j0 <= r < end for r in reserved):
            plan[j0] = WAR_EDIT
            for j in range(j0 + 1, end):
                plan[j], dist[j] = WAR_REVERT, 2
    j = 1 if k == 0 else 0
    while j < BLOCK:
        if plan[j] != NORMAL or j in reserved:
            j += 1
            continue
        u = rng.random()
        if u < p.vandal and j >= 1:  # the rollback restores j - 1, in this block
            end = j + (2 if rng.random() < 0.2 else 1)  # where the rollback lands
            span = range(j, end + 1)
            if end < BLOCK and all(plan[x] == NORMAL and x not in reserved for x in span):
                for x in range(j, end):
                    plan[x] = VANDAL
                plan[end], dist[end] = ROLLBACK, end - j + 1
                j = end + 1
                continue
        elif u < p.vandal + p.revert and j >= 2:
            d = rng.randint(2, min(15, j))
            if plan[j - d] != VANDAL:  # patrollers restore a good version
                plan[j], dist[j] = REVERT, d
        j += 1
    return plan, dist


def plan_times(
    k: int,
    plan: list[int],
    rng: random.Random,
    grown: list[int],
    base_count: int,
    timeline: Timeline,
) -> list[int]:
    """Unix seconds of the block's revisions: weighted gaps between the block's
    start and end on the timeline, fixed short gaps for rollbacks and edit wars.
    Positions past the page's `base_count` take the `grown` timestamps."""
    start = k * BLOCK
    n_base = max(0, min(BLOCK, base_count - start))
    times: list[int] = []
    if n_base:
        a_start = timeline.at(start)
        span = timeline.at(start + n_base) - a_start
        rel, fixed = [], []
        for j in range(n_base + 1):  # the gap before each revision, then a trailing one
            kind = plan[j] if j < n_base else NORMAL
            if j == 0 and k == 0:
                rel.append(0.0)
                fixed.append(0.0)
            elif kind in (ROLLBACK, WAR_REVERT, WAR_EDIT):
                rel.append(0.0)
                fixed.append(rng.uniform(20, 240) if kind == ROLLBACK else rng.uniform(60, 1500))
            else:
                rel.append(math.exp(rng.gauss(0, 1.3)) * (0.3 if kind == REVERT else 1.0))
                fixed.append(0.0)
        total_fixed = sum(fixed)
        squeeze = 1.0 if total_fixed <= span * 0.5 else span * 0.5 / total_fixed
        unit = (span - total_fixed * squeeze) / (sum(rel) or 1.0)
        acc = a_start
        for j in range(n_base):
            acc += fixed[j] * squeeze + rel[j] * unit
            times.append(int(real(acc)))
        for j in range(1, n_base):  # float round-off must never reorder
            if times[j] < times[j - 1]:
                times[j] = times[j - 1]
    filler = grown[-1] if grown else (times[-1] if times else 0)
    for j in range(n_base, BLOCK):  # grown positions, or placeholders never served
        g = start + j - base_count
        times.append(grown[g] if g < len(grown) else filler)
    return times
