"""HEAD, answered wherever GET is (RFC 9110 §9.3.2): uptime checks and link checkers
ask with it, and FastAPI routes only the methods a route names (a probe: `HEAD /` and
`HEAD /healthz` were 405).

A plain ASGI middleware around the whole app: the request goes on as a GET, so it passes
the same guards and limits; uvicorn, which still sees the HEAD, sends the status and
headers and drops the body. A response in several pieces (a file, an export, an event
stream) is ended after its first: the rest would be dropped anyway, and an event stream
would run until its job ended. Once the response is over, the app is told the client
left (as uvicorn tells it then), which stops a stream at once.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

DISCONNECT: Message = {"type": "http.disconnect"}


class HeadAsGet:
    """ASGI middleware: a HEAD request goes to the app as a GET, its body cut short."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return
        ended = False

        async def send_head(message: Message) -> None:
            nonlocal ended
            if ended:
                return
            if message["type"] == "http.response.body":
                ended = True
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        async def receive_head() -> Message:
            return DISCONNECT if ended else await receive()

        await self.app({**scope, "method": "GET"}, receive_head, send_head)
