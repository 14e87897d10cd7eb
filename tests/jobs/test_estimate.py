"""The progress estimate, fed the simulator's real (bursty, non-uniform) timestamps."""

from __future__ import annotations

from functools import cache

import pytest

from wikivice.jobs.estimate import RATE_WINDOW, RESUMED_MIN_BATCHES, ProgressEstimator
from wikivice.simulator.catalog import Catalog

ANCHOR = 1_780_000_000  # 2026-05-28: any day does (the anchor only shifts the history)
PER_REQUEST = 500
FAR_END = 2_000  # what ingest asks for (`wiki.client.FAR_END_SAMPLE`)
SECONDS_PER_REQUEST = 0.1


@cache
def timestamps(count: int) -> tuple[int, ...]:
    history = Catalog(seed=0, anchor=ANCHOR).page(f"Synthetic {count}")
    assert history is not None
    return tuple(history.timestamp(i) for i in range(count))


def walk_to(times: tuple[int, ...], done: int, *, capped_at: int = 30_000) -> ProgressEstimator:
    """An estimator that saw the count, the far end, and the walk up to `done`."""
    est = ProgressEstimator()
    est.counted(capped_at, True)
    est.far_end(times[-FAR_END:])
    for k, start in enumerate(range(0, done, PER_REQUEST)):
        batch = times[start : min(start + PER_REQUEST, done)]
        est.walked(k * SECONDS_PER_REQUEST, len(batch), batch[0], batch[-1])
    return est


@pytest.mark.parametrize("count", [300_000, 150_000])
@pytest.mark.parametrize("fraction", [0.2, 0.5, 0.8])
def test_total_and_eta_within_30_percent_once_a_fifth_is_fetched(
    count: int, fraction: float
) -> None:
    times = timestamps(count)
    done = int(count * fraction) // PER_REQUEST * PER_REQUEST
    shown = walk_to(times, done).estimate(done)
    assert shown.estimated
    assert shown.total is not None and shown.eta is not None
    assert abs(shown.total / count - 1) <= 0.3
    true_eta = (count - done) / PER_REQUEST * SECONDS_PER_REQUEST
    assert abs(shown.eta / true_eta - 1) <= 0.3


def test_uniform_extrapolation_would_miss_the_bursty_history() -> None:
    """The check has teeth: the average rate so far, carried over the rest of the span,
    is off by more than the margin on the same history."""
    times = timestamps(300_000)
    done = 150_000
    seen_rate = done / (times[done - 1] - times[0])
    uniform = done + seen_rate * (times[-1] - times[done - 1])
    assert abs((uniform - done) / (300_000 - done) - 1) > 0.3


def test_exact_count_is_shown_as_it_is() -> None:
    est = ProgressEstimator()
    est.counted(1_234, False)
    est.walked(0.0, 2, 100, 200)
    shown = est.estimate(2)
    assert (shown.total, shown.estimated) == (1_234, False)


def test_capped_count_before_any_estimate_is_a_floor_not_an_estimate() -> None:
    est = ProgressEstimator()
    est.counted(30_000, True)
    shown = est.estimate(500)
    assert (shown.total, shown.estimated, shown.eta) == (30_000, False, None)
    # Batches walked, still no estimate (the far end not seen yet): a rate, and no time
    # left, which a floor cannot give (the page said "5,000 of at least 30,000 · about
    # 2 s left").
    for k in range(4):
        est.walked(k * SECONDS_PER_REQUEST, PER_REQUEST, None, None)
    shown = est.estimate(2_000)
    assert shown.rate and (shown.total, shown.estimated, shown.eta) == (30_000, False, None)


def test_no_count_and_nothing_walked_says_nothing() -> None:
    shown = ProgressEstimator().estimate(0)
    assert (shown.total, shown.estimated, shown.rate, shown.eta) == (None, False, None, None)


def test_estimate_never_falls_below_what_is_stored_or_the_count() -> None:
    times = timestamps(150_000)
    est = walk_to(times, 149_500)
    shown = est.estimate(149_500)
    assert shown.total is not None and shown.total >= 149_500
    # A far end that the walk has passed leaves nothing to add but keeps the floor.
    est.far_end([times[1_000], times[1_500]])
    assert est.estimate(149_500).total in (149_500, 150_000)  # (rounded: see below)


def test_an_estimate_has_three_significant_figures() -> None:
    times = timestamps(300_000)
    total = walk_to(times, 60_000).estimate(60_000).total
    assert total is not None and total % 1_000 == 0  # "about 266,000", not "about 266,076"


def test_eta_follows_the_recent_request_rate() -> None:
    est = ProgressEstimator()
    est.counted(200_000, False)
    at = 0.0
    for k in range(170):
        at += 1.0 if k < 20 else 0.1  # the wiki got ten times faster
        est.walked(at, 500, k * 500, k * 500 + 499)
    assert at - 20 * 1.0 > RATE_WINDOW  # the slow part is out of the window by now
    shown = est.estimate(85_000)
    assert shown.eta is not None and shown.rate is not None
    assert shown.eta == pytest.approx((200_000 - 85_000) / 500 * 0.1, rel=0.05)
    assert shown.rate == pytest.approx(5_000, rel=0.05)


def test_resumed_walk_adds_what_was_stored_before() -> None:
    times = timestamps(150_000)
    fresh = walk_to(times, 75_000).estimate(75_000).total
    est = ProgressEstimator()  # 30,000 stored before: only `done` says so
    est.counted(30_000, True)
    est.far_end(times[-FAR_END:])
    for k, start in enumerate(range(30_000, 75_000, PER_REQUEST)):
        batch = times[start : start + PER_REQUEST]
        est.walked(k * SECONDS_PER_REQUEST, len(batch), batch[0], batch[-1])
    resumed = est.estimate(75_000).total
    assert fresh is not None and resumed is not None
    assert abs(resumed / 150_000 - 1) <= 0.3


def test_a_resumed_walk_shows_the_estimate_before_until_it_has_its_own() -> None:
    # A reviewer saw "37,000 of at least 37,000" right after Resume: the new walk had
    # no estimate yet, and the wiki's capped count was all it had.
    times = timestamps(150_000)
    est = ProgressEstimator(prior=148_000)
    assert (est.estimate(37_000).total, est.estimate(37_000).estimated) == (148_000, True)
    est.counted(30_000, True)
    est.far_end(times[-FAR_END:])
    starts = range(37_000, 37_000 + RESUMED_MIN_BATCHES * PER_REQUEST, PER_REQUEST)
    for k, start in enumerate(starts):
        batch = times[start : start + PER_REQUEST]
        est.walked(k * SECONDS_PER_REQUEST, len(batch), batch[0], batch[-1])
        done = start + PER_REQUEST
        if k + 1 < RESUMED_MIN_BATCHES:  # a few batches' span: the walk before's figure
            assert est.estimate(done).total == 148_000
    own = est.estimate(done)
    assert own.estimated and own.total is not None and own.total != 148_000
    assert abs(own.total / 150_000 - 1) <= 0.3
    # Never below what is stored, nor the count.
    assert ProgressEstimator(prior=20_000).estimate(37_000).total == 37_000


def test_a_walk_toward_older_edits_estimates_alike() -> None:
    times = timestamps(150_000)
    est = ProgressEstimator(toward_newer=False)
    est.counted(30_000, True)
    est.far_end(times[:FAR_END])
    newest_first = times[::-1]
    for k, start in enumerate(range(0, 60_000, PER_REQUEST)):
        batch = newest_first[start : start + PER_REQUEST]
        est.walked(k * SECONDS_PER_REQUEST, len(batch), batch[0], batch[-1])
    shown = est.estimate(60_000)
    assert shown.estimated and shown.total is not None
    assert abs(shown.total / 150_000 - 1) <= 0.3
