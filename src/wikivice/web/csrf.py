"""Cross-site requests that would change something are refused (issue 10).

Only POST (and PUT, PATCH, DELETE) changes state here, and any other site can make a
visitor's browser send one: a page with a form that submits itself. Browsers say where
such a request comes from, and the check below is the one Go's net/http
`CrossOriginProtection` makes (after Filippo Valsorda's survey of what browsers send):

1. `Sec-Fetch-Site` (sent by every current browser): `same-origin`, or `none` (the
   person's own doing: typed, bookmarked) passes. `cross-site` is refused, and so is
   `same-site`: a sibling subdomain may belong to someone else.
2. Without it, `Origin`: its host must be the request's own `Host`. `Origin: null` is
   refused: it is an origin the browser will not name (a sandboxed frame, a `data:`
   page, a redirect from another site).
3. Without either, `Referer`, the same way.
4. With none of them, the request passes: it is not from a browser (curl, a script, an
   API client) or from one too old to say, and the JSON API must keep working for
   programs. A forged request needs a browser, and browsers send at least `Origin` on
   a cross-site POST.

No token: the forms work without JavaScript and without a session, and the check
costs a few header lookups. Behind a reverse proxy, pass the `Host` header through:
browsers without `Sec-Fetch-Site` are checked against it.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from fastapi.responses import JSONResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from wikivice.web.problems import Problem

log = logging.getLogger(__name__)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
TRUSTED_FETCH_SITES = frozenset({"same-origin", "none"})
REFUSED = (
    "This request came from another site, so it was refused: WikiVice only starts "
    "analyses asked for on its own pages. Open WikiVice and ask there."
)


def is_cross_site(headers: Headers) -> bool:
    """Whether a browser says this request was sent by a page of another site."""
    fetch_site = headers.get("sec-fetch-site")
    if fetch_site is not None:
        return fetch_site.strip().lower() not in TRUSTED_FETCH_SITES
    host = headers.get("host", "").strip().lower()
    for name in ("origin", "referer"):
        sender = headers.get(name)
        if sender is not None:
            return not host or _host_of(sender) != host
    return False


def _host_of(url: str) -> str | None:
    """`host[:port]` of an Origin or Referer; None for `null` or what is not a URL."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return parts.netloc.lower()


class CrossSiteGuard:
    """ASGI middleware: a 403 for state-changing requests `is_cross_site` refuses, as
    JSON under /api/ and as a page elsewhere, before the app reads their body."""

    def __init__(self, app: ASGIApp, templates: Jinja2Templates) -> None:
        self.app = app
        self.templates = templates

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] not in SAFE_METHODS:
            if is_cross_site(Headers(scope=scope)):
                log.info("refused a cross-site %s %s", scope["method"], scope["path"])
                await self.refusal(Request(scope))(scope, receive, send)
                return
        await self.app(scope, receive, send)

    def refusal(self, request: Request) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": REFUSED, "suggestions": []}, status_code=403)
        context = {"problem": Problem(403, REFUSED, [], "refused"), "wiki": None}
        return self.templates.TemplateResponse(request, "error.html", context, 403)
