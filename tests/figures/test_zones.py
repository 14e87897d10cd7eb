"""The heatmap in a reader's time zone (figures/zones.py): each edit on the weekday and
hour the zone's clocks showed then, daylight saving time and half-hour zones included."""

from __future__ import annotations

import pytest

from factories import History
from wikivice.figures import timeline, zones
from wikivice.store.database import Database


def cells(grid: list[list[int]]) -> dict[tuple[int, int], int]:
    return {(d, h): n for d, row in enumerate(grid) for h, n in enumerate(row) if n}


def stored(db: Database) -> int:
    h = History("Clocks")
    h.edit("Alice", "2020-01-01T12:00:00Z", 100)  # Wednesday; Paris in winter: 13:00
    h.edit("Alice", "2020-07-01T12:00:00Z", 200)  # Wednesday; Paris in summer: 14:00
    h.edit("Bob", "2020-01-01T10:45:00Z", 300)  # Kolkata (+5:30): 16:15
    h.edit("Bob", "2020-01-05T23:30:00Z", 400)  # Sunday 23:30 UTC: Tokyo's Monday 08:30
    return h.store(db)


def test_paris_keeps_summer_and_winter_time_apart(db: Database) -> None:
    page = stored(db)
    with db.read() as conn:
        paris = zones.heatmap_in(conn, page, zones.zone_named("Europe/Paris"))
    assert cells(paris["edits"]) == {(2, 13): 1, (2, 14): 1, (2, 11): 1, (0, 0): 1}


def test_half_hour_and_next_day_zones(db: Database) -> None:
    page = stored(db)
    with db.read() as conn:
        kolkata = zones.heatmap_in(conn, page, zones.zone_named("Asia/Kolkata"))
        tokyo = zones.heatmap_in(conn, page, zones.zone_named("Asia/Tokyo"))
    assert cells(kolkata["edits"])[(2, 16)] == 1  # 10:45 UTC is 16:15, not 15:xx
    assert cells(tokyo["edits"])[(0, 8)] == 1  # Sunday night in UTC is Monday in Tokyo
    assert sum(map(sum, tokyo["edits"])) == 4


def test_utc_is_the_dashboard_s_own_heatmap(db: Database) -> None:
    page = stored(db)
    with db.read() as conn:
        assert zones.heatmap_in(conn, page, zones.zone_named("UTC")) == timeline.heatmap(conn, page)


@pytest.mark.parametrize(
    "name",
    ["", "Mars/Olympus", "../../etc/passwd", "/etc/localtime", "Europe/Paris\x00", "x" * 100],
)
def test_anything_but_a_zone_name_is_refused(name: str) -> None:
    with pytest.raises(zones.UnknownZone):
        zones.zone_named(name)
