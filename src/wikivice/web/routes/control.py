"""Cancel and Resume (issue 11 part 4): `POST /api/jobs/{id}/cancel|resume` for programs,
and the article page's buttons, forms that post to `/jobs/{id}/cancel|resume` and come
back to the page (they work without JavaScript; web/csrf.py refuses other sites' posts).

Only the client that started the analysis (`web.clients`: its address) or the operator
(`web.operator`) may; anyone else gets 403 saying so. The rules are `jobs.control`'s.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse

from wikivice.jobs import control
from wikivice.jobs.control import ControlRefused, Who
from wikivice.jobs.runtime import Runtime
from wikivice.jobs.snapshot import JobSnapshot
from wikivice.store import pages
from wikivice.store.vocabulary import Canceller, JobStatus
from wikivice.web import urls
from wikivice.web.clients import client_key
from wikivice.web.deps import JobIdParam, RuntimeDep
from wikivice.web.operator import is_operator
from wikivice.web.problems import Problem
from wikivice.web.ratelimits import AnalysesLimit
from wikivice.web.schemas import ErrorOut, JobOut

api_router = APIRouter(prefix="/api/jobs", tags=["jobs"])
router = APIRouter(prefix="/jobs", include_in_schema=False)
REFUSALS: dict[int | str, dict[str, object]] = {
    403: {"model": ErrorOut, "description": "Not started by this client."},
    404: {"model": ErrorOut},
    409: {"model": ErrorOut, "description": "The job is not in a state that allows it."},
}


def who_asks(request: Request, rt: Runtime) -> Who:
    return Who(client_key(request), operator=is_operator(request, rt.settings))


def _controlled(act: Callable[[], JobSnapshot]) -> JobSnapshot:
    try:
        return act()
    except ControlRefused as exc:
        kind = "refused" if exc.status == 403 else "error"
        raise Problem(exc.status, exc.detail, [], kind) from None


@api_router.post("/{job_id}/cancel", responses=REFUSALS)
def cancel_job(request: Request, job_id: JobIdParam, rt: RuntimeDep) -> JobOut:
    """Stop a queued or running job; it keeps every revision it stored and can be resumed.

    Only the client that started it (or the operator) may; cancelling a job already
    cancelled is no error."""
    job = _controlled(lambda: control.cancel_job(rt, job_id, who_asks(request, rt)))
    return JobOut.from_job(job, urls.events(job.id))


@api_router.post(
    "/{job_id}/resume",
    status_code=202,
    dependencies=[AnalysesLimit],
    responses={
        **REFUSALS,
        429: {"model": ErrorOut, "description": "Too many analyses from this client."},
        503: {"model": ErrorOut, "description": "The service is full; try again later."},
    },
)
def resume_job(request: Request, job_id: JobIdParam, rt: RuntimeDep) -> JobOut:
    """Queue a cancelled job again: it continues after the last revision it stored.

    Follow it on its `events_url` again (after the last event id seen)."""
    job = _controlled(lambda: control.resume_job(rt, job_id, who_asks(request, rt)))
    return JobOut.from_job(job, urls.events(job.id))


@router.post("/{job_id}/cancel")
def cancel_job_form(request: Request, job_id: JobIdParam, rt: RuntimeDep) -> Response:
    """The article page's Cancel button."""
    job = _controlled(lambda: control.cancel_job(rt, job_id, who_asks(request, rt)))
    return RedirectResponse(_article_of(rt, job), status_code=303)


@router.post("/{job_id}/resume", dependencies=[AnalysesLimit])
def resume_job_form(request: Request, job_id: JobIdParam, rt: RuntimeDep) -> Response:
    """The article page's Resume button."""
    job = _controlled(lambda: control.resume_job(rt, job_id, who_asks(request, rt)))
    return RedirectResponse(_article_of(rt, job), status_code=303)


def _article_of(rt: Runtime, job: JobSnapshot) -> str:
    with rt.db.read() as conn:
        page = pages.page_by_id(conn, job.page_id)
        site = pages.site_by_id(conn, page.wiki_id) if page is not None else None
    return urls.article(site.key, page.title) if page and site else urls.home()


@dataclass(frozen=True)
class JobControls:
    """What an article page offers about its job: whether the viewer started it (the
    page says "by you"), whether they may cancel or resume it (they started it, or are
    the operator), and where to post."""

    started_it: bool
    allowed: bool
    cancel_url: str
    resume_url: str
    cancelled_note: str | None  # while cancelled: by whom, after how many edits


def cancelled_note(job: JobSnapshot, started_it: bool) -> str:
    """ "Cancelled by you after 6,500 of about 50,000 edits" (progress.js says the same
    when the `cancelled` event comes)."""
    if job.cancelled_by == Canceller.OPERATOR:
        by = "the operator"
    else:
        by = "you" if started_it else "the person who started it"
    of = ""
    if job.total:
        shown = f"{max(job.total, job.done):,}"
        about = (
            "about " if job.total_is_estimate else ("at least " if job.total_is_lower_bound else "")
        )
        of = f" of {about}{shown}"
    return f"Cancelled by {by} after {job.done:,}{of} edits"


def job_controls(request: Request, rt: Runtime, job: JobSnapshot | None) -> JobControls | None:
    if job is None:
        return None
    _, requested_by = control.requester_of(rt.jobs, job.id)
    who = who_asks(request, rt)
    started_it = requested_by is not None and requested_by == who.client
    cancelled = job.status == JobStatus.CANCELLED
    return JobControls(
        started_it=started_it,
        allowed=control.may_control(requested_by, who),
        cancel_url=urls.cancel_job(job.id),
        resume_url=urls.resume_job(job.id),
        cancelled_note=cancelled_note(job, started_it) if cancelled else None,
    )
