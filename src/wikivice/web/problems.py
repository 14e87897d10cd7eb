"""Turning what went wrong into a status code and words for a person: JSON under /api,
a page elsewhere, never a stack trace."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from wikivice import metrics
from wikivice.jobs.caps import JobCapReached, ServiceBusy
from wikivice.jobs.queue import QueueUnavailable
from wikivice.store.errors import DatabaseUnavailable
from wikivice.web.ratelimits import Limit, RateLimited
from wikivice.wiki.errors import (
    AddressRefused,
    ApiError,
    InvalidTitle,
    MediaWikiError,
    PageMissing,
    SlotsBusy,
    WikiNotAllowed,
    WikiRejected,
    WikiUnavailable,
    WikiUnreachable,
)

log = logging.getLogger(__name__)
LIMITED = {
    Limit.ANALYSES: "analyses",
    Limit.LOOKUPS: "lookups",
    Limit.EXPORTS: "downloads",
    Limit.STREAMS: "open progress streams",
    Limit.ADMIN: "sign-in attempts",
}
RETRY_AFTER_SECONDS = 30  # when the service is down or full: about one reaper round
# When every politeness slot of a wiki host was in use for as long as a person waits:
# a walk gives its slot back within a second or so (`wiki.transport.SLOT_TURN`).
SLOTS_BUSY_RETRY_AFTER = 5


@dataclass
class Problem(Exception):
    """An error answer: JSON for the API (`ErrorOut`), a page for people."""

    status: int
    detail: str
    suggestions: list[str] = field(default_factory=list)
    kind: str = "error"  # missing | invalid | wiki | busy | error
    retry_after: int | None = None  # seconds, sent as Retry-After (429, 503)


def problem_from(exc: MediaWikiError) -> Problem:
    """What a person is told when a wiki could not give what the request needed (the
    app's one handler of `MediaWikiError`: routes let it propagate)."""
    if isinstance(exc, PageMissing):
        return Problem(
            404, f"{exc.wiki} has no article called “{exc.title}”.", exc.suggestions, "missing"
        )
    if isinstance(exc, WikiNotAllowed | AddressRefused):
        return Problem(403, _sentence(str(exc)), [], "wiki")
    if isinstance(exc, WikiUnreachable):
        return Problem(502, _sentence(str(exc)), [], "wiki")
    if isinstance(exc, InvalidTitle):
        return Problem(422, f"“{exc.title}” is not a valid title: {exc.reason}", [], "invalid")
    if isinstance(exc, SlotsBusy):  # our own cap, not the wiki's failure
        return Problem(503, _sentence(str(exc)), [], "busy", SLOTS_BUSY_RETRY_AFTER)
    if isinstance(exc, WikiUnavailable | WikiRejected | ApiError):
        return Problem(502, f"The wiki could not answer: {exc}", [], "wiki")
    return Problem(502, str(exc), [], "wiki")


def rate_limited(exc: RateLimited) -> Problem:
    """429: what a client is told when it asked too often."""
    what = LIMITED[exc.limit]
    wait = f"{exc.retry_after} seconds" if exc.retry_after != 1 else "a second"
    return Problem(
        429,
        f"Too many {what} from your address (at most {exc.rate}); please try again in {wait}.",
        [],
        "busy",
        exc.retry_after,
    )


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def render_problem(templates: Jinja2Templates, request: Request, problem: Problem) -> Response:
    """`problem` as JSON (`ErrorOut`) under /api/, else as the error page; with
    Retry-After when it says when to come back."""
    answer: Response
    if request.url.path.startswith("/api/"):
        answer = JSONResponse(
            {"detail": problem.detail, "suggestions": problem.suggestions},
            status_code=problem.status,
        )
    else:
        context = {"problem": problem, "wiki": request.query_params.get("wiki")}
        answer = templates.TemplateResponse(request, "error.html", context, problem.status)
    if problem.retry_after is not None:
        answer.headers["Retry-After"] = str(problem.retry_after)
    return answer


def install_error_handlers(app: FastAPI, templates: Jinja2Templates) -> None:
    """Errors are JSON under /api and pages elsewhere; never a stack trace."""

    def wants_json(request: Request) -> bool:
        return request.url.path.startswith("/api/")

    def render(request: Request, problem: Problem) -> Response:
        return render_problem(templates, request, problem)

    @app.exception_handler(Problem)
    async def on_problem(request: Request, exc: Problem) -> Response:
        return render(request, exc)

    @app.exception_handler(MediaWikiError)
    async def on_wiki_error(request: Request, exc: MediaWikiError) -> Response:
        return render(request, problem_from(exc))

    @app.exception_handler(QueueUnavailable)
    async def on_queue_down(request: Request, exc: QueueUnavailable) -> Response:
        log.error("could not enqueue a job: %s", exc.__cause__ or exc)
        problem = Problem(
            503,
            "The service cannot start new analyses right now; please try again in a minute.",
        )
        answer = render(request, problem)
        answer.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return answer

    install_outage_handlers(app, render)
    _install_limit_handlers(app, render)

    @app.exception_handler(StarletteHTTPException)
    async def on_http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 204:
            return Response(status_code=204)
        detail = exc.detail if isinstance(exc.detail, str) else "error"
        if exc.status_code == 404 and detail == "Not Found":
            detail = "There is nothing at this address."
        return render(request, Problem(exc.status_code, detail))

    @app.exception_handler(RequestValidationError)
    async def on_invalid(request: Request, exc: RequestValidationError) -> Response:
        errors = exc.errors()
        where = ".".join(str(p) for p in errors[0].get("loc", ())) if errors else ""
        message = errors[0].get("msg", "invalid request") if errors else "invalid request"
        if wants_json(request):
            return JSONResponse(
                {"detail": f"{where}: {message}", "errors": _plain(errors)}, status_code=422
            )
        return render(request, Problem(422, f"{where}: {message}", [], "invalid"))

    @app.exception_handler(Exception)
    async def on_crash(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s", request.url.path)
        return render(request, Problem(500, "Something went wrong on our side; please retry."))


def _install_limit_handlers(app: FastAPI, render: Callable[[Request, Problem], Response]) -> None:
    """The refusals of the abuse limits: 429 (503 when the service is full), each with
    Retry-After."""

    @app.exception_handler(RateLimited)
    async def on_rate_limited(request: Request, exc: RateLimited) -> Response:
        metrics.REFUSALS.labels(str(exc.limit)).inc()
        return render(request, rate_limited(exc))

    @app.exception_handler(JobCapReached)
    async def on_job_cap(request: Request, exc: JobCapReached) -> Response:
        busy = isinstance(exc, ServiceBusy)
        metrics.REFUSALS.labels("busy" if busy else "queue").inc()
        return render(
            request, Problem(503 if busy else 429, exc.detail, [], "busy", exc.retry_after)
        )


def install_outage_handlers(app: FastAPI, render: Callable[[Request, Problem], Response]) -> None:
    """A part of the service that is down: 503 with Retry-After, never a 500."""

    @app.exception_handler(DatabaseUnavailable)
    @app.exception_handler(OperationalError)  # the server went away, or SQLite is locked
    @app.exception_handler(PoolTimeout)  # no free connection within WIKIVICE_DB_TIMEOUT
    async def on_database_down(request: Request, exc: Exception) -> Response:
        log.error("the database failed on %s: %s", request.url.path, exc)
        problem = Problem(503, "The service's database is not answering; please try again soon.")
        answer = render(request, problem)
        answer.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return answer


def _plain(errors: Sequence[Any]) -> object:
    """What was wrong, without the input refused: it may be large, or text that JSON
    cannot carry back (a lone surrogate, which made this a 500)."""
    kept = [{k: e[k] for k in ("type", "loc", "msg") if k in e} for e in errors]
    return orjson.loads(orjson.dumps(kept, default=str))
