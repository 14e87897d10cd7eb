"""The web app factory: `create_app(settings)` builds everything; nothing happens at import.

On the embedded default the app also runs the job worker in its own threads (see
`wikivice.jobs.worker` for why not Huey's consumer), started and stopped with the app.
Every process runs the reaper, so stalled jobs are noticed even with no worker alive.
"""

from __future__ import annotations

import functools
import gzip
import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import plotly
from anyio import to_thread
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from wikivice import __version__
from wikivice.jobs.events import EventHub
from wikivice.jobs.runtime import Runtime
from wikivice.jobs.worker import Reaper, Worker
from wikivice.settings import Settings
from wikivice.store import pages
from wikivice.web import filters
from wikivice.web.problems import Problem
from wikivice.web.routes import analyses, compare, diffs, editors, exports, jobs, views, wikis
from wikivice.web.routes import assets as asset_routes
from wikivice.web.routes import pages as page_routes
from wikivice.wiki.sites import parse_wiki

log = logging.getLogger(__name__)
HERE = Path(__file__).parent
PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
# Pages run only our own scripts; plotly needs inline styles. Nothing leaves the origin.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)


def create_app(
    settings: Settings, *, worker: bool = True, runtime: Runtime | None = None
) -> FastAPI:
    """The app. With `worker`, it also runs fetch jobs in this process."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        rt = runtime or Runtime.create(settings)
        with rt.db.write() as conn:  # so the default wiki's key works in URLs at once
            pages.ensure_wiki(conn, parse_wiki(settings.default_wiki))
        app.state.runtime = rt
        app.state.hub = EventHub(rt.db, rt.notifier, settings.event_poll_seconds)
        stop = threading.Event()
        job_worker = None
        if worker:
            from wikivice.figures.page import analyse

            job_worker = Worker(rt, settings.workers, analyse=analyse)
            job_worker.start()
            reaper = job_worker.reaper
        else:
            reaper = Reaper(rt, stop)
            reaper.start()
        app.state.worker = job_worker
        try:
            yield
        finally:
            app.state.hub.close()
            await to_thread.run_sync(app.state.hub.join)  # no read outlives the database
            stop.set()
            if job_worker is not None:
                job_worker.stop()
            reaper.join(5)
            if runtime is None:
                rt.close()

    app = FastAPI(
        title="WikiVice",
        version=__version__,
        summary="See what happens behind a Wikipedia article.",
        lifespan=lifespan,
    )
    templates = Jinja2Templates(directory=HERE / "templates")
    filters.install(templates.env)
    app.state.templates = templates

    for router in (
        asset_routes.router,  # before the /static mount: it writes /static/js/vocabulary.js
        analyses.router,
        jobs.router,
        page_routes.router,
        wikis.router,
        wikis.analyses_router,
        diffs.router,
        exports.router,
        editors.router,
        editors.pages_router,
        compare.router,
        views.router,
    ):
        app.include_router(router)

    @app.get("/static/vendor/plotly.min.js", include_in_schema=False)
    def read_plotly_js(request: Request) -> Response:
        # Served from the plotly package itself (never a CDN), compressed once: 4.7 MB
        # becomes 1.4 MB on the wire.
        headers = {"Cache-Control": "public, max-age=86400", "Vary": "Accept-Encoding"}
        if "gzip" not in request.headers.get("accept-encoding", ""):
            return FileResponse(PLOTLY_JS, headers=headers)
        return Response(
            _plotly_gzipped(),
            media_type="text/javascript",
            headers={**headers, "Content-Encoding": "gzip"},
        )

    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    @app.middleware("http")
    async def security_headers(request: Request, call_next):  # type: ignore[no-untyped-def]
        response: Response = await call_next(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response

    # Pages, fragments and JSON compressed; event streams are left alone (Starlette
    # excludes text/event-stream), as are responses that are already compressed.
    app.add_middleware(GZipMiddleware, minimum_size=1024, compresslevel=5)
    install_error_handlers(app, templates)
    return app


@functools.cache
def _plotly_gzipped() -> bytes:
    return gzip.compress(PLOTLY_JS.read_bytes(), compresslevel=9)


def install_error_handlers(app: FastAPI, templates: Jinja2Templates) -> None:
    """Errors are JSON under /api and pages elsewhere; never a stack trace."""

    def wants_json(request: Request) -> bool:
        return request.url.path.startswith("/api/")

    def render(request: Request, problem: Problem) -> Response:
        if wants_json(request):
            return JSONResponse(
                {"detail": problem.detail, "suggestions": problem.suggestions},
                status_code=problem.status,
            )
        context = {"problem": problem, "wiki": request.query_params.get("wiki")}
        return templates.TemplateResponse(request, "error.html", context, problem.status)

    @app.exception_handler(Problem)
    async def on_problem(request: Request, exc: Problem) -> Response:
        return render(request, exc)

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


def _plain(errors: object) -> object:
    import orjson

    return orjson.loads(orjson.dumps(errors, default=str))
