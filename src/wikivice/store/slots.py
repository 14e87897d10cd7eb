"""Politeness slots in the database, for a fleet without Redis (`wiki.politeness`).

A host has `limit` rows in `wiki_slots`; taking a slot is one conditional UPDATE that
claims a free or expired row (two processes racing for one row: the loser's UPDATE
matches nothing, on PostgreSQL after waiting for the winner's row lock), giving it back
is one UPDATE that frees it if the token still holds it.

For PostgreSQL without Redis (machines that share only the database). A lease is taken
and given back around a request to the wiki (a walk keeps its own for up to
`wiki.transport.SLOT_TURN` seconds of requests), two commits each: they do not wait for
their WAL to reach the disk (`synchronous_commit = off`; other sessions see them at once).
A lease lost in a crash of the database server only frees its slot early, for one
request's time at most; the leases expire on their own anyway. SQLite, with one
writer at a time, would make a walk wait for a slot behind the 0.2 s transactions that
store its own batches: there every process is on one machine, and `wiki.politeness.
FileSlots` locks files instead.
"""

from __future__ import annotations

import time
import uuid

from sqlalchemy import Connection, and_, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from wikivice.store.database import Database
from wikivice.store.models import WikiSlot
from wikivice.wiki.politeness import wait_for


class SqlSlots:
    def __init__(self, db: Database, limit: int, lease_seconds: float) -> None:
        self.db = db
        self.limit = limit
        self.lease_seconds = lease_seconds
        self._seeded: set[str] = set()

    def take(self, host: str, timeout: float) -> str | None:
        token = uuid.uuid4().hex
        return token if wait_for(lambda: self._claim(host, token), timeout) else None

    def give(self, host: str, token: str) -> None:
        with self.db.write() as conn:
            _without_flush(conn)
            conn.execute(
                update(WikiSlot)
                .where(WikiSlot.host == host, WikiSlot.holder == token)
                .values(holder=None, expires_at=None)
            )

    def in_use(self, host: str) -> int:
        """Rows of the host held by an unexpired lease."""
        with self.db.read() as conn:
            count = conn.execute(
                select(func.count()).where(
                    WikiSlot.host == host,
                    WikiSlot.holder.is_not(None),
                    WikiSlot.expires_at >= time.time(),
                )
            ).scalar_one()
        return int(count)

    def _claim(self, host: str, token: str) -> bool:
        if host not in self._seeded:
            self._seed(host)
        now = time.time()
        free = and_(
            WikiSlot.host == host,
            WikiSlot.slot < self.limit,
            or_(WikiSlot.holder.is_(None), WikiSlot.expires_at < now),
        )
        first_free = select(WikiSlot.slot).where(free).order_by(WikiSlot.slot).limit(1)
        with self.db.write() as conn:
            _without_flush(conn)
            claimed = conn.execute(
                update(WikiSlot)
                .where(free, WikiSlot.slot == first_free.scalar_subquery())
                .values(holder=token, expires_at=now + self.lease_seconds)
            ).rowcount
        return bool(claimed)

    def _seed(self, host: str) -> None:
        """The host's rows, created once (by whichever process comes first)."""
        for slot in range(self.limit):
            try:
                with self.db.write() as conn:
                    conn.execute(insert(WikiSlot).values(host=host, slot=slot))
            except IntegrityError:
                pass  # there already
        self._seeded.add(host)


def _without_flush(conn: Connection) -> None:
    """This transaction's commit does not wait for the disk (see the module docstring)."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET LOCAL synchronous_commit = off")
