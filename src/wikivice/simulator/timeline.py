"""Time on the simulated wiki: when a page's revisions happen.

A page's life, from its creation to just before the anchor, is cut into equal
"activity" epochs with random weights (quiet and busy years, news spikes). Revision
position x in [0, n] maps through that cumulative curve to activity time, and activity
time maps to real time through a weekly hour-of-day curve (the UTC rhythm of English
Wikipedia), so busy hours get more edits. Both maps are monotone, so timestamps never
go backwards, and both are O(log 240) to evaluate: no per-revision state is kept.
"""

from __future__ import annotations

import bisect
import math
import random

from .editors import mix

__all__ = ["Timeline", "activity", "real"]

_WEEK = 7 * 86400
_MONDAY = 4 * 86400  # 1970-01-05, a Monday
# Edits per UTC hour on English Wikipedia: a trough at dawn in Europe, a peak when
# Europe and the Americas are both awake; weekends are quieter.
_DAY_SHAPE = [0.55, 0.5, 0.47, 0.45, 0.45, 0.46, 0.5, 0.6, 0.75, 0.88, 0.97, 1.03]
_DAY_SHAPE += [1.1, 1.15, 1.2, 1.25, 1.3, 1.32, 1.3, 1.25, 1.15, 1.0, 0.85, 0.7]
_raw = [w * (0.82 if d >= 5 else 1.0) for d in range(7) for w in _DAY_SHAPE]
_HOUR_W = [w * 168 / sum(_raw) for w in _raw]
_HOUR_CUM = [0.0]
for _w in _HOUR_W:
    _HOUR_CUM.append(_HOUR_CUM[-1] + _w * 3600)


def activity(t: float) -> float:
    weeks, r = divmod(t - _MONDAY, _WEEK)
    h = min(int(r // 3600), 167)
    return weeks * _WEEK + _HOUR_CUM[h] + _HOUR_W[h] * (r - h * 3600)


def real(a: float) -> float:
    weeks, r = divmod(a, _WEEK)
    h = min(max(bisect.bisect_right(_HOUR_CUM, r) - 1, 0), 167)
    return weeks * _WEEK + h * 3600 + (r - _HOUR_CUM[h]) / _HOUR_W[h] + _MONDAY


class Timeline:
    """Cumulative activity over equal epochs: position x in [0, n] -> activity time."""

    def __init__(self, seed: int, n: int, created: int, end: int, *, breaking: bool) -> None:
        self.a0 = activity(created)
        a1 = max(activity(end), self.a0 + 1.0)
        epochs = max(1, min(240, n))
        self.step = (a1 - self.a0) / epochs
        rng = random.Random(mix(seed, "epochs"))
        weights = []
        for e in range(epochs):
            x = (e + 0.5) / epochs
            if breaking:
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
