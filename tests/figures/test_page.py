"""The dashboard's figures on small hand-made histories, checked value by value.

Every test runs on SQLite and PostgreSQL (the `db` fixture). The histories, with a
table of the example's revisions, are in factories.py.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import orjson
import pytest
from sqlalchemy import select, update

from factories import History, epoch, example, war_history
from wikivice.figures import page as stats
from wikivice.figures import timeline
from wikivice.figures.page import activity_label, basic_figures, cached_figures, page_figures
from wikivice.store.database import Database
from wikivice.store.models import Page

NOW = epoch("2021-06-01T12:00:00Z")
REV = 10_000_000  # the example's first revid (page 1)


def figures_of(db: Database, history: History, now: float = NOW) -> dict[str, Any]:
    page_id = history.store(db)
    with db.read() as conn:
        return page_figures(conn, page_id, now)


def test_basic_figures_example_counts(db: Database) -> None:
    f = figures_of(db, example())
    expected = {
        "edits": 10,
        "editors": 6,
        "ip_edits": 2,
        "ip_share": 0.2,
        "ip_editors": 2,
        "ip_editor_share": 0.3333,
        "temp_edits": 1,
        "temp_share": 0.1,
        "temp_editors": 1,
        "temp_editor_share": 0.1667,
        "anonymous_edits": 3,
        "anonymous_share": 0.3,
        "anonymous_editors": 3,
        "anonymous_editor_share": 0.5,
        "bot_edits": 1,
        "bot_share": 0.1,
        "bot_editors": 1,
        "bot_editor_share": 0.1667,
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
    f = figures_of(db, example())
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
    f = figures_of(db, example())
    span = epoch("2021-06-01T00:00:00Z") - epoch("2020-01-01T00:00:00Z")
    assert f["mean_interval"] == round(span / 9, 1) == 4_963_200.0
    # Gaps: 1 h, 6 h, 18 h, 1 d, 1 d, 28 d 11 h, 29 d 12 h, 151 d, 305 d: the 5th is 1 day.
    assert f["median_interval"] == 86400
    assert f["activity"] == "edited every 2 months"  # 57.4 days


def test_basic_figures_median_of_even_number_of_gaps(db: Database) -> None:
    h = History()
    for at in (0, 10, 40, 100, 200):  # gaps 10, 30, 60, 100: median (30 + 60) / 2
        h.edit("Alice", 1_600_000_000 + at, 10 + at)
    assert figures_of(db, h)["median_interval"] == 45


def test_basic_figures_recent_edits_relative_to_now(db: Database) -> None:
    page_id = example().store(db)
    with db.read() as conn:
        f = page_figures(conn, page_id, NOW)
        later = basic_figures(conn, page_id, epoch("2021-06-09T00:00:00Z"))
    assert f["recent_edits"] == {"day": 1, "week": 1, "month": 1, "year": 2}
    assert f["now"] == "2021-06-01T12:00:00Z"
    assert later["recent_edits"] == {"day": 0, "week": 0, "month": 1, "year": 2}


def test_basic_figures_largest_addition_and_removal(db: Database) -> None:
    f = figures_of(db, example())
    assert f["largest_addition"] == {
        "revid": REV + 5,
        "delta": 350,
        "timestamp": "2020-02-01T13:00:00Z",
        "user": "Alice",
        "kind": "user",
    }
    assert f["largest_removal"] == {
        "revid": REV + 4,
        "delta": -350,
        "timestamp": "2020-02-01T12:00:00Z",
        "user": "~2025-00001-01",
        "kind": "temp",
    }


def test_basic_figures_largest_addition_ties_go_to_the_earliest(db: Database) -> None:
    h = History()
    h.edit("Alice", "2020-01-01T00:00:00Z", 5000)  # the creation is not an addition
    h.edit("Bob", "2020-01-02T00:00:00Z", 5100)
    h.edit("Carol", "2020-01-03T00:00:00Z", 5000)
    h.edit("Dave", "2020-01-04T00:00:00Z", 5100)
    h.edit("Erin", "2020-01-05T00:00:00Z", 5000)
    f = figures_of(db, h)
    assert (f["largest_addition"]["user"], f["largest_addition"]["delta"]) == ("Bob", 100)
    assert (f["largest_removal"]["user"], f["largest_removal"]["delta"]) == ("Carol", -100)


def test_basic_figures_concentration(db: Database) -> None:
    f = figures_of(db, example())
    # Attributed edits: Alice 4, five others 1 each (the hidden user's edit is nobody's).
    assert f["top10_share"] == 1.0
    assert f["top10pct_share"] == 0.4444  # one editor (Alice): 4 of 9
    assert f["gini"] == 0.2778  # 2·39 / (6·9) − 7/6
    assert f["concentration"]["lorenz"] == {
        "editors": [0.0, 0.1667, 0.3333, 0.5, 0.6667, 0.8333, 1.0],
        "edits": [0.0, 0.1111, 0.2222, 0.3333, 0.4444, 0.5556, 1.0],
    }


def test_concentration_has_at_most_101_points_and_equal_editors_have_gini_0(
    db: Database,
) -> None:
    h = History()
    for i in range(250):
        h.edit(f"Editor {i}", 1_600_000_000 + i * 60, i)
    f = figures_of(db, h)
    lorenz = f["concentration"]["lorenz"]
    assert len(lorenz["editors"]) == len(lorenz["edits"]) == 101
    assert lorenz["editors"][:3] == [0.0, 0.008, 0.02]  # ranks 2 and 5 of 250
    assert lorenz["edits"] == lorenz["editors"]  # everyone made one edit
    assert (lorenz["editors"][-1], lorenz["edits"][-1]) == (1.0, 1.0)
    assert f["gini"] == 0.0
    assert f["top10_share"] == 0.04
    assert f["top10pct_share"] == 0.1


def test_concentration_one_editor_with_everything(db: Database) -> None:
    h = History()
    for i in range(99):
        h.edit("Alice", 1_600_000_000 + i, i)
    h.edit("Bob", 1_600_000_100, 1)
    f = figures_of(db, h)
    assert f["gini"] == 0.49  # 2·(1 + 2·99) / (2·100) − 3/2
    assert f["concentration"]["lorenz"] == {"editors": [0.0, 0.5, 1.0], "edits": [0.0, 0.01, 1.0]}


def test_timeline_months_are_dense_and_split_by_kind(db: Database) -> None:
    months = figures_of(db, example())["timeline"]["months"]
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


def test_timeline_days_only_days_with_edits(db: Database) -> None:
    days = figures_of(db, example())["timeline"]["days"]
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
    assert figures_of(db, example())["years"] == [
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
    assert figures_of(db, h)["years"][0]["size"] == 30


def test_size_history_every_revision_when_short(db: Database) -> None:
    size = figures_of(db, example())["size"]
    sizes = [100, 150, 100, 400, 50, 400, 410, 420, 500, 500]
    assert size["size"] == size["min"] == size["max"] == sizes
    assert size["timestamp"][:2] == ["2020-01-01T00:00:00Z", "2020-01-01T06:00:00Z"]
    assert len(size["timestamp"]) == 10
    assert size["bucket_seconds"] is None


def test_size_history_buckets_keep_the_extremes(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(timeline, "MAX_SIZE_POINTS", 4)
    size = figures_of(db, example())["size"]
    # 517 days in 4 buckets of 11,167,201 s: revisions 0–7 | none | 8 | 9.
    assert size == {
        "timestamp": ["2020-03-02T00:00:00Z", "2021-01-01T00:00:00Z", "2021-06-01T00:00:00Z"],
        "size": [420, 500, 500],
        "min": [50, 500, 500],
        "max": [420, 500, 500],
        "bucket_seconds": 11_167_201,
    }


def test_heatmap_weekday_by_hour(db: Database) -> None:
    heat = figures_of(db, example())["heatmap"]
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


def test_top_editors_by_edits_and_bytes(db: Database) -> None:
    top = figures_of(db, example())["top_editors"]
    assert [e["name"] for e in top["by_edits"]] == [
        "Alice",
        "192.0.2.1",  # ties (one edit each) in order of first edit
        "Bob",
        "~2025-00001-01",
        "ExampleBot",
        "198.51.100.2",
    ]
    assert top["by_edits"][0] == {
        "name": "Alice",
        "kind": "user",
        "edits": 4,
        "share": 0.4,
        "minor": 1,
        "added": 400,  # 100 (creation) + 300; +350 was a revert
        "reverted": 0,
        "reverts": 1,
        "first": "2020-01-01T00:00:00Z",
        "last": "2021-06-01T00:00:00Z",
    }
    by_bytes = [(e["name"], e["added"]) for e in top["by_bytes"]]
    assert by_bytes == [
        ("Alice", 400),
        ("198.51.100.2", 80),
        ("ExampleBot", 10),
        ("192.0.2.1", 0),  # its +50 was reverted
        ("Bob", 0),
        ("~2025-00001-01", 0),
    ]


def test_top_editors_limit(db: Database) -> None:
    h = History()
    for i in range(30):
        for j in range(30 - i):
            h.edit(f"Editor {i:02d}", 1_600_000_000 + i * 1000 + j, 10 * (i + j + 1))
    top = figures_of(db, h)["top_editors"]["by_edits"]
    assert len(top) == 20
    assert [e["edits"] for e in top] == list(range(30, 10, -1))


def test_reverts_most_reverted(db: Database) -> None:
    f = figures_of(db, example())
    assert [(e["name"], e["reverted"]) for e in f["conflict"]["most_reverted"]] == [
        ("192.0.2.1", 1),
        ("~2025-00001-01", 1),
    ]
    assert f["conflict"]["edit_wars"] == []  # one revert a day at most
    assert f["conflict"]["war_rule"] == {"reverts_per_day": 3, "editors": 2}


def test_edit_wars_periods_ranked(db: Database) -> None:
    wars = figures_of(db, war_history())["conflict"]["edit_wars"]
    assert [(w["start"], w["end"], w["days"], w["reverts"], w["edits"]) for w in wars] == [
        ("2020-05-01", "2020-05-02", 2, 6, 8),
        ("2020-07-01", "2020-07-01", 1, 3, 4),  # ties: the earlier first
        ("2020-07-03", "2020-07-03", 1, 3, 4),
    ]
    assert wars[0]["participant_count"] == 3
    assert wars[0]["participants"] == [
        {"name": "Alice", "kind": "user", "reverts": 2, "reverted": 3},
        {"name": "Bob", "kind": "user", "reverts": 3, "reverted": 2},
        {"name": "Carol", "kind": "user", "reverts": 1, "reverted": 1},
    ]
    assert [p["name"] for p in wars[1]["participants"]] == ["Hal", "Ida"]


def test_edit_wars_at_most_five(db: Database) -> None:
    h = History("Many wars")
    h.edit("Alice", "2020-07-31T00:00:00Z", 50)
    for day in range(1, 15, 2):  # seven separate days
        at = f"2020-08-{day:02d}T0{{}}:00:00Z"
        h.edit("Alice", at.format(0), 100 + day)
        for i in range(1, 4):
            h.edit("Bob" if i % 2 else "Alice", at.format(i), reverts=1)
    wars = figures_of(db, h)["conflict"]["edit_wars"]
    assert [w["start"] for w in wars] == [f"2020-08-{d:02d}" for d in (1, 3, 5, 7, 9)]


def test_countries_of_anonymous_edits(db: Database) -> None:
    countries = figures_of(db, example())["countries"]
    assert countries == {
        "ip_edits": 2,
        "ip_editors": 2,
        "located_edits": 2,
        "countries": 2,
        "by_country": [
            {"code": "FR", "iso3": "FRA", "name": "France", "edits": 1, "editors": 1,
             "share": 0.5},
            {"code": "US", "iso3": "USA", "name": "United States", "edits": 1, "editors": 1,
             "share": 0.5},
        ],
        "top": countries["by_country"],
    }  # fmt: skip


def test_one_revision(db: Database) -> None:
    h = History("Stub")
    h.edit("Alice", "2020-01-01T00:00:00Z", 42)
    f = figures_of(db, h)
    assert (f["edits"], f["editors"], f["current_size"]) == (1, 1, 42)
    assert f["first_edit"] == f["last_edit"]
    assert (f["mean_interval"], f["median_interval"]) == (None, None)
    assert f["activity"] == "edited once"
    assert (f["largest_addition"], f["largest_removal"]) == (None, None)
    assert (f["gini"], f["top10_share"], f["top10pct_share"]) == (0.0, 1.0, 1.0)
    assert f["concentration"]["lorenz"] == {"editors": [0.0, 1.0], "edits": [0.0, 1.0]}
    assert f["timeline"]["months"]["month"] == ["2020-01"]
    assert f["years"] == [
        {"year": 2020, "edits": 1, "anonymous": 0, "minor": 0, "bots": 0, "reverts": 0, "size": 42}
    ]
    assert f["size"]["size"] == [42]
    assert f["top_editors"]["by_bytes"][0]["added"] == 42
    assert f["conflict"]["edit_wars"] == f["conflict"]["most_reverted"] == []
    assert (f["reverts"], f["revert_rate"]) == (0, 0.0)


def test_no_revisions(db: Database) -> None:
    f = figures_of(db, History("Empty"))
    assert (f["edits"], f["editors"], f["activity"]) == (0, 0, "never edited")
    assert (f["first_edit"], f["last_edit"], f["current_size"]) == (None, None, None)
    assert (f["gini"], f["top10_share"], f["anonymous_share"]) == (None, None, 0.0)
    assert f["timeline"]["months"]["month"] == f["timeline"]["days"]["date"] == []
    assert f["size"]["timestamp"] == f["years"] == []
    assert f["countries"]["by_country"] == []
    orjson.dumps(f)


def test_hidden_users_count_as_edits_not_editors(db: Database) -> None:
    h = History()
    h.edit(None, "2020-01-01T00:00:00Z", 10)
    h.edit("Alice", "2020-01-02T00:00:00Z", 20)
    h.edit(None, "2020-01-03T00:00:00Z", 30)
    f = figures_of(db, h)
    assert (f["edits"], f["editors"], f["hidden_user_edits"]) == (3, 1, 2)
    assert f["first_edit"]["user"] is None and f["first_edit"]["kind"] == "hidden"
    assert [e["name"] for e in f["top_editors"]["by_edits"]] == ["Alice"]
    assert f["top_editors"]["by_edits"][0]["share"] == 0.3333  # of all edits
    assert f["top10_share"] == 1.0  # of the attributed edits
    assert f["timeline"]["months"]["hidden"] == [2]


def test_only_hidden_users(db: Database) -> None:
    h = History()
    h.edit(None, "2020-01-01T00:00:00Z", 10)
    h.edit(None, "2020-01-02T00:00:00Z", 20)
    f = figures_of(db, h)
    assert (f["edits"], f["editors"], f["gini"], f["top10_share"]) == (2, 0, None, None)
    assert f["top_editors"] == {"by_edits": [], "by_bytes": []}
    assert f["concentration"]["lorenz"] == {"editors": [0.0], "edits": [0.0]}


def test_all_anonymous(db: Database) -> None:
    h = History()
    h.edit("203.0.113.1", "2020-01-01T00:00:00Z", 10, country="DE")
    h.edit("203.0.113.2", "2020-01-02T00:00:00Z", 20, country="DE")
    h.edit("2001:DB8:0:0:0:0:0:1", "2020-01-03T00:00:00Z", 30)  # no country known
    h.edit("~2025-00002-02", "2020-01-04T00:00:00Z", 40)
    f = figures_of(db, h)
    assert (f["anonymous_edits"], f["anonymous_share"], f["anonymous_editor_share"]) == (
        4,
        1.0,
        1.0,
    )
    assert (f["ip_edits"], f["temp_edits"], f["bot_edits"]) == (3, 1, 0)
    assert f["timeline"]["months"]["registered"] == [0]
    countries = f["countries"]
    assert (countries["ip_edits"], countries["located_edits"], countries["countries"]) == (3, 2, 1)
    assert countries["top"][0]["share"] == 0.6667


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


def test_bucket_sql_weekday_and_hour_agree_with_python() -> None:
    # 2024-02-29 (a Thursday) 13:05 UTC, spelled as SQLite evaluates it.
    import sqlite3

    ts = epoch("2024-02-29T13:05:00Z")
    sql = ", ".join(
        timeline.bucket("sqlite", unit, str(ts))
        for unit in ("day", "weekday", "hour", "month", "year")
    )
    with sqlite3.connect(":memory:") as conn:
        assert conn.execute(f"SELECT {sql}").fetchone() == (19782, 3, 13, "2024-02", 2024)


def test_page_figures_header_and_json(db: Database) -> None:
    f = figures_of(db, example())
    assert {k: f[k] for k in ("title", "pageid", "wiki", "revisions", "version")} == {
        "title": "Example",
        "pageid": 1,
        "wiki": "en",
        "revisions": 10,
        "version": stats.FIGURES_VERSION,
    }
    assert orjson.loads(orjson.dumps(f)) == f


def test_basic_figures_is_the_at_a_glance_part(db: Database) -> None:
    page_id = example().store(db)
    with db.read() as conn:
        basic = basic_figures(conn, page_id, NOW)
        full = page_figures(conn, page_id, NOW)
    assert basic == {key: full[key] for key in basic}
    assert "timeline" not in basic


def test_cached_figures_round_trip(db: Database) -> None:
    page_id = example().store(db)
    with db.read() as conn:
        assert cached_figures(conn, page_id) is None
    computed = stats.store_figures(db, page_id, NOW)
    with db.read() as conn:
        cached = cached_figures(conn, page_id, NOW)
    assert cached == computed
    with db.read() as conn:
        later = cached_figures(conn, page_id, epoch("2021-06-09T00:00:00Z"))
    assert later is not None
    assert later["recent_edits"] == {"day": 0, "week": 0, "month": 1, "year": 2}
    assert later["now"] == "2021-06-09T00:00:00Z"


def test_cached_figures_of_a_page_without_revisions(db: Database) -> None:
    page_id = History("Empty").store(db)
    stats.store_figures(db, page_id, NOW)
    with db.read() as conn:
        cached = cached_figures(conn, page_id, NOW)
    assert cached is not None and cached["edits"] == 0


def test_cached_figures_miss_when_history_grew(db: Database) -> None:
    page_id = example().store(db)
    stats.store_figures(db, page_id, NOW)
    with db.write() as conn:
        conn.execute(update(Page).where(Page.id == page_id).values(stored_latest_revid=REV + 10))
    with db.read() as conn:
        assert cached_figures(conn, page_id) is None


def test_cached_figures_miss_on_new_version(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    page_id = example().store(db)
    stats.store_figures(db, page_id, NOW)
    monkeypatch.setattr(stats, "FIGURES_VERSION", stats.FIGURES_VERSION + 1)
    with db.read() as conn:
        assert cached_figures(conn, page_id) is None


def test_analyse_caches_and_replaces(db: Database) -> None:
    page_id = example().store(db)
    page = SimpleNamespace(id=page_id)
    stats.analyse(db, page)  # type: ignore[arg-type]
    stats.analyse(db, page)  # type: ignore[arg-type]  # an upsert: no duplicate key
    with db.read() as conn:
        cached = cached_figures(conn, page_id)
        analysed_at = conn.execute(select(Page.analysed_at).where(Page.id == page_id)).scalar()
    assert cached is not None and cached["edits"] == 10
    assert analysed_at is not None
