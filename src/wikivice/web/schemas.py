"""The JSON API's request and response models (they are also its OpenAPI schema)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, Field

from wikivice.jobs.inspector import JobState
from wikivice.jobs.snapshot import JobSnapshot
from wikivice.store.pages import FetchedPage
from wikivice.store.vocabulary import Canceller, JobStatus, Stage
from wikivice.web import urls


class AnalysisRequest(BaseModel):
    wiki: str | None = Field(
        default=None,
        max_length=500,
        description="Wikipedia language code (`en`) or a MediaWiki api.php URL; "
        "default: the server's default wiki.",
        examples=["en"],
    )
    title: str = Field(min_length=1, max_length=1000, examples=["Alan Turing"])


class PageOut(BaseModel):
    wiki: str
    title: str
    pageid: int
    url: str = Field(description="The article on its wiki.")
    history_url: str
    redirected_from: str | None = None
    normalized_from: str | None = None


class AnalysisOut(BaseModel):
    status: Literal["current", "queued", "running"] = Field(
        description="`current`: the stored history is up to date (HTTP 200); otherwise a "
        "job is fetching it (HTTP 202), new or joined."
    )
    joined: bool = Field(description="The job was already running for someone else.")
    job_id: int | None
    job_url: str | None
    events_url: str | None = Field(description="Server-Sent Events of the job's progress.")
    dashboard_url: str
    stats_url: str
    page: PageOut


class ErrorOut(BaseModel):
    detail: str
    suggestions: list[str] = Field(default_factory=list)


class JobOut(BaseModel):
    id: int
    status: JobStatus
    stage: Stage
    message: str | None
    done: int = Field(description="Revisions stored so far.")
    total: int | None = Field(description="Revisions expected (None: not known yet).")
    total_is_lower_bound: bool = Field(
        description="The wiki only counts up to 30,000: the history has at least 30,000."
    )
    total_is_estimate: bool = Field(
        description=(
            "`total` is estimated from the revisions fetched so far (the wiki's count is "
            "capped or missing): about `total`."
        )
    )
    new_revisions: int
    attempts: int
    max_attempts: int
    error: str | None
    cancelled_by: Canceller | None = Field(
        description="Who cancelled it (while `status` is `cancelled`): `requester` or `operator`."
    )
    events: int = Field(description="The id of its newest event so far (see `events_url`).")
    events_url: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    heartbeat_at: datetime | None
    position: int | None = Field(
        default=None,
        description="While queued: its place in line (1: the next to start). Small jobs "
        "go before huge ones (more than WIKIVICE_HUGE_JOB_REVISIONS revisions).",
    )
    expected_wait: float | None = Field(
        default=None,
        description="While queued: about how many seconds until it starts, from the recent "
        "small jobs' run times (None: nothing to go by yet, or a huge job).",
    )
    place: str | None = Field(
        default=None,
        description="While queued: both in words, as the article's page shows them "
        "(`3rd in line, about 20 s`).",
    )

    @classmethod
    def from_job(cls, job: JobSnapshot, events_url: str) -> JobOut:
        values = job.as_dict()
        for key in ("created_at", "started_at", "finished_at", "heartbeat_at"):
            values[key] = _utc(values[key])
        return cls(**values, events_url=events_url)


class RecentChange(BaseModel):
    title: str
    timestamp: str
    user: str | None = None
    comment: str | None = None
    delta: int | None = None


class AnalysedPage(BaseModel):
    wiki: str
    title: str
    revisions: int
    analysed_at: datetime | None
    dashboard_url: str

    @classmethod
    def from_page(cls, page: FetchedPage) -> AnalysedPage:
        return cls(
            wiki=page.wiki,
            title=page.title,
            revisions=page.revisions,
            analysed_at=_utc(page.fetched_at),
            dashboard_url=urls.article(page.wiki, page.title),
        )


def _utc(value: float | None) -> datetime | None:
    return datetime.fromtimestamp(value, UTC) if value is not None else None


class Liveness(BaseModel):
    status: str = Field(examples=["ok"])


class PartOut(BaseModel):
    ok: bool
    detail: str = Field(description="`ok`, or what is wrong in a few words.")
    ms: float = Field(description="How long the check took, in milliseconds.")


class ReadinessOut(BaseModel):
    status: str = Field(description="`ready`, or `not ready` (HTTP 503).")
    failing: list[str] = Field(description="The parts that failed: database, queue, redis.")
    parts: dict[str, PartOut]


class InspectedJobOut(BaseModel):
    """A job as the job inspector shows it (times: seconds since the epoch)."""

    id: int
    state: JobState = Field(description="Its status, or `stalled`: running, heartbeat stale.")
    wiki: str
    title: str
    stage: Stage
    message: str | None
    error: str | None
    done: int
    total: int | None
    attempts: int
    max_attempts: int
    worker: str | None = Field(description="The lease token of the run holding it.")
    requested_by: str | None = Field(description="The client that started it (None: the CLI).")
    cancelled_by: Canceller | None
    created_at: float
    started_at: float | None
    finished_at: float | None
    heartbeat_at: float | None
    not_before: float | None
    events: int


class HostSlotsOut(BaseModel):
    host: str
    in_use: int = Field(description="Politeness slots of this wiki host held now, fleet-wide.")
    limit: int


class InspectorOut(BaseModel):
    counts: dict[JobState, int]
    jobs: list[InspectedJobOut]
    politeness: list[HostSlotsOut]
