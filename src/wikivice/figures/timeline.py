"""A page's history over time: edits per day, month and year, its size, and when people edit.

Every bucket is UTC and computed by the database (`bucket()` spells it per dialect). Day,
weekday and hour are integer arithmetic on epoch seconds, identical in SQLite and
PostgreSQL and cheaper than date functions; months and years need the calendar.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal, get_args

from sqlalchemy import Connection, text

from wikivice.figures.types import DailyEdits, Heatmap, MonthlyEdits, SizeHistory, YearRow
from wikivice.wiki.timestamps import iso

Unit = Literal["day", "weekday", "hour", "month", "year"]
# The series of `months` counted by the database (anonymous is ip + temp).
MonthSeries = Literal[
    "edits", "registered", "ip", "temp", "bot", "hidden", "minor", "reverts", "reverted"
]
MONTH_SERIES: tuple[MonthSeries, ...] = get_args(MonthSeries)
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MAX_SIZE_POINTS = 2000  # points of the size chart, whatever the history's length
EPOCH = date(1970, 1, 1)


def bucket(dialect: str, unit: Unit, ts: str = "ts") -> str:
    """SQL for the UTC bucket of `ts`, an SQL expression of epoch seconds (the column by
    default): the one place where the figures' SQL differs between dialects.

    day: days since 1970-01-01 (integer); weekday: 0 = Monday … 6 = Sunday; hour: 0–23;
    month: text 'YYYY-MM' (sorts in time order); year: integer. Timestamps are positive
    (MediaWiki began in 2001), so integer division is floor division on both dialects.
    """
    if unit == "day":
        return f"({ts} / 86400)"
    if unit == "weekday":
        return f"(({ts} / 86400 + 3) % 7)"  # 1970-01-01 was a Thursday (3)
    if unit == "hour":
        return f"(({ts} % 86400) / 3600)"
    if dialect == "sqlite":
        if unit == "month":
            return f"strftime('%Y-%m', {ts}, 'unixepoch')"
        return f"CAST(strftime('%Y', {ts}, 'unixepoch') AS INTEGER)"
    utc = f"(to_timestamp({ts}) AT TIME ZONE 'UTC')"
    if unit == "month":
        return f"to_char({utc}, 'YYYY-MM')"
    return f"CAST(EXTRACT(YEAR FROM {utc}) AS INTEGER)"


def day_iso(day: int) -> str:
    return (EPOCH + timedelta(days=int(day))).isoformat()


@dataclass(slots=True)
class Day:
    """One UTC day's edits of a page, counted by kind (`day`: days since 1970-01-01)."""

    day: int
    edits: int
    registered: int
    ip: int
    temp: int
    bot: int
    hidden: int
    minor: int
    reverts: int
    reverted: int
    last_ts: int


def daily(conn: Connection, page_id: int) -> list[Day]:
    """The page's edits per day, by kind, in time order: one scan of its rows (integer
    arithmetic, no calendar), from which the months, the days and the years are summed
    in Python (at most a row per day comes back: a few thousand for the longest
    histories) instead of three scans (issue 11: cold figures in one pass)."""
    rows = conn.execute(
        text(f"""
        SELECT {bucket(conn.dialect.name, "day")} AS day, COUNT(*) AS edits,
            SUM(CASE WHEN kind = 'user' THEN 1 ELSE 0 END) AS registered,
            SUM(CASE WHEN kind = 'anon' THEN 1 ELSE 0 END) AS ip,
            SUM(CASE WHEN kind = 'temp' THEN 1 ELSE 0 END) AS temp,
            SUM(CASE WHEN kind = 'bot' THEN 1 ELSE 0 END) AS bot,
            SUM(CASE WHEN kind = 'hidden' THEN 1 ELSE 0 END) AS hidden,
            SUM(CASE WHEN minor THEN 1 ELSE 0 END) AS minor,
            SUM(CASE WHEN is_revert THEN 1 ELSE 0 END) AS reverts,
            SUM(CASE WHEN reverted THEN 1 ELSE 0 END) AS reverted,
            MAX(ts) AS last_ts
        FROM revisions WHERE page_id = :page GROUP BY day ORDER BY day
        """),
        {"page": page_id},
    ).all()
    return [Day(*(int(value or 0) for value in row)) for row in rows]


def months(conn: Connection, page_id: int, per_day: list[Day] | None = None) -> MonthlyEdits:
    """Edits per month by kind of editor, every month from the first edit's to the last
    edit's (months without edits are zeros), as parallel lists keyed by series.

    registered: `user` edits; anonymous: `anon` (IP) + `temp` edits, also given apart as
    `ip` and `temp`; bot; hidden: edits whose user is hidden; minor; reverts (edits that
    revert); reverted (edits undone later). From `daily` (counted now if not given)."""
    per_day = daily(conn, page_id) if per_day is None else per_day
    columns: MonthlyEdits = {
        "month": [],
        "anonymous": [],
        "edits": [],
        "registered": [],
        "ip": [],
        "temp": [],
        "bot": [],
        "hidden": [],
        "minor": [],
        "reverts": [],
        "reverted": [],
    }
    if not per_day:
        return columns
    found: dict[str, dict[str, int]] = {}
    for d in per_day:
        sums = found.setdefault(day_iso(d.day)[:7], dict.fromkeys(MONTH_SERIES, 0))
        for name in MONTH_SERIES:
            sums[name] += getattr(d, name)
    labels = sorted(found)
    for label in _month_range(labels[0], labels[-1]):
        sums = found.get(label) or dict.fromkeys(MONTH_SERIES, 0)
        columns["month"].append(label)
        for name in MONTH_SERIES:
            columns[name].append(sums[name])
        columns["anonymous"].append(sums["ip"] + sums["temp"])
    return columns


def days(conn: Connection, page_id: int, per_day: list[Day] | None = None) -> DailyEdits:
    """Edits per UTC day, only days with edits: {"date": ["2020-01-31", …], "edits": […]}."""
    per_day = daily(conn, page_id) if per_day is None else per_day
    return {"date": [day_iso(d.day) for d in per_day], "edits": [d.edits for d in per_day]}


def years(conn: Connection, page_id: int, per_day: list[Day] | None = None) -> list[YearRow]:
    """One row per calendar year with edits: edits, anonymous (IP + temporary), minor,
    bots, reverts, and `size` = the size of the year's last revision (bytes)."""
    per_day = daily(conn, page_id) if per_day is None else per_day
    rows: dict[int, YearRow] = {}
    last: dict[int, int] = {}
    for d in per_day:
        year = (EPOCH + timedelta(days=d.day)).year
        row = rows.setdefault(
            year,
            {
                "year": year,
                "edits": 0,
                "anonymous": 0,
                "minor": 0,
                "bots": 0,
                "reverts": 0,
                "size": 0,
            },
        )
        row["edits"] += d.edits
        row["anonymous"] += d.ip + d.temp
        row["minor"] += d.minor
        row["bots"] += d.bot
        row["reverts"] += d.reverts
        last[year] = max(last.get(year, 0), d.last_ts)
    size_at = text("""
        SELECT size FROM revisions WHERE page_id = :page AND ts = :ts
        ORDER BY revid DESC LIMIT 1
        """)
    for year, row in rows.items():  # a handful of lookups through (page_id, ts)
        row["size"] = int(conn.execute(size_at, {"page": page_id, "ts": last[year]}).scalar() or 0)
    return [rows[year] for year in sorted(rows)]


def size_history(
    conn: Connection, page_id: int, first_ts: int | None, last_ts: int | None, edits: int
) -> SizeHistory:
    """The article's size over time, in at most MAX_SIZE_POINTS points.

    Up to that many revisions, one point per revision. Beyond, the history is cut into
    equal time buckets of `bucket_seconds`; each point is the bucket's last revision
    (its time and size) with the smallest and largest size seen in the bucket, so a
    blanking or a large addition stays visible as a spike of the min–max band.
    """
    out: SizeHistory = {"timestamp": [], "size": [], "min": [], "max": [], "bucket_seconds": None}
    if first_ts is None or last_ts is None:
        return out
    if edits <= MAX_SIZE_POINTS:
        rows = conn.execute(
            text("""
            SELECT ts AS last_ts, size AS last_size, size AS lo, size AS hi FROM revisions
            WHERE page_id = :page ORDER BY ts, revid
            """),
            {"page": page_id},
        ).all()
    else:
        width = -(-(last_ts - first_ts + 1) // MAX_SIZE_POINTS)  # ceiling division
        out["bucket_seconds"] = width
        rows = conn.execute(
            text("""
            WITH b AS (
                SELECT (ts - :first) / :width AS bk, MIN(size) AS lo, MAX(size) AS hi,
                    MAX(ts) AS last_ts
                FROM revisions WHERE page_id = :page GROUP BY bk
            )
            SELECT b.lo, b.hi, b.last_ts, (
                SELECT size FROM revisions r WHERE r.page_id = :page AND r.ts = b.last_ts
                ORDER BY r.revid DESC LIMIT 1
            ) AS last_size
            FROM b ORDER BY b.bk
            """),
            {"page": page_id, "first": first_ts, "width": width},
        ).all()
    for row in rows:
        out["timestamp"].append(iso(row.last_ts))
        out["size"].append(int(row.last_size))
        out["min"].append(int(row.lo))
        out["max"].append(int(row.hi))
    return out


def heatmap(conn: Connection, page_id: int) -> Heatmap:
    """Edits by UTC weekday and hour: `edits[weekday][hour]`, weekday 0 = Monday."""
    dialect = conn.dialect.name
    rows = conn.execute(
        text(f"""
        SELECT {bucket(dialect, "weekday")} AS wd, {bucket(dialect, "hour")} AS hr,
            COUNT(*) AS edits
        FROM revisions WHERE page_id = :page GROUP BY wd, hr
        """),
        {"page": page_id},
    ).all()
    grid = [[0] * 24 for _ in WEEKDAYS]
    for row in rows:
        grid[int(row.wd)][int(row.hr)] = int(row.edits)
    return {"weekdays": list(WEEKDAYS), "hours": list(range(24)), "edits": grid}


def _month_range(first: str, last: str) -> list[str]:
    year, month = int(first[:4]), int(first[5:7])
    labels = []
    while (label := f"{year:04d}-{month:02d}") <= last:
        labels.append(label)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return labels
