"""GET /api/jobs/{id} and its event stream."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Header, Request
from fastapi.responses import StreamingResponse

from wikivice.jobs.hub import EventHub
from wikivice.jobs.lanes import place_in_line
from wikivice.web import urls
from wikivice.web.clients import client_key
from wikivice.web.deps import MAX_SERIAL, EventIdQuery, HubDep, JobDep, RuntimeDep
from wikivice.web.schemas import ErrorOut, JobOut
from wikivice.web.streams import HeldStream, StreamSlotsDep

router = APIRouter(prefix="/api/jobs", tags=["jobs"])
RECONNECT = b"retry: 1000\n\n"  # browsers reconnect after a second
KEEPALIVE = b": keep-alive\n\n"


@router.get("/{job_id}", responses={404: {"model": ErrorOut}})
def read_job(job: JobDep, rt: RuntimeDep) -> JobOut:
    """A fetch job's state and progress; while queued, its place in line and the wait
    expected."""
    job = place_in_line(rt.db, job, rt.settings.huge_job_revisions)
    return JobOut.from_job(job, urls.events(job.id))


@router.get(
    "/{job_id}/events",
    response_class=StreamingResponse,
    responses={
        200: {
            "content": {"text/event-stream": {}},
            "description": "Server-Sent Events: `id:` (the event number), `event:` "
            "(queued, started, stage, progress, retrying, requeued, stalled, waiting, "
            "resumed, done, failed, cancelled) and `data:` (the job's state at that "
            "moment, as JSON).",
        },
        404: {"model": ErrorOut},
        429: {"model": ErrorOut, "description": "Too many streams open from this client."},
    },
)
async def stream_job_events(
    request: Request,
    job: JobDep,
    hub: HubDep,
    slots: StreamSlotsDep,
    last_event_id: Annotated[int | None, Header(alias="Last-Event-ID", ge=0, le=MAX_SERIAL)] = None,
    after: EventIdQuery = 0,
) -> StreamingResponse:
    """The job's events as Server-Sent Events, each with an `id:`.

    Replays the stored events after `Last-Event-ID` (or `after`, or from the start),
    then follows new ones; ends after the terminal event (`done`, `failed` or `cancelled`:
    a cancelled job resumed is followed again with `after` its last event id). A client
    holds at most `max_streams_per_client` streams at once (429 past it)."""
    start = max(last_event_id or 0, after)
    client = client_key(request)
    slots.take(client)
    return HeldStream(
        _wire(hub, job.id, start),
        slots=slots,
        client=client,
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


async def _wire(hub: EventHub, job_id: int, after: int) -> AsyncIterator[bytes]:
    """Each event's bytes are encoded once by the hub and shared by every stream of the
    job: a thousand streams cost a thousand writes per event, nothing more."""
    yield RECONNECT
    async for event in hub.stream(job_id, after):
        # Idle proxies and load balancers would drop a silent stream: say something.
        yield KEEPALIVE if event is None else event.wire
