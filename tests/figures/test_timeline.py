"""A page's history over time (figures/timeline.py) on the hand-made histories of
factories.py, value by value, on SQLite and PostgreSQL."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import Connection

from factories import History, computed, epoch, example
from wikivice.figures import timeline
from wikivice.figures.types import SizeHistory
from wikivice.store.database import Database


def size_of(db: Database, history: History) -> SizeHistory:
    edits = [row["ts"] for row in history.rows]

    def size(conn: Connection, page_id: int) -> SizeHistory:
        return timeline.size_history(conn, page_id, min(edits), max(edits), len(edits))

    return computed(db, history, size)


def test_timeline_months_are_dense_and_split_by_kind(db: Database) -> None:
    months = computed(db, example(), timeline.months)
    assert months["month"][0] == "2020-01"
    assert months["month"][-1] == "2021-06"
    assert len(months["month"]) == 18
    zero = [0] * 9  # 2020-04 … 2020-12
    assert months["edits"] == [4, 2, 2, *zero, 1, 0, 0, 0, 0, 1]
    assert months["registered"] == [3, 1, 0, *zero, 0, 0, 0, 0, 0, 1]
    assert months["ip"] == [1, 0, 0, *zero, 1, 0, 0, 0, 0, 0]
    assert months["temp"] == [0, 1, 0, *zero, 0, 0, 0, 0, 0, 0]
    assert months["anonymous"] == [1, 1, 0, *zero, 1, 0, 0, 0, 0, 0]
    assert months["bot"] == [0, 0, 1, *zero, 0, 0, 0, 0, 0, 0]
    assert months["hidden"] == [0, 0, 1, *zero, 0, 0, 0, 0, 0, 0]
    assert months["minor"] == [1, 0, 1, *zero, 0, 0, 0, 0, 0, 0]
    assert months["reverts"] == [1, 1, 0, *zero, 0, 0, 0, 0, 0, 0]
    assert months["reverted"] == [1, 1, 0, *zero, 0, 0, 0, 0, 0, 0]


def test_timeline_months_of_a_page_without_edits_are_empty_lists(db: Database) -> None:
    months = computed(db, History("Empty"), timeline.months)
    assert months == {key: [] for key in ("month", "anonymous", *timeline.MONTH_SERIES)}


def test_timeline_days_only_days_with_edits(db: Database) -> None:
    days = computed(db, example(), timeline.days)
    assert days == {
        "date": [
            "2020-01-01",
            "2020-01-02",
            "2020-01-03",
            "2020-02-01",
            "2020-03-01",
            "2020-03-02",
            "2021-01-01",
            "2021-06-01",
        ],
        "edits": [2, 1, 1, 2, 1, 1, 1, 1],
    }


def test_years_table(db: Database) -> None:
    assert computed(db, example(), timeline.years) == [
        {
            "year": 2020,
            "edits": 8,
            "anonymous": 2,
            "minor": 2,
            "bots": 1,
            "reverts": 2,
            "size": 420,
        },
        {
            "year": 2021,
            "edits": 2,
            "anonymous": 1,
            "minor": 0,
            "bots": 0,
            "reverts": 0,
            "size": 500,
        },
    ]


def test_years_size_at_year_end_takes_the_last_of_a_second(db: Database) -> None:
    h = History()
    h.edit("Alice", "2020-12-31T23:59:59Z", 10)
    h.edit("Bob", "2020-12-31T23:59:59Z", 30)  # same second: the higher revid is later
    assert computed(db, h, timeline.years)[0]["size"] == 30


def test_size_history_every_revision_when_short(db: Database) -> None:
    size = size_of(db, example())
    sizes = [100, 150, 100, 400, 50, 400, 410, 420, 500, 500]
    assert size["size"] == size["min"] == size["max"] == sizes
    assert size["timestamp"][:2] == ["2020-01-01T00:00:00Z", "2020-01-01T06:00:00Z"]
    assert len(size["timestamp"]) == 10
    assert size["bucket_seconds"] is None


def test_size_history_buckets_keep_the_extremes(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(timeline, "MAX_SIZE_POINTS", 4)
    size = size_of(db, example())
    # 517 days in 4 buckets of 11,167,201 s: revisions 0–7 | none | 8 | 9.
    assert size == {
        "timestamp": ["2020-03-02T00:00:00Z", "2021-01-01T00:00:00Z", "2021-06-01T00:00:00Z"],
        "size": [420, 500, 500],
        "min": [50, 500, 500],
        "max": [420, 500, 500],
        "bucket_seconds": 11_167_201,
    }


def test_size_history_of_a_page_without_edits_is_empty(db: Database) -> None:
    def size(conn: Connection, page_id: int) -> SizeHistory:
        return timeline.size_history(conn, page_id, None, None, 0)

    assert computed(db, History("Empty"), size) == {
        "timestamp": [],
        "size": [],
        "min": [],
        "max": [],
        "bucket_seconds": None,
    }


def test_heatmap_weekday_by_hour(db: Database) -> None:
    heat = computed(db, example(), timeline.heatmap)
    assert heat["weekdays"][0] == "Monday"
    assert heat["hours"] == list(range(24))
    cells = {(wd, hr): n for wd, row in enumerate(heat["edits"]) for hr, n in enumerate(row) if n}
    assert cells == {
        (0, 0): 1,  # Monday 2020-03-02
        (1, 0): 1,  # Tuesday 2021-06-01
        (2, 0): 1,  # Wednesday 2020-01-01
        (2, 6): 1,
        (3, 0): 1,  # Thursday
        (4, 0): 2,  # Fridays 2020-01-03 and 2021-01-01
        (5, 12): 1,  # Saturday 2020-02-01
        (5, 13): 1,
        (6, 0): 1,  # Sunday 2020-03-01
    }


def test_bucket_sql_weekday_and_hour_agree_with_python() -> None:
    # 2024-02-29 (a Thursday) 13:05 UTC, spelled as SQLite evaluates it.
    ts = epoch("2024-02-29T13:05:00Z")
    sql = ", ".join(
        timeline.bucket("sqlite", unit, str(ts))
        for unit in ("day", "weekday", "hour", "month", "year")
    )
    with sqlite3.connect(":memory:") as conn:
        assert conn.execute(f"SELECT {sql}").fetchone() == (19782, 3, 13, "2024-02", 2024)


def test_day_iso_counts_days_from_the_epoch() -> None:
    assert timeline.day_iso(0) == "1970-01-01"
    assert timeline.day_iso(19782) == "2024-02-29"
