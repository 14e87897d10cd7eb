"""The job inspector (issue 13 part 4): `/admin`, for the operator only.

Not there at all (404) unless `WIKIVICE_ADMIN_TOKEN` is set; then a sign-in form (401),
a wrong token refused (403, counted against `WIKIVICE_RATE_LIMIT_ADMIN`), and for the
operator (`web.operator`): the jobs by state, each job's event log, and the actions
(retry, cancel, now, retry every failed job), plain forms that post and come back, like
every form here (web/csrf.py refuses other sites' posts). The page's list follows
`/admin/stream` (a nudge each time any job changes, from the event hub that feeds the
jobs' own streams) and then reads its rows again (static/js/admin.js); a job's log
follows the job's own event stream. What it shows is `jobs.inspector`'s; what the
actions do, `jobs.control`'s.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response, StreamingResponse

from wikivice.jobs import control, inspector
from wikivice.jobs.control import ControlRefused, Who
from wikivice.jobs.hub import EventHub
from wikivice.jobs.inspector import JobState
from wikivice.jobs.runtime import Runtime
from wikivice.jobs.snapshot import JobSnapshot
from wikivice.web import operator, urls
from wikivice.web.clients import client_key
from wikivice.web.deps import HubDep, JobIdParam, RuntimeDep, TemplatesDep
from wikivice.web.forms import read_fields
from wikivice.web.operator import Access
from wikivice.web.problems import Problem
from wikivice.web.ratelimits import AdminLimit, Limit, get_rate_limits
from wikivice.web.routes.jobs import KEEPALIVE, RECONNECT
from wikivice.web.schemas import InspectorOut
from wikivice.web.streams import HeldStream, StreamSlotsDep

router = APIRouter(prefix="/admin", include_in_schema=False)
api_router = APIRouter(prefix="/api/admin", include_in_schema=False)
NOTHING_HERE = "There is nothing at this address."
StateQuery = Annotated[JobState | None, Query(description="Only the jobs in this state.")]
OPERATOR = Who(None, operator=True)
CHANGED = "changed"  # the inspector stream's one event (admin.js reads the name from the page)
CHANGED_WIRE = f"event: {CHANGED}\ndata: {{}}\n\n".encode()  # (no data, no event: SSE's rule)


async def gate(request: Request, rt: RuntimeDep) -> Access:
    """The request's access; a wrong token counts against the sign-in rate (429)."""
    granted = operator.access(request, rt.settings)
    if granted is Access.DISABLED:
        raise Problem(404, NOTHING_HERE)
    if granted is Access.REFUSED:
        await get_rate_limits(request).check(Limit.ADMIN, client_key(request))
    return granted


GateDep = Annotated[Access, Depends(gate)]


async def require_operator(granted: GateDep) -> None:
    """For the JSON API and the actions: 401 without credentials, 403 with wrong ones."""
    if granted is Access.ANONYMOUS:
        raise Problem(401, "Sign in to the job inspector first (or send Authorization: Bearer).")
    if granted is Access.REFUSED:
        raise Problem(403, "That admin token is not the right one.", [], "refused")


OperatorOnly = [Depends(require_operator)]


def sign_in_page(request: Request, templates: TemplatesDep, granted: Access) -> Response:
    refused = granted is Access.REFUSED
    context = {"refused": refused}
    return templates.TemplateResponse(request, "admin_login.html", context, 403 if refused else 401)


@router.get("")
def show_inspector(
    request: Request,
    rt: RuntimeDep,
    templates: TemplatesDep,
    granted: GateDep,
    state: StateQuery = None,
) -> Response:
    """The jobs by state, the politeness slots in use, and the bulk retry."""
    if granted is not Access.OPERATOR:
        return sign_in_page(request, templates, granted)
    context = {
        "keep_days": rt.settings.failed_jobs_keep_days,
        "stream_url": request.app.url_path_for("stream_job_changes"),
        "change_event": CHANGED,
        **_page(state),
        **_listing(rt, state),
    }
    return templates.TemplateResponse(request, "admin.html", context)


@router.get("/jobs", dependencies=OperatorOnly)
def show_job_rows(
    request: Request, rt: RuntimeDep, templates: TemplatesDep, state: StateQuery = None
) -> Response:
    """The list alone (what the inspector's page reads again when a job changes)."""
    context = {**_page(state), **_listing(rt, state)}
    return templates.TemplateResponse(request, "_admin_jobs.html", context)


@router.get("/stream", dependencies=OperatorOnly)
async def stream_job_changes(
    request: Request, hub: HubDep, slots: StreamSlotsDep
) -> StreamingResponse:
    """Server-Sent Events for the inspector's list: `changed` whenever any job may have
    changed (coalesced: one for a burst), a comment to keep idle proxies from closing
    it. It carries no rows, so a reconnect misses nothing: the page reads the list again
    on every (re)connection. One of the client's `max_streams_per_client` (429 past it),
    like a job's stream, and ended the same way when the server stops."""
    client = client_key(request)
    slots.take(client)
    return HeldStream(
        _wire_changes(hub),
        slots=slots,
        client=client,
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


async def _wire_changes(hub: EventHub) -> AsyncIterator[bytes]:
    yield RECONNECT
    async for changed in hub.changes():
        yield CHANGED_WIRE if changed else KEEPALIVE


@router.get("/jobs/{job_id}")
def show_job(
    request: Request, job_id: JobIdParam, rt: RuntimeDep, templates: TemplatesDep, granted: GateDep
) -> Response:
    """One job, and its whole event log in order."""
    if granted is not Access.OPERATOR:
        return sign_in_page(request, templates, granted)
    job = inspector.inspect_job(rt, job_id)
    if job is None:
        raise Problem(404, f"There is no job {job_id}.")
    context = {
        "job": job,
        "events": inspector.event_log(rt, job_id),
        "events_url": urls.events(job_id),
        "now": time.time(),
        "back": "",  # its actions come back to this page
    }
    return templates.TemplateResponse(request, "admin_job.html", context)


@api_router.get("/jobs", dependencies=OperatorOnly)
def read_inspector(rt: RuntimeDep, state: StateQuery = None) -> InspectorOut:
    """What the inspector shows, as JSON (for scripts: `Authorization: Bearer <token>`)."""
    listing = _listing(rt, state)
    return InspectorOut.model_validate(listing, from_attributes=True)


def _listing(rt: Runtime, state: JobState | None) -> dict[str, object]:
    return {
        "counts": inspector.counts(rt),
        "jobs": inspector.list_jobs(rt, state),
        "politeness": inspector.politeness(rt),
    }


def _page(state: JobState | None) -> dict[str, object]:
    """What the list's template needs besides the listing."""
    back = urls.admin(state=state)
    return {"state": state, "states": list(JobState), "now": time.time(), "back": back}


# -- signing in and out ----------------------------------------------------------------------


@router.post("/login", dependencies=[AdminLimit])
async def sign_in(
    request: Request, rt: RuntimeDep, templates: TemplatesDep, _: GateDep
) -> Response:
    """The sign-in form: the token, checked in constant time; every try counts."""
    given = (await read_fields(request)).get("token", "")
    secret = rt.settings.admin_token
    token = secret.get_secret_value() if secret is not None else ""
    if not given or not operator.token_matches(given, token):
        return sign_in_page(request, templates, Access.REFUSED)
    answer = RedirectResponse(urls.admin(), status_code=303)
    operator.sign_in(answer, token, secure=request.url.scheme == "https")
    return answer


@router.post("/logout")
def sign_out(_: GateDep) -> Response:
    answer = RedirectResponse(urls.admin(), status_code=303)
    operator.sign_out(answer)
    return answer


# -- the actions -------------------------------------------------------------------------------


@router.post("/jobs/{job_id}/retry", dependencies=OperatorOnly)
async def retry_job(request: Request, job_id: JobIdParam, rt: RuntimeDep) -> Response:
    """A failed (or cancelled) job back on the queue, from its checkpoint."""
    return await _act(request, job_id, lambda: control.resume_job(rt, job_id, OPERATOR))


@router.post("/jobs/{job_id}/cancel", dependencies=OperatorOnly)
async def cancel_job(request: Request, job_id: JobIdParam, rt: RuntimeDep) -> Response:
    return await _act(request, job_id, lambda: control.cancel_job(rt, job_id, OPERATOR))


@router.post("/jobs/{job_id}/now", dependencies=OperatorOnly)
async def start_job_now(request: Request, job_id: JobIdParam, rt: RuntimeDep) -> Response:
    """A queued job (waiting to retry, say) put on the queue again, due at once."""
    return await _act(request, job_id, lambda: control.start_now(rt, job_id))


@router.post("/retry-failed", dependencies=OperatorOnly)
async def retry_failed_jobs(request: Request, rt: RuntimeDep) -> Response:
    """Every failed job still kept, back on the queue."""
    await read_fields(request)
    control.retry_all_failed(rt)
    return RedirectResponse(urls.admin(), status_code=303)


async def _act(request: Request, job_id: int, act: Callable[[], JobSnapshot]) -> Response:
    """Do it, then back to where the form was (the list, or the job's page)."""
    back = (await read_fields(request)).get("back", "")
    try:
        act()
    except ControlRefused as exc:
        raise Problem(exc.status, exc.detail) from None
    # Only our own pages: a form field must not send anyone elsewhere.
    target = (
        back if back.startswith(urls.admin() + "?") or back == urls.admin() else urls.admin(job_id)
    )
    return RedirectResponse(target, status_code=303)
