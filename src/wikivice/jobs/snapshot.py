"""A job as the rest of the code sees it: its state and progress at one moment.

Each event row carries the snapshot taken by the transition that wrote it (plus what the
event adds: a rate and ETA, a retry's reason and wait), so an event stream is the job's
history and its last event its present state.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from wikivice.store.models import FetchJob
from wikivice.store.vocabulary import Canceller, JobStatus, Stage

# The columns a transition returns, written into its event row.
SNAPSHOT_COLUMNS = (
    FetchJob.id,
    FetchJob.page_id,
    FetchJob.status,
    FetchJob.stage,
    FetchJob.message,
    FetchJob.done,
    FetchJob.total,
    FetchJob.total_is_lower_bound,
    FetchJob.total_is_estimate,
    FetchJob.new_revisions,
    FetchJob.attempts,
    FetchJob.max_attempts,
    FetchJob.error,
    FetchJob.events,
    FetchJob.cancelled_by,
)
TIME_COLUMNS = (
    FetchJob.created_at,
    FetchJob.started_at,
    FetchJob.finished_at,
    FetchJob.heartbeat_at,
)

# Not columns: filled in for a queued job by `jobs.lanes.place_in_line`.
PLACE_FIELDS = ("position", "expected_wait", "place")


@dataclass(frozen=True)
class JobSnapshot:
    """A fetch job's row as read (times are seconds since the epoch)."""

    id: int
    page_id: int
    status: JobStatus
    stage: Stage
    message: str | None
    done: int  # revisions stored so far
    total: int | None  # revisions expected (None: not known yet)
    total_is_lower_bound: bool  # the wiki's count stops at 30,000: it has at least 30,000
    total_is_estimate: bool  # `total` is estimated from the walk so far (about `total`)
    new_revisions: int
    attempts: int
    max_attempts: int
    error: str | None
    events: int  # the number of its newest event
    cancelled_by: Canceller | None  # who cancelled it (None: nobody, or resumed since)
    created_at: float
    started_at: float | None
    finished_at: float | None
    heartbeat_at: float | None
    # While queued (`jobs.lanes.place_in_line`): its place in line (1: next), and the
    # seconds it is expected to wait (None: no recent run to go by).
    position: int | None = None
    expected_wait: float | None = None
    place: str | None = None  # both in words: "3rd in line, about 20 s"

    @property
    def finished(self) -> bool:
        return self.status.finished

    @classmethod
    def from_row(cls, row: Mapping[Any, Any]) -> JobSnapshot:
        return cls(
            **{
                **row,
                "status": JobStatus(row["status"]),
                "stage": Stage(row["stage"]),
                "cancelled_by": Canceller(row["cancelled_by"]) if row["cancelled_by"] else None,
                "total_is_lower_bound": bool(row["total_is_lower_bound"]),
                "total_is_estimate": bool(row["total_is_estimate"]),
            }
        )

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def event_data(row: Mapping[Any, Any], extra: Mapping[str, Any], at: float) -> dict[str, Any]:
    """What an event row holds: the transition's snapshot (`SNAPSHOT_COLUMNS`), what the
    event adds, and when it happened (`at`, seconds since the epoch)."""
    data = {key: value for key, value in row.items() if key != "checkpoint"}
    data.update(extra)
    data["at"] = at
    return data
