"""The closed sets of words the database stores: editor kinds, job statuses, job stages and
job event kinds. Each is defined here once; the web layer hands them to the templates and
the browser's scripts (`/static/js/vocabulary.js`), so no other file spells them again.

They live in the store layer, not in `jobs/`, because the rows hold them (the index that
allows one active job per page names the active statuses) and every layer above reads them.
"""

from __future__ import annotations

from enum import StrEnum


class EditorKind(StrEnum):
    """Who made an edit, as ingest derives it from the API's flags and the bot list."""

    USER = "user"  # a registered account
    BOT = "bot"  # an account in the wiki's bot group
    ANON = "anon"  # an IP address (MediaWiki's `anon`)
    TEMP = "temp"  # a temporary account (`~2025-…`)
    HIDDEN = "hidden"  # the user name is hidden (revision deletion)


class JobStatus(StrEnum):
    """queued → running → done | failed; running → queued when a worker stops or stalls;
    queued or running → cancelled by whoever started it (or the operator), and cancelled
    → queued again when resumed (failed → queued when the operator retries it)."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def active(self) -> bool:
        return self in ACTIVE_JOB_STATUSES

    @property
    def finished(self) -> bool:
        return not self.active

    @property
    def stopped_short(self) -> bool:
        """Finished without the whole history: it failed or was cancelled."""
        return self in (JobStatus.FAILED, JobStatus.CANCELLED)


ACTIVE_JOB_STATUSES = (JobStatus.QUEUED, JobStatus.RUNNING)


class Stage(StrEnum):
    """What a job is doing now; `label` is how a page says it."""

    QUEUED = "queued"
    RESOLVING = "resolving"
    COUNTING = "counting"
    FETCHING = "fetching"
    STORING = "storing"
    ANALYSING = "analysing"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return STAGE_LABELS[self]

    @property
    def rank(self) -> int:
        """Stages in the order a job goes through them (a job never goes back to a
        lower one: a resumed job keeps the stage it reached)."""
        return list(STAGE_LABELS).index(self)


STAGE_LABELS = {  # in the order a job goes through them
    Stage.QUEUED: "Waiting for a worker",
    Stage.RESOLVING: "Looking up the article",
    Stage.COUNTING: "Counting revisions",
    Stage.FETCHING: "Fetching revisions",
    Stage.STORING: "Storing",
    Stage.ANALYSING: "Analysing",
    Stage.DONE: "Done",
    Stage.FAILED: "Failed",
    Stage.CANCELLED: "Cancelled",
}


class EventKind(StrEnum):
    """The kinds of a job's events (the `event:` field of its Server-Sent Events)."""

    QUEUED = "queued"  # created, waiting for a worker
    STARTED = "started"  # a worker claimed it
    STAGE = "stage"  # it moved to another stage
    PROGRESS = "progress"  # more revisions stored, or the total became known
    RETRYING = "retrying"  # the wiki failed a request; waiting before the next try
    REQUEUED = "requeued"  # the worker gave it back (stopping, or retrying later)
    STALLED = "stalled"  # its worker stopped responding; it goes back to the queue
    WAITING = "waiting"  # still queued: no worker free yet
    DONE = "done"  # terminal: the history is stored
    FAILED = "failed"  # terminal: it could not be fetched
    CANCELLED = "cancelled"  # terminal (until resumed): stopped by whoever started it
    RESUMED = "resumed"  # a cancelled or failed job back on the queue, or queued again now

    @property
    def terminal(self) -> bool:
        """A stream ends with it: nothing follows unless someone resumes the job."""
        return self in (EventKind.DONE, EventKind.FAILED, EventKind.CANCELLED)

    @property
    def ends_a_run(self) -> bool:
        """The job's run ended (a worker's claim is over): counted in the metrics."""
        return self in (
            EventKind.DONE,
            EventKind.FAILED,
            EventKind.REQUEUED,
            EventKind.STALLED,
            EventKind.CANCELLED,
        )


class Canceller(StrEnum):
    """Who cancelled a job (`fetch_jobs.cancelled_by`): the client that started it, or
    the operator (the job inspector, `/admin`). Never the client's address: events carry
    it to anyone following the job."""

    REQUESTER = "requester"
    OPERATOR = "operator"
