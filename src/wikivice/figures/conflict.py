"""Where a page is fought over: its edit wars and the people in them.

A revert is a revision that `is_revert` (an identity revert, or one tagged mw-undo,
mw-rollback or mw-manual-revert: see `wikivice.store.ingest`); a reverted edit is one that a
later revert undid. Reverts per month are part of `timeline.months`.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

from wikivice.figures.timeline import bucket, day_iso
from wikivice.figures.types import EditWar, WarParticipant
from wikivice.store.vocabulary import EditorKind

WAR_REVERTS = 3  # reverts in one UTC day, as in Wikipedia's three-revert rule …
WAR_EDITORS = 2  # … made by at least two different editors
TOP_WARS = 5
TOP_PARTICIPANTS = 10
TOP_REVERTED = 10  # editors in the most-reverted chart


def edit_wars(conn: Connection, page_id: int, limit: int = TOP_WARS) -> list[EditWar]:
    """The busiest edit-war periods, most reverts first (then the earliest).

    An edit-war day is a UTC day with at least WAR_REVERTS reverts made by at least
    WAR_EDITORS distinct editors (reverts by hidden users count as reverts, not as
    editors). An edit-war period is a run of consecutive edit-war days (an `EditWar`);
    its participants are the editors who reverted or were reverted in the period, most
    involved first, at most TOP_PARTICIPANTS.
    """
    day = bucket(conn.dialect.name, "day")
    periods = conn.execute(
        text(f"""
        WITH d AS (
            SELECT {day} AS day, COUNT(*) AS edits,
                SUM(CASE WHEN is_revert THEN 1 ELSE 0 END) AS reverts
            FROM revisions WHERE page_id = :page GROUP BY day
            HAVING SUM(CASE WHEN is_revert THEN 1 ELSE 0 END) >= :reverts
                AND COUNT(DISTINCT CASE WHEN is_revert THEN editor_id END) >= :editors
        ), runs AS (
            SELECT day, edits, reverts, day - ROW_NUMBER() OVER (ORDER BY day) AS run FROM d
        )
        SELECT MIN(day) AS first_day, MAX(day) AS last_day, SUM(reverts) AS reverts,
            SUM(edits) AS edits
        FROM runs GROUP BY run ORDER BY SUM(reverts) DESC, MIN(day) LIMIT :limit
        """),
        {"page": page_id, "reverts": WAR_REVERTS, "editors": WAR_EDITORS, "limit": limit},
    ).all()
    wars: list[EditWar] = []
    for period in periods:
        first, last = int(period.first_day), int(period.last_day)
        people = _participants(conn, page_id, first * 86400, (last + 1) * 86400)
        wars.append(
            {
                "start": day_iso(first),
                "end": day_iso(last),
                "days": last - first + 1,
                "reverts": int(period.reverts),
                "edits": int(period.edits),
                "participant_count": len(people),
                "participants": people[:TOP_PARTICIPANTS],
            }
        )
    return wars


def _participants(conn: Connection, page_id: int, start: int, end: int) -> list[WarParticipant]:
    rows = conn.execute(
        text("""
        SELECT e.name, e.kind, SUM(CASE WHEN r.is_revert THEN 1 ELSE 0 END) AS reverts,
            SUM(CASE WHEN r.reverted THEN 1 ELSE 0 END) AS reverted, MIN(r.ts) AS first_ts,
            e.id
        FROM revisions r JOIN editors e ON e.id = r.editor_id
        WHERE r.page_id = :page AND r.ts >= :start AND r.ts < :end
            AND (r.is_revert OR r.reverted)
        GROUP BY e.id, e.name, e.kind
        ORDER BY COUNT(*) DESC, MIN(r.ts), e.id
        """),
        {"page": page_id, "start": start, "end": end},
    ).all()
    return [
        {
            "name": r.name,
            "kind": EditorKind(r.kind),
            "reverts": int(r.reverts),
            "reverted": int(r.reverted),
        }
        for r in rows
    ]
