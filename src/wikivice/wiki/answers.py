"""What a wiki answers, typed: a resolved title, an edit count, a batch of revisions, a
notice before a retry."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class RetryNotice:
    """Told to listeners before each wait, so a job can say why it is waiting."""

    reason: str  # "maxlag", "429", "5xx", "timeout", "unreachable", "garbled"
    detail: str
    wait: float
    attempt: int


@dataclass(frozen=True)
class ResolvedPage:
    pageid: int
    ns: int
    title: str
    latest_revid: int
    length: int
    redirected_from: str | None = None
    normalized_from: str | None = None
    site_name: str | None = None


@dataclass(frozen=True)
class EditCount:
    count: int
    capped: bool  # the REST API stops counting at 30,000


@dataclass
class RevisionBatch:
    revisions: list[dict[str, Any]]
    # Parameters that continue after this batch (None after the last one): the checkpoint.
    continue_params: dict[str, str] | None
