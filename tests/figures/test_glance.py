"""The at-a-glance figures (figures/glance.py) on the hand-made histories of
factories.py, value by value, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import Connection

from factories import History, computed, epoch, example
from wikivice.figures import authorship
from wikivice.figures.glance import RECENT, activity_label, basic_figures, recent_edits
from wikivice.figures.page import page_figures
from wikivice.figures.types import GlanceFigures
from wikivice.store.database import Database

NOW = epoch("2021-06-01T12:00:00Z")
REV = 10_000_000  # the example's first revid (page 1)


def glance_of(db: Database, history: History, now: float = NOW) -> GlanceFigures:
    def glance(conn: Connection, page_id: int) -> GlanceFigures:
        return basic_figures(conn, page_id, now)

    return computed(db, history, glance)


def test_basic_figures_example_counts(db: Database) -> None:
    f = glance_of(db, example())
    expected = {
        "edits": 10,
        "editors": 6,
        "ip_edits": 2,
        "ip_share": 0.2,
        "ip_editors": 2,
        "ip_editor_share": 0.333333,
        "temp_edits": 1,
        "temp_share": 0.1,
        "temp_editors": 1,
        "temp_editor_share": 0.166667,
        "anonymous_edits": 3,
        "anonymous_share": 0.3,
        "anonymous_editors": 3,
        "anonymous_editor_share": 0.5,
        "bot_edits": 1,
        "bot_share": 0.1,
        "bot_editors": 1,
        "bot_editor_share": 0.166667,
        "minor_edits": 2,
        "minor_share": 0.2,
        "hidden_user_edits": 1,
        "reverts": 2,
        "reverted_edits": 2,
        "revert_rate": 0.2,
        "current_size": 500,
    }
    assert {key: f[key] for key in expected} == expected


def test_basic_figures_example_first_and_last_edit(db: Database) -> None:
    f = glance_of(db, example())
    assert f["first_edit"] == {
        "revid": REV,
        "timestamp": "2020-01-01T00:00:00Z",
        "ts": epoch("2020-01-01T00:00:00Z"),
        "user": "Alice",
        "kind": "user",
        "size": 100,
    }
    assert f["last_edit"] == {
        "revid": REV + 9,
        "timestamp": "2021-06-01T00:00:00Z",
        "ts": epoch("2021-06-01T00:00:00Z"),
        "user": "Alice",
        "kind": "user",
        "size": 500,
    }


def test_basic_figures_example_intervals(db: Database) -> None:
    f = glance_of(db, example())
    span = epoch("2021-06-01T00:00:00Z") - epoch("2020-01-01T00:00:00Z")
    assert f["mean_interval"] == round(span / 9, 1) == 4_963_200.0
    # Gaps: 1 h, 6 h, 18 h, 1 d, 1 d, 28 d 11 h, 29 d 12 h, 151 d, 305 d: the 5th is 1 day.
    assert f["median_interval"] == 86400
    assert f["activity"] == "edited every 2 months"  # 57.4 days


def test_basic_figures_median_of_even_number_of_gaps(db: Database) -> None:
    h = History()
    for at in (0, 10, 40, 100, 200):  # gaps 10, 30, 60, 100: median (30 + 60) / 2
        h.edit("Alice", 1_600_000_000 + at, 10 + at)
    assert glance_of(db, h)["median_interval"] == 45


def test_basic_figures_recent_edits_relative_to_now(db: Database) -> None:
    page_id = example().store(db)
    with db.read() as conn:
        f = basic_figures(conn, page_id, NOW)
        later = basic_figures(conn, page_id, epoch("2021-06-09T00:00:00Z"))
    assert f["recent_edits"] == {"day": 1, "week": 1, "month": 1, "year": 2}
    assert later["recent_edits"] == {"day": 0, "week": 0, "month": 1, "year": 2}


def test_recent_edits_windows_end_at_now(db: Database) -> None:
    h = History()
    h.edit("Old", NOW - RECENT["year"], 10)  # on the year's edge: out
    for name, seconds in reversed(RECENT.items()):  # one edit just inside each window
        h.edit(name, NOW - seconds + 1, 10)
    h.edit("Late", NOW + 1, 10)  # after now: in no window

    def recent(conn: Connection, page_id: int) -> dict[str, int]:
        return dict(recent_edits(conn, page_id, NOW))

    assert computed(db, h, recent) == {"day": 1, "week": 2, "month": 3, "year": 4}


def test_basic_figures_largest_addition_and_removal(db: Database) -> None:
    f = glance_of(db, example())
    # Not the +350 of Alice's revert, nor the −350 it undid, nor Bob's −50 revert.
    assert f["largest_addition"] == {
        "revid": REV + 3,
        "delta": 300,
        "timestamp": "2020-01-03T00:00:00Z",
        "user": "Alice",
        "kind": "user",
    }
    assert f["largest_removal"] is None


def test_largest_addition_is_no_rollback_of_a_blanking(db: Database) -> None:
    h = History()
    h.edit("Alice", "2020-01-01T00:00:00Z", 113_886)
    h.edit("Bob", "2020-01-02T00:00:00Z", 114_886)  # +1,000
    h.edit("Carol", "2020-01-03T00:00:00Z", 113_886)  # −1,000
    h.edit("192.0.2.1", "2020-01-04T00:00:00Z", 0, tags=("mw-blank",))  # −113,886
    h.edit("Dave", "2020-01-04T00:02:00Z", tags=("mw-rollback",), reverts=1)  # +113,886
    # A flood, undone by an undo known by its tag: MediaWiki tags the flood mw-reverted.
    h.edit("198.51.100.1", "2020-01-05T00:00:00Z", 900_000, tags=("mw-reverted",))
    h.edit("ClueBot", "2020-01-05T00:01:00Z", 113_886, tags=("mw-undo",))
    f = glance_of(db, h)
    addition, removal = f["largest_addition"], f["largest_removal"]
    assert addition is not None and removal is not None
    assert (addition["user"], addition["delta"]) == ("Bob", 1000)
    assert (removal["user"], removal["delta"]) == ("Carol", -1000)


def test_basic_figures_largest_addition_ties_go_to_the_earliest(db: Database) -> None:
    h = History()
    h.edit("Alice", "2020-01-01T00:00:00Z", 5000)  # the creation is not an addition
    h.edit("Bob", "2020-01-02T00:00:00Z", 5100)
    h.edit("Carol", "2020-01-03T00:00:00Z", 5000)
    h.edit("Dave", "2020-01-04T00:00:00Z", 5100)
    h.edit("Erin", "2020-01-05T00:00:00Z", 5000)
    f = glance_of(db, h)
    addition, removal = f["largest_addition"], f["largest_removal"]
    assert addition is not None and removal is not None
    assert (addition["user"], addition["delta"]) == ("Bob", 100)
    assert (removal["user"], removal["delta"]) == ("Carol", -100)


def test_basic_figures_quote_the_concentration(db: Database) -> None:
    page_id = example().store(db)
    with db.read() as conn:
        f = basic_figures(conn, page_id, NOW)
        spread = authorship.concentration(conn, page_id)
    assert (f["top10_share"], f["top10pct_share"], f["gini"]) == (1.0, 0.444444, 0.2778)
    assert (spread["top10_share"], spread["top10pct_share"], spread["gini"]) == (
        f["top10_share"],
        f["top10pct_share"],
        f["gini"],
    )


def test_basic_figures_is_the_at_a_glance_part(db: Database) -> None:
    page_id = example().store(db)
    with db.read() as conn:
        basic = basic_figures(conn, page_id, NOW)
        full = page_figures(conn, page_id, NOW)
    assert basic == {key: full[key] for key in basic}
    assert "timeline" not in basic


@pytest.mark.parametrize(
    ("edits", "mean", "label"),
    [
        (0, None, "never edited"),
        (1, None, "edited once"),
        (2, 0.0, "edited every second"),
        (2, 30.0, "edited every 30 seconds"),
        (2, 90.0, "edited every 2 minutes"),
        (2, 3600.0, "edited every hour"),
        (2, 5040.0, "edited every hour"),
        (2, 10800.0, "edited every 3 hours"),
        (2, 2.4 * 86400, "edited every 2 days"),
        (2, 7 * 86400, "edited every week"),
        (2, 60 * 86400, "edited every 2 months"),
        (2, 3 * 365.25 * 86400, "edited every 3 years"),
    ],
)
def test_activity_label(edits: int, mean: float | None, label: str) -> None:
    assert activity_label(edits, mean) == label
