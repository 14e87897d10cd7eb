"""Request bodies over `MAX_BODY_BYTES` are refused with 413 (issue 10: a 200 MB JSON body
was read whole, and the process peaked at 1.5 GB).

Pure ASGI, so nothing is buffered on the way: a `Content-Length` over the limit is
refused before a byte of the body is read; a body without one (chunked) is counted as it
streams in, and refused as soon as the count passes the limit. The app then sees the
body end early; what it answers is replaced by the 413 (nothing has been sent yet: no
route here answers before it has read its whole body). JSON under /api/, a line of
text elsewhere.
"""

from __future__ import annotations

import logging

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__name__)
MAX_BODY_BYTES = 64 * 1024  # the largest thing we take is a title and a wiki URL
TOO_LARGE = f"The request body is too large: at most {MAX_BODY_BYTES // 1024} KiB, please."


class BodyTooLarge(Exception):
    """Raised inside the app when a streamed body passes the limit."""


class BodyLimit:
    """ASGI middleware: 413 for request bodies over `limit` bytes."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.limit:
            await self._refuse(scope, send)
            return
        received = 0
        refused = False
        started = False

        async def counted_receive() -> Message:
            nonlocal received, refused
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    refused = True
                    raise BodyTooLarge
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if refused:  # the app's answer to a body cut short is not sent
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, guarded_send)
        except BodyTooLarge:
            pass
        if refused and not started:
            await self._refuse(scope, send)

    async def _refuse(self, scope: Scope, send: Send) -> None:
        path = scope.get("path", "")
        log.info("refused a request body over %s bytes on %s", self.limit, path)
        if path.startswith("/api/"):
            body = orjson.dumps({"detail": TOO_LARGE, "suggestions": []})
            kind = b"application/json"
        else:
            body, kind = TOO_LARGE.encode(), b"text/plain; charset=utf-8"
        headers = [
            (b"content-type", kind),
            (b"content-length", str(len(body)).encode()),
            (b"connection", b"close"),  # the rest of the body is not read
        ]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None  # uvicorn refuses such a request before it gets here
    return None
