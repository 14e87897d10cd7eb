"""The pieces of turning API revisions into rows, on their own."""

from __future__ import annotations

from calendar import timegm

import pytest

from wikivice.revisions import REVERT_WINDOW, RevertWindow, _chunks, parse_timestamp


@pytest.mark.parametrize("count", [0, 1, 7, 499, 500, 501, 1000, 1337])
def test_chunks_cover_every_row_once_with_few_sizes(count: int) -> None:
    pieces = list(_chunks(count))
    assert sum(size for _, size in pieces) == count
    assert [start for start, _ in pieces] == [
        sum(size for _, size in pieces[:n]) for n in range(len(pieces))
    ]
    assert all(size == 500 or size & (size - 1) == 0 for _, size in pieces)


def test_parse_timestamp_matches_the_calendar() -> None:
    for text in ("2001-01-15T00:00:00Z", "2023-11-24T18:05:57Z", "2024-02-29T23:59:59Z"):
        parsed = timegm((int(text[:4]), int(text[5:7]), int(text[8:10]),
                         int(text[11:13]), int(text[14:16]), int(text[17:19])))  # fmt: skip
        assert parse_timestamp(text) == parsed


def test_revert_window_finds_the_nearest_identity_revert() -> None:
    window = RevertWindow([(1, "a"), (2, "b"), (3, "c")])
    assert window.undone_by("a") == [2, 3]  # back to revision 1: 2 and 3 are undone
    assert window.undone_by("c") == []  # same as the previous one: a null edit
    assert window.undone_by("zzz") == []


def test_revert_window_forgets_what_left_it() -> None:
    window = RevertWindow([])
    window.push(1, "old")
    for revid in range(2, REVERT_WINDOW + 2):
        window.push(revid, f"x{revid}")
    assert window.undone_by("old") == []  # 16 revisions back: out of reach
    assert len(window.last_at) == REVERT_WINDOW


def test_revert_window_ignores_hidden_content() -> None:
    window = RevertWindow([(1, None), (2, "b")])
    assert window.undone_by("b") == []
    window.push(3, None)
    assert window.undone_by("b") == [3]
