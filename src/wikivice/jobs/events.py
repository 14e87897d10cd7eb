"""A job's events as stored rows, and reading them.

The database is the truth for job events: every event a browser sees is a row read from
the job_events table, so a stream that starts late, reconnects with Last-Event-ID, or
runs on another web node replays what it missed (see `hub.EventHub`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import select

from wikivice.store.database import Database
from wikivice.store.models import FetchJob, JobEvent
from wikivice.store.vocabulary import EventKind

TERMINAL_KINDS = frozenset(kind.value for kind in EventKind if kind.terminal)


@dataclass(frozen=True)
class Event:
    seq: int
    kind: str
    data: dict[str, Any]
    wire: bytes  # as Server-Sent Events, encoded once for every stream that sends it

    @property
    def terminal(self) -> bool:
        return self.kind in TERMINAL_KINDS

    @classmethod
    def from_row(cls, seq: int, kind: str, data: str) -> Event:
        # `data` is the stored JSON text, one line (orjson writes no newlines).
        wire = f"id: {seq}\nevent: {kind}\ndata: {data}\n\n".encode()
        return cls(seq, kind, orjson.loads(data), wire)


def events_after(db: Database, job_id: int, after: int = 0) -> list[Event]:
    with db.read() as conn:
        rows = conn.execute(
            select(JobEvent.seq, JobEvent.kind, JobEvent.data)
            .where(JobEvent.job_id == job_id, JobEvent.seq > after)
            .order_by(JobEvent.seq)
        ).all()
    return [Event.from_row(seq, kind, data) for seq, kind, data in rows]


def newest_seqs(db: Database, job_ids: list[int]) -> dict[int, int]:
    with db.read() as conn:
        rows = conn.execute(select(FetchJob.id, FetchJob.events).where(FetchJob.id.in_(job_ids)))
        return {int(job_id): int(events) for job_id, events in rows}
