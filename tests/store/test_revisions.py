"""The pieces of turning API revisions into rows, on their own."""

from __future__ import annotations

import pytest

from wikivice.store.bulk import chunks as _chunks
from wikivice.store.revisions import _PRUNE_EVERY, REVERT_WINDOW, RevertWindow


@pytest.mark.parametrize("count", [0, 1, 7, 499, 500, 501, 1000, 1337])
def test_chunks_cover_every_row_once_with_few_sizes(count: int) -> None:
    pieces = list(_chunks(count))
    assert sum(size for _, size in pieces) == count
    assert [start for start, _ in pieces] == [
        sum(size for _, size in pieces[:n]) for n in range(len(pieces))
    ]
    assert all(size == 500 or size & (size - 1) == 0 for _, size in pieces)


def test_revert_window_finds_the_nearest_identity_revert() -> None:
    window = RevertWindow([(1, "a"), (2, "b"), (3, "c")])
    assert window.step(4, "a") == (2, 3)  # back to revision 1: 2 and 3 are undone
    assert window.step(5, "a") == ()  # same as the previous one: a null edit
    assert window.step(6, "zzz") == ()
    assert window.step(7, "c") == (4, 5, 6)  # back to revision 3
    window = RevertWindow([(1, "a"), (2, "b"), (3, "a"), (4, "c")])
    assert window.step(5, "a") == (4,)  # the nearest earlier "a" (3), not the first


def test_revert_window_forgets_what_left_it() -> None:
    window = RevertWindow([])
    window.step(1, "old")
    for revid in range(2, REVERT_WINDOW + 2):
        window.step(revid, f"x{revid}")
    assert window.step(REVERT_WINDOW + 2, "old") == ()  # 16 revisions back: out of reach
    for revid in range(100, 100 + 3 * _PRUNE_EVERY):
        window.step(revid, f"y{revid}")
    assert len(window.last_at) <= _PRUNE_EVERY + REVERT_WINDOW  # memory stays bounded
    last = 99 + 3 * _PRUNE_EVERY
    assert window.step(1, f"y{last - 2}") == (last - 1, last)  # still finds recent ones


def test_revert_window_ignores_hidden_content() -> None:
    window = RevertWindow([(1, None), (2, "b")])
    assert window.step(3, None) == ()
    assert window.step(4, "b") == (3,)
