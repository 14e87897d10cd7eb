"""The web app factory: `create_app(settings)` builds everything; nothing happens at import.

The app: its routers, static files (plotly.js from the plotly package), security headers
on every answer (`headers`, errors included), compression, error handlers (`problems`)
and its lifespan (`lifespan`: the runtime, the event hub, the worker).
"""

from __future__ import annotations

import functools
import gzip
import logging
from pathlib import Path

import plotly
from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from wikivice import __version__
from wikivice.jobs.runtime import Runtime
from wikivice.settings import Settings
from wikivice.web import csrf, filters
from wikivice.web.bodies import BodyLimit
from wikivice.web.compression import GZip, takes_gzip
from wikivice.web.head import HeadAsGet
from wikivice.web.headers import SecurityHeaders
from wikivice.web.lifespan import lifespan_for
from wikivice.web.problems import install_error_handlers
from wikivice.web.ratelimits import RateLimits
from wikivice.web.renders import Renders
from wikivice.web.routes import (
    admin,
    analyses,
    compare,
    control,
    diffs,
    editors,
    exports,
    history,
    jobs,
    views,
    wikis,
)
from wikivice.web.routes import assets as asset_routes
from wikivice.web.routes import docs as docs_routes
from wikivice.web.routes import health as health_routes
from wikivice.web.routes import metrics as metrics_routes
from wikivice.web.routes import pages as page_routes
from wikivice.web.streams import StreamSlots

log = logging.getLogger(__name__)
HERE = Path(__file__).parent
PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


class WikiViceApp(FastAPI):
    """FastAPI with the security headers outside everything, Starlette's
    ServerErrorMiddleware included (a 500 carries them too), and HEAD answered as GET."""

    def build_middleware_stack(self) -> ASGIApp:
        return SecurityHeaders(HeadAsGet(_AnsweredErrors(super().build_middleware_stack())))


class _AnsweredErrors:
    """Starlette's ServerErrorMiddleware answers an unhandled exception with our 500
    (`problems.on_crash`, which logs its traceback) and then raises it again for the
    server to log. uvicorn then logs it a second time and drops the connection, which
    a client may see as a reset instead of the 500 just sent. Once that 500 is complete,
    the exception stops here; any other (one not answered, or raised after another
    answer, as by a background task) goes on to the server."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        status, complete = 0, False

        async def watched(message: Message) -> None:
            nonlocal status, complete
            await send(message)
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body" and not message.get("more_body"):
                complete = True

        try:
            await self.app(scope, receive, watched)
        except Exception:
            if not (complete and status == 500):
                raise


# The routers, in the order their paths are matched.
ROUTERS = (
    asset_routes.router,  # before the /static mount: it writes /static/js/vocabulary.js
    health_routes.router,
    docs_routes.router,
    metrics_routes.router,
    analyses.router,
    jobs.router,
    control.api_router,
    control.router,
    admin.router,
    admin.api_router,
    page_routes.router,
    wikis.router,
    wikis.analyses_router,
    diffs.router,
    exports.router,
    history.router,
    editors.router,
    editors.pages_router,
    compare.router,
    views.router,
)


def create_app(
    settings: Settings, *, worker: bool = True, runtime: Runtime | None = None
) -> FastAPI:
    """The app. With `worker`, it also runs fetch jobs in this process."""

    app = WikiViceApp(
        title="WikiVice",
        version=__version__,
        summary="See what happens behind a Wikipedia article.",
        lifespan=lifespan_for(settings, worker=worker, runtime=runtime),
        docs_url=None,  # ours, served locally (routes/docs.py)
        redoc_url=None,  # ours too, with no web fonts (routes/docs.py)
    )
    templates = Jinja2Templates(directory=HERE / "templates")
    filters.install(templates.env)
    app.state.templates = templates
    app.state.renders = Renders()  # dashboards rendered, by what they show
    app.state.warm_ups = [_plotly_gzipped]  # done at start-up as well (web/warmup.py)
    _install_guards(app, settings, templates)

    for router in ROUTERS:
        app.include_router(router)

    @app.get("/static/vendor/plotly.min.js", include_in_schema=False)
    def read_plotly_js(request: Request) -> Response:
        # Served from the plotly package itself (never a CDN), compressed once: 4.7 MB
        # becomes 1.4 MB on the wire.
        headers = {"Cache-Control": "public, max-age=86400", "Vary": "Accept-Encoding"}
        if not takes_gzip(request.headers.get("accept-encoding", "")):
            return FileResponse(PLOTLY_JS, headers=headers)
        return Response(
            _plotly_gzipped(),
            media_type="text/javascript",
            headers={**headers, "Content-Encoding": "gzip"},
        )

    # Before /static, which would take these paths too.
    app.mount(
        docs_routes.SWAGGER_URL,
        StaticFiles(directory=docs_routes.SWAGGER_UI),
        name="swagger-ui",
    )
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    # Pages, fragments and JSON compressed; event streams are left alone (Starlette
    # excludes text/event-stream), as are responses that are already compressed.
    app.add_middleware(GZip, minimum_size=1024, compresslevel=5)
    install_error_handlers(app, templates)
    return app


def _install_guards(app: FastAPI, settings: Settings, templates: Jinja2Templates) -> None:
    """What refuses a request before a route sees it (a cross-site post, a body over
    64 KiB), and the per-client limits the routes count against (issue 10)."""
    app.add_middleware(csrf.CrossSiteGuard, templates=templates)
    app.add_middleware(BodyLimit)  # outside: before anything reads a body
    app.state.rate_limits = RateLimits(settings)  # a bad rate fails here, at start-up
    app.state.stream_slots = StreamSlots(settings.max_streams_per_client)


@functools.cache
def _plotly_gzipped() -> bytes:
    return gzip.compress(PLOTLY_JS.read_bytes(), compresslevel=9)
