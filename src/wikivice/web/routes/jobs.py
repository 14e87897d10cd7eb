"""GET /api/jobs/{id} and its event stream."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

import orjson
from fastapi import APIRouter, Header, Query
from fastapi.sse import EventSourceResponse, ServerSentEvent

from wikivice.web import urls
from wikivice.web.deps import HubDep, JobDep
from wikivice.web.schemas import ErrorOut, JobOut

router = APIRouter(prefix="/api/jobs", tags=["jobs"])
RECONNECT_MS = 1000


@router.get("/{job_id}", responses={404: {"model": ErrorOut}})
def read_job(job: JobDep) -> JobOut:
    """A fetch job's state and progress."""
    return JobOut.from_row(job, urls.events(job["id"]))


@router.get(
    "/{job_id}/events",
    response_class=EventSourceResponse,
    responses={404: {"model": ErrorOut}},
)
async def stream_job_events(
    job: JobDep,
    hub: HubDep,
    last_event_id: Annotated[int | None, Header(alias="Last-Event-ID", ge=0)] = None,
    after: Annotated[int, Query(ge=0, description="Replay events after this id.")] = 0,
) -> AsyncIterator[ServerSentEvent]:
    """The job's events as Server-Sent Events, each with an `id:`.

    Replays the stored events after `Last-Event-ID` (or `after`, or from the start),
    then follows new ones; ends after the terminal event (`done` or `failed`). Every
    event's data is the job's state at that moment, as JSON."""
    start = max(last_event_id or 0, after)
    first = True
    async for event in hub.stream(job["id"], start):
        yield ServerSentEvent(
            raw_data=orjson.dumps(event.data).decode(),
            event=event.kind,
            id=str(event.seq),
            retry=RECONNECT_MS if first else None,
        )
        first = False
