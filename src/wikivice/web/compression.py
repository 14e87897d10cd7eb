"""Whether a client takes gzip, by its `Accept-Encoding` with its weights honoured
(`gzip;q=0` refuses it: a probe got gzip anyway), and Starlette's GZipMiddleware asking
that first (it looks for the word alone)."""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.middleware.gzip import GZipMiddleware
from starlette.types import Receive, Scope, Send

GZIP_NAMES = frozenset({"gzip", "x-gzip"})  # x-gzip: RFC 9110's alias


def takes_gzip(accept_encoding: str) -> bool:
    """True when `accept_encoding` names gzip with a weight above 0 (`*` is not taken
    for it: every browser names gzip)."""
    taken = False
    for item in accept_encoding.split(","):
        coding, *params = item.split(";")
        if coding.strip().lower() not in GZIP_NAMES:
            continue
        weight = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0  # a weight that is no number is no consent
        if weight <= 0:
            return False  # refused outright, whatever else the header says
        taken = True
    return taken


class GZip(GZipMiddleware):
    """Starlette's GZipMiddleware for the clients `takes_gzip` says take it."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not takes_gzip(
            Headers(scope=scope).get("accept-encoding", "")
        ):
            await self.app(scope, receive, send)
            return
        await super().__call__(scope, receive, send)
