"""store/history.py: a page's history, a keyset page at a time, each filter alone and
together, on SQLite and PostgreSQL (the example history of tests/factories.py)."""

from __future__ import annotations

import pytest

from factories import History, epoch, example
from wikivice.store.database import Database
from wikivice.store.history import (
    Cursor,
    HistoryFilter,
    HistoryPage,
    RevertFilter,
    history_page,
)
from wikivice.store.models import HIDDEN_COMMENT, HIDDEN_SHA1
from wikivice.store.vocabulary import EditorKind


def stored(db: Database) -> tuple[History, int]:
    h = example()
    h.rows[3]["comment"] = "Fix 100% of the typos_ in [[Early life]]"
    h.rows[6]["comment"] = "Bot: fixing 100 dates"
    h.rows[6]["tags"] = '["AWB","mw-manual-revert"]'
    h.rows[6]["is_revert"] = True  # as ingest derives it from the tag
    h.rows[8]["tags"] = '["mobile edit"]'
    h.rows[8]["hidden"] = HIDDEN_COMMENT | HIDDEN_SHA1
    h.rows[8]["comment"] = None
    return h, h.store(db)


def revids(page: HistoryPage) -> list[int]:
    return [r.revid % 100 for r in page.revisions]


def read(
    db: Database, page_id: int, where: HistoryFilter | None = None, **kw: object
) -> HistoryPage:
    with db.read() as conn:
        return history_page(conn, page_id, where or HistoryFilter(), **kw)  # type: ignore[arg-type]


def test_history_is_newest_first_with_every_fact(db: Database) -> None:
    h, page_id = stored(db)
    page = read(db, page_id)
    assert revids(page) == [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]
    assert page.older is None and page.newer is None
    by_index = {r.revid % 100: r for r in page.revisions}
    assert by_index[1].reverted and by_index[1].reverted_by == h.rows[2]["revid"]
    assert by_index[2].is_revert and not by_index[2].reverted
    assert by_index[7].user is None and by_index[7].kind == EditorKind.HIDDEN
    assert by_index[7].user_hidden
    assert by_index[8].comment is None and by_index[8].comment_hidden and by_index[8].text_hidden
    assert by_index[6].tags == ("AWB", "mw-manual-revert") and by_index[6].minor
    assert (by_index[4].delta, by_index[4].size, by_index[4].user) == (-350, 50, "~2025-00001-01")


def test_history_pages_by_keyset_both_ways(db: Database) -> None:
    _, page_id = stored(db)
    first = read(db, page_id, limit=4)
    assert revids(first) == [9, 8, 7, 6] and first.newer is None
    assert first.older == first.revisions[-1].cursor
    second = read(db, page_id, before=first.older, limit=4)
    assert revids(second) == [5, 4, 3, 2]
    assert second.newer == second.revisions[0].cursor
    last = read(db, page_id, before=second.older, limit=4)
    assert revids(last) == [1, 0] and last.older is None
    back = read(db, page_id, after=last.newer, limit=4)
    assert revids(back) == [5, 4, 3, 2]
    assert back.newer is not None and back.older == back.revisions[-1].cursor
    top = read(db, page_id, after=back.newer, limit=4)
    assert revids(top) == [9, 8, 7, 6] and top.newer is None


def test_history_keyset_breaks_ties_of_time_by_revid(db: Database) -> None:
    h = History("Ties")
    for i in range(5):
        h.edit("Alice", "2020-01-01T00:00:00Z", 10 * i)
    page_id = h.store(db)
    first = read(db, page_id, limit=2)
    second = read(db, page_id, before=first.older, limit=2)
    third = read(db, page_id, before=second.older, limit=2)
    assert revids(first) + revids(second) + revids(third) == [4, 3, 2, 1, 0]


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        (HistoryFilter(since=epoch("2020-02-01T00:00:00Z")), [9, 8, 7, 6, 5, 4]),
        (HistoryFilter(until=epoch("2020-01-02T00:00:00Z")), [1, 0]),
        (
            HistoryFilter(since=epoch("2020-01-02T00:00:00Z"), until=epoch("2020-02-01T12:00:01Z")),
            [4, 3, 2],
        ),
        (HistoryFilter(editor="Alice"), [9, 5, 3, 0]),
        (HistoryFilter(editor="alice"), []),
        (HistoryFilter(editor="Nobody"), []),
        (HistoryFilter(kinds=(EditorKind.ANON,)), [8, 1]),
        (HistoryFilter(kinds=(EditorKind.ANON, EditorKind.TEMP)), [8, 4, 1]),
        (HistoryFilter(kinds=(EditorKind.BOT,)), [6]),
        (HistoryFilter(kinds=(EditorKind.HIDDEN,)), [7]),
        (HistoryFilter(kinds=(EditorKind.USER,)), [9, 5, 3, 2, 0]),
        (HistoryFilter(tag="mw-manual-revert"), [6]),
        (HistoryFilter(tag="mobile edit"), [8]),
        (HistoryFilter(tag="mobile"), []),  # a whole tag, not a part of one
        (HistoryFilter(tag="awb"), []),  # its case
        (HistoryFilter(reverts=RevertFilter.REVERTED), [4, 1]),
        (HistoryFilter(reverts=RevertFilter.REVERT), [6, 5, 2]),  # 6: its revert tag
        (HistoryFilter(reverts=RevertFilter.ANY), [6, 5, 4, 2, 1]),
        (HistoryFilter(reverts=RevertFilter.NONE), [9, 8, 7, 3, 0]),
        (HistoryFilter(min_change=50), [8, 5, 3, 1, 0]),
        (HistoryFilter(max_change=0), [9, 4, 2]),
        (HistoryFilter(min_change=-50, max_change=10), [9, 7, 6, 2]),
        (HistoryFilter(text="FIX"), [6, 3]),
        (HistoryFilter(text="100%"), [3]),  # % is itself, not any text
        (HistoryFilter(text="typos_"), [3]),  # and so is _
        (HistoryFilter(text="[[early"), [3]),
        (HistoryFilter(text="edit 1000000"), [9, 7, 5, 4, 2, 1, 0]),
        (HistoryFilter(text="\x00"), []),  # PostgreSQL refuses NUL: nothing, not an error
        (HistoryFilter(editor="Alice", min_change=300), [5, 3]),
        (HistoryFilter(kinds=(EditorKind.USER,), reverts=RevertFilter.REVERT, text="edit"), [5, 2]),
    ],
)
def test_history_filters(db: Database, where: HistoryFilter, expected: list[int]) -> None:
    _, page_id = stored(db)
    assert revids(read(db, page_id, where)) == expected


def test_history_filter_pages_like_the_whole(db: Database) -> None:
    h = History("Many")
    for i in range(30):
        h.edit(
            "Alice" if i % 3 else "192.0.2.1", f"2020-01-{1 + i % 28:02d}T{i % 24:02d}:00:00Z", i
        )
    page_id = h.store(db)
    where = HistoryFilter(kinds=(EditorKind.USER,))
    whole = revids(read(db, page_id, where, limit=500))
    seen: list[int] = []
    cursor: Cursor | None = None
    while True:
        page = read(db, page_id, where, before=cursor, limit=3)
        seen += revids(page)
        if page.older is None:
            break
        cursor = page.older
    assert seen == whole and len(whole) == 20


def test_history_of_another_page_is_not_mixed_in(db: Database) -> None:
    _, page_id = stored(db)
    other = History("Other", pageid=2)
    other.edit("Alice", "2020-01-01T00:00:00Z", 5)
    other.store(db)
    assert len(read(db, page_id, HistoryFilter(editor="Alice")).revisions) == 4


def test_cursor_tokens_round_trip_and_refuse_garbage() -> None:
    cursor = Cursor(1_700_000_000, 12773)
    assert Cursor.parse(cursor.token) == cursor
    for bad in ("", "12", "a-b", "1-", "-1", "1--2", "1-2-3", "9" * 30 + "-1", "１-２"):
        with pytest.raises(ValueError, match="history"):
            Cursor.parse(bad)


def test_history_refuses_before_and_after_together(db: Database) -> None:
    _, page_id = stored(db)
    with pytest.raises(ValueError, match="not both"):
        read(db, page_id, before=Cursor(1, 1), after=Cursor(1, 1))


def walk(
    db: Database, page_id: int, where: HistoryFilter, **kw: object
) -> tuple[list[int], list[HistoryPage]]:
    """Every page older and older from the newest: the revisions in order, and the pages."""
    pages: list[HistoryPage] = []
    cursor: Cursor | None = None
    while True:
        page = read(db, page_id, where, before=cursor, **kw)
        pages.append(page)
        if page.older is None:
            return [r for p in pages for r in revids(p)], pages
        cursor = page.older


def test_a_scanning_filter_reads_a_window_at_a_time_and_misses_nothing(db: Database) -> None:
    _, page_id = stored(db)
    where = HistoryFilter(kinds=(EditorKind.USER,))  # 9, 5, 3, 2, 0
    found, pages = walk(db, page_id, where, limit=2, window=3)
    assert found == [9, 5, 3, 2, 0]
    # The first window (9, 8, 7) holds one match: a short page saying where it stopped.
    assert revids(pages[0]) == [9] and pages[0].searched_to is not None
    assert pages[0].older == pages[0].searched_to and pages[0].searched_to.revid % 100 == 7
    assert all(p.older == p.searched_to for p in pages if p.searched_to is not None)
    # Up again from the bottom: the same revisions, window by window.
    up: list[int] = []
    cursor = pages[-1].revisions[-1].cursor
    up += [0]
    while cursor is not None:
        page = read(db, page_id, where, after=cursor, limit=2, window=3)
        up = revids(page) + up
        cursor = page.newer
    assert up == [9, 5, 3, 2, 0]


def test_a_window_starts_within_the_date_range(db: Database) -> None:
    _, page_id = stored(db)
    where = HistoryFilter(kinds=(EditorKind.USER,), until=epoch("2020-01-03T00:00:01Z"))
    page = read(db, page_id, where, limit=5, window=2)
    assert revids(page) == [3, 2]  # the window is the range's newest two, not the page's
    assert revids(read(db, page_id, where, before=page.older, limit=5, window=2)) == [0]


def test_filters_an_index_serves_read_no_window(db: Database) -> None:
    _, page_id = stored(db)
    page = read(db, page_id, HistoryFilter(editor="Alice"), limit=10, window=1)
    assert revids(page) == [9, 5, 3, 0] and page.searched_to is None
