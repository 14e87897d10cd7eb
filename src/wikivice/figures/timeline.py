"""A page's history over time: edits per day, month and year, its size, and when people edit.

Every bucket is UTC and computed by the database (`bucket()` spells it per dialect). Day,
weekday and hour are integer arithmetic on epoch seconds, identical in SQLite and
PostgreSQL and cheaper than date functions; months and years need the calendar.
"""

from __future__ import annotations

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


def months(conn: Connection, page_id: int) -> MonthlyEdits:
    """Edits per month by kind of editor, every month from the first edit's to the last
    edit's (months without edits are zeros), as parallel lists keyed by series.

    registered: `user` edits; anonymous: `anon` (IP) + `temp` edits, also given apart as
    `ip` and `temp`; bot; hidden: edits whose user is hidden; minor; reverts (edits that
    revert); reverted (edits undone later)."""
    # Days first (integer arithmetic), then months from at most one row per day: the
    # calendar functions run a few thousand times instead of once per revision.
    month = bucket(conn.dialect.name, "month", "day * 86400")
    rows = conn.execute(
        text(f"""
        WITH d AS (
            SELECT {bucket(conn.dialect.name, "day")} AS day, COUNT(*) AS edits,
                SUM(CASE WHEN kind = 'user' THEN 1 ELSE 0 END) AS registered,
                SUM(CASE WHEN kind = 'anon' THEN 1 ELSE 0 END) AS ip,
                SUM(CASE WHEN kind = 'temp' THEN 1 ELSE 0 END) AS temp,
                SUM(CASE WHEN kind = 'bot' THEN 1 ELSE 0 END) AS bot,
                SUM(CASE WHEN kind = 'hidden' THEN 1 ELSE 0 END) AS hidden,
                SUM(CASE WHEN minor THEN 1 ELSE 0 END) AS minor,
                SUM(CASE WHEN is_revert THEN 1 ELSE 0 END) AS reverts,
                SUM(CASE WHEN reverted THEN 1 ELSE 0 END) AS reverted
            FROM revisions WHERE page_id = :page GROUP BY day
        )
        SELECT {month} AS month, SUM(edits) AS edits, SUM(registered) AS registered,
            SUM(ip) AS ip, SUM(temp) AS temp, SUM(bot) AS bot, SUM(hidden) AS hidden,
            SUM(minor) AS minor, SUM(reverts) AS reverts, SUM(reverted) AS reverted
        FROM d GROUP BY month ORDER BY month
        """),
        {"page": page_id},
    ).all()
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
    if not rows:
        return columns
    found = {row.month: row for row in rows}
    for label in _month_range(rows[0].month, rows[-1].month):
        row = found.get(label)
        columns["month"].append(label)
        for name in MONTH_SERIES:
            columns[name].append(int(getattr(row, name) or 0) if row else 0)
        columns["anonymous"].append(columns["ip"][-1] + columns["temp"][-1])
    return columns


def days(conn: Connection, page_id: int) -> DailyEdits:
    """Edits per UTC day, only days with edits: {"date": ["2020-01-31", …], "edits": […]}."""
    day = bucket(conn.dialect.name, "day")
    rows = conn.execute(
        text(f"""
        SELECT {day} AS day, COUNT(*) AS edits FROM revisions WHERE page_id = :page
        GROUP BY day ORDER BY day
        """),
        {"page": page_id},
    ).all()
    return {"date": [day_iso(r.day) for r in rows], "edits": [int(r.edits) for r in rows]}


def years(conn: Connection, page_id: int) -> list[YearRow]:
    """One row per calendar year with edits: edits, anonymous (IP + temporary), minor,
    bots, reverts, and `size` = the size of the year's last revision (bytes)."""
    year = bucket(conn.dialect.name, "year", "day * 86400")  # days first, as in months()
    rows = conn.execute(
        text(f"""
        WITH d AS (
            SELECT {bucket(conn.dialect.name, "day")} AS day, COUNT(*) AS edits,
                SUM(CASE WHEN kind IN ('anon', 'temp') THEN 1 ELSE 0 END) AS anonymous,
                SUM(CASE WHEN minor THEN 1 ELSE 0 END) AS minor,
                SUM(CASE WHEN kind = 'bot' THEN 1 ELSE 0 END) AS bots,
                SUM(CASE WHEN is_revert THEN 1 ELSE 0 END) AS reverts,
                MAX(ts) AS last_ts
            FROM revisions WHERE page_id = :page GROUP BY day
        ), y AS (
            SELECT {year} AS year, SUM(edits) AS edits, SUM(anonymous) AS anonymous,
                SUM(minor) AS minor, SUM(bots) AS bots, SUM(reverts) AS reverts,
                MAX(last_ts) AS last_ts
            FROM d GROUP BY year
        )
        SELECT y.*, (
            SELECT size FROM revisions r WHERE r.page_id = :page AND r.ts = y.last_ts
            ORDER BY r.revid DESC LIMIT 1
        ) AS size
        FROM y ORDER BY year
        """),
        {"page": page_id},
    ).all()
    return [
        {
            "year": int(r.year),
            "edits": int(r.edits or 0),
            "anonymous": int(r.anonymous or 0),
            "minor": int(r.minor or 0),
            "bots": int(r.bots or 0),
            "reverts": int(r.reverts or 0),
            "size": int(r.size or 0),
        }
        for r in rows
    ]


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
