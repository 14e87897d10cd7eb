"""When people edit, in a time zone of the reader's choosing (the dashboard's heatmap).

The dashboard's own heatmap (`timeline.heatmap`) is UTC: the database counts it. A reader
in Paris or Tokyo wants their own hours, and a shift by today's offset would be wrong for
every edit made under the other side of daylight saving time. So the database counts the
edits per quarter of an hour (every zone's offset, in every year, is a whole number of
quarter hours), and each quarter is placed on the zone's own weekday and hour as it was
then: exact, for any zone, in one pass over the page's rows.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from sqlalchemy import Connection, text

from wikivice.figures.timeline import WEEKDAYS, heatmap
from wikivice.figures.types import Heatmap

QUARTER = 900  # seconds: every UTC offset ever used is a multiple of 15 minutes
MAX_ZONE_CHARS = 64


class UnknownZone(ValueError):
    """Not the name of a time zone in the IANA database (e.g. "Europe/Paris")."""


def zone_named(name: str) -> ZoneInfo:
    """The IANA time zone `name`; UnknownZone for anything else (paths, empty, made up)."""
    if not name or len(name) > MAX_ZONE_CHARS or name not in _known_zones():
        raise UnknownZone(f"“{name[:MAX_ZONE_CHARS]}” is not a time zone such as Europe/Paris")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:  # listed, yet not loadable here
        raise UnknownZone(f"the time zone “{name}” is not available") from exc


def heatmap_in(conn: Connection, page_id: int, zone: ZoneInfo) -> Heatmap:
    """Edits by weekday and hour in `zone` (as the zone's clocks read at each edit):
    `edits[weekday][hour]`, weekday 0 = Monday."""
    if zone.key == "UTC":
        return heatmap(conn, page_id)
    rows = conn.execute(
        text(
            f"SELECT ts / {QUARTER} AS q, COUNT(*) AS edits FROM revisions "
            "WHERE page_id = :page GROUP BY q"
        ),
        {"page": page_id},
    ).all()
    grid = [[0] * 24 for _ in WEEKDAYS]
    for row in rows:
        local = datetime.fromtimestamp(int(row.q) * QUARTER, UTC).astimezone(zone)
        grid[local.weekday()][local.hour] += int(row.edits)
    return {"weekdays": list(WEEKDAYS), "hours": list(range(24)), "edits": grid}


_ZONES: frozenset[str] | None = None


def _known_zones() -> frozenset[str]:
    global _ZONES  # noqa: PLW0603 - read once: available_timezones() walks the tz files
    if _ZONES is None:
        _ZONES = frozenset(available_timezones()) | {"UTC"}
    return _ZONES
