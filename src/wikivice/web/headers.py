"""Security headers on every answer: pages, JSON, static files, event streams, and the
500s and refusals that never reach a route (issue 10).

A plain ASGI middleware that adds them to the `http.response.start` message, installed
around the whole app (`web.app.WikiViceApp`): outside Starlette's ServerErrorMiddleware,
which answers an unhandled exception itself and so bypasses every middleware inside it.
A header a response sets itself is kept.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Pages run only our own scripts; plotly needs inline styles. Nothing leaves the origin.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)
# No page here needs a camera, a microphone, a location or a payment.
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
SECURITY_HEADERS = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("Permissions-Policy", PERMISSIONS_POLICY),
    # frame-ancestors says the same to current browsers; this, to older ones.
    ("X-Frame-Options", "DENY"),
)


class SecurityHeaders:
    """ASGI middleware: `SECURITY_HEADERS` on every HTTP response that lacks them."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS:
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)
