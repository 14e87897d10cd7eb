"""How many revisions a history holds, and how long the rest of its fetch will take, while
it is being fetched (issue 11: a bar that tells the truth at any size).

The REST API counts edits only up to 30,000, and some wikis have no REST API at all, so
past that the total is estimated from what the walk has seen: its timestamps and the edit
rate they show. Pages are not edited at an even rate (a burst of growth, a long tail,
news spikes), so the rest of the history is not extrapolated from the average rate so
far but integrated over the time span still to walk, with a rate that changes
exponentially (interest of pages grows and fades by factors, not by steps) from the rate at
the walk's front (over the last half of the span walked) to the rate at the far end of
the history (its newest 2,000 edits: four cheap requests, timestamps only). Checked over
the simulator's bursty histories (tests/jobs/test_estimate.py, bench/progress.py): the
arithmetic mean of the two rates, or a far sample of 500, overshot `Synthetic 300000`'s
rest by 35-40% at half way.

The ETA is the requests still to send (revisions left / revisions per request) over the
rate at which requests were answered lately: a slower or faster wiki changes it at once.

Pure: no clock, no database, no wiki; the job's listener feeds it (`jobs.runner`).
"""

from __future__ import annotations

import bisect
import math
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

RATE_WINDOW = 10.0  # seconds of recent batches the request rate is measured over
MIN_BATCHES = 3  # batches walked before an estimate is given (one is too noisy)
# A resumed walk shows the estimate of the walk before until it has walked this many
# batches of its own: a few batches' span says less than the whole walk before did.
RESUMED_MIN_BATCHES = 10


@dataclass(frozen=True)
class Estimate:
    """What a progress bar shows: `total` revisions in all (None: no idea yet), whether
    that is an `estimated` figure rather than a count, revisions per second lately and the
    seconds left (`eta`), when known."""

    total: int | None
    estimated: bool
    rate: float | None
    eta: float | None


class ProgressEstimator:
    """Estimates a history's size and the fetch's ETA from what a job has seen.

    The walk goes from old to new (`toward_newer`) or the other way. Feed it `counted`
    (the wiki's count), `far_end` (times of the revisions at the other end of the
    history) and `walked` (each batch of the walk as it arrives), then ask `estimate`. A
    resumed job's walk starts where the stored history ends: what it stored before
    counts through the `done` given to `estimate`, and the total it was last shown
    (`prior`) is shown again until the new walk has its own."""

    def __init__(self, *, toward_newer: bool = True, prior: int | None = None) -> None:
        self.sign = 1 if toward_newer else -1
        self.prior = prior  # a resumed job's estimate from before (None: none)
        self.count: int | None = None
        self.capped = False
        self.far_edge: int | None = None  # timestamp where the history ends, walking on
        self.far_rate: float | None = None  # edits per second near that end
        self.origin: int | None = None  # the first timestamp of this walk
        # The walk so far: how far it reached (seconds past origin) and revisions seen.
        self.reach: list[float] = [0.0]
        self.seen: list[int] = [0]
        self.batches: deque[tuple[float, int, int]] = deque()  # (at, batches, revisions)
        self.batch_count = 0

    def counted(self, count: int | None, capped: bool) -> None:
        """The wiki's count (None: it has none); `capped`: it stops counting there."""
        self.count, self.capped = count, capped

    def far_end(self, timestamps: Sequence[int]) -> None:
        """Timestamps (seconds) of the revisions at the far end of the history: the
        newest ones when walking toward newer. Two or more give the rate there."""
        if not timestamps:
            return
        self.far_edge = max(timestamps) if self.sign > 0 else min(timestamps)
        span = max(timestamps) - min(timestamps)
        if len(timestamps) > 1 and span > 0:
            self.far_rate = (len(timestamps) - 1) / span

    def walked(self, at: float, count: int, first: int | None, last: int | None) -> None:
        """A batch of the walk arrived at `at` (monotonic seconds): `count` revisions,
        the first and last of them at these times (epoch seconds; None: not known)."""
        self.batch_count += 1
        self.batches.append((at, self.batch_count, self.seen[-1] + count))
        while len(self.batches) > 2 and at - self.batches[1][0] > RATE_WINDOW:
            self.batches.popleft()
        if first is None or last is None:
            self.seen[-1] += count
            return
        if self.origin is None:
            self.origin = first
        self.reach.append(max(self.reach[-1], (last - self.origin) * self.sign))
        self.seen.append(self.seen[-1] + count)

    def estimate(self, done: int) -> Estimate:
        """The total and ETA to show once `done` revisions are stored."""
        total, estimated = self._total(done)
        rate, per_second = self._rates()
        eta = None
        floor = self.capped and not estimated  # no time left can be said from a floor
        if total is not None and per_second and not floor:
            fetched = max(done, self.seen[-1])
            per_request = self.seen[-1] / self.batch_count if self.batch_count else 0
            if per_request > 0:
                requests_left = math.ceil(max(total - fetched, 0) / per_request)
                eta = requests_left / per_second
        return Estimate(total, estimated, rate, eta)

    def _total(self, done: int) -> tuple[int | None, bool]:
        if self.count is not None and not self.capped:
            return max(self.count, done), False
        left = self._left()
        floor = max(done, self.count or 0)
        if self.prior is not None and (left is None or self.batch_count < RESUMED_MIN_BATCHES):
            return max(self.prior, floor), True
        if left is None:  # at least the capped count, or nothing to say yet
            return (floor if self.count is not None else None), False
        fetched = max(done, self.seen[-1])
        return max(_about(fetched + left), floor), True

    def _left(self) -> float | None:
        """Revisions beyond those walked; None if it cannot say yet."""
        if self.far_edge is None or self.origin is None or len(self.reach) <= MIN_BATCHES:
            return None
        front = self.reach[-1]
        if front <= 0:
            return None
        half = front / 2
        # Revisions seen in the last half of the span walked (interpolated between batches).
        i = bisect.bisect_left(self.reach, half)
        lo_reach, hi_reach = self.reach[max(i - 1, 0)], self.reach[i]
        lo_seen, hi_seen = self.seen[max(i - 1, 0)], self.seen[i]
        part = (half - lo_reach) / (hi_reach - lo_reach) if hi_reach > lo_reach else 1.0
        at_half = lo_seen + part * (hi_seen - lo_seen)
        front_rate = (self.seen[-1] - at_half) / half
        far_rate = self.far_rate if self.far_rate is not None else front_rate
        span_left = max((self.far_edge - self.origin) * self.sign - front, 0.0)
        return span_left * _log_mean(front_rate, far_rate)

    def _rates(self) -> tuple[float | None, float | None]:
        """Revisions and requests per second over the recent window."""
        if len(self.batches) < 2:
            return None, None
        (t0, b0, r0), (t1, b1, r1) = self.batches[0], self.batches[-1]
        if t1 <= t0:
            return None, None
        return (r1 - r0) / (t1 - t0), (b1 - b0) / (t1 - t0)


def _about(n: float) -> int:
    """An estimate to three significant figures: "about 266,000", not "about 266,076"."""
    if n < 1000:
        return round(n)
    scale = int(10 ** (len(str(int(n))) - 3))
    return round(n / scale) * scale


def _log_mean(a: float, b: float) -> float:
    """The mean of a rate going exponentially from `a` to `b` over a span."""
    if a <= 0 or b <= 0:
        return (a + b) / 2
    if math.isclose(a, b, rel_tol=1e-9):
        return a
    return (a - b) / math.log(a / b)
