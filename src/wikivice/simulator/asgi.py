"""The raw ASGI plumbing under the simulator's app: the scope, receive and send types,
reading a request's body and parameters, and sending a whole response.

The app speaks ASGI directly rather than through a framework, which is faster for the
200 kB JSON pages of a history walk.
"""

from __future__ import annotations

import zlib
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qsl

import orjson

__all__ = [
    "JSON_TYPE",
    "Receive",
    "Scope",
    "Send",
    "read_body",
    "read_params",
    "respond",
    "respond_json",
]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

JSON_TYPE = "application/json; charset=utf-8"


async def read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


async def read_params(scope: Scope, receive: Receive) -> dict[str, str]:
    """GET and POST form parameters merged, POST winning (PHP's $_REQUEST order)."""
    query = scope.get("query_string", b"").decode("latin-1")
    params = dict(parse_qsl(query, keep_blank_values=True))
    if scope["method"] == "POST":
        body = await read_body(receive)
        params.update(parse_qsl(body.decode("latin-1"), keep_blank_values=True))
    return params


async def respond_json(send: Send, status: int, value: Any) -> None:
    await respond(send, status, orjson.dumps(value), JSON_TYPE)


async def respond(
    send: Send,
    status: int,
    body: bytes,
    content_type: str,
    headers: dict[str, str] | None = None,
    gzip_ok: bool = False,
    truncate: bool = False,
) -> None:
    """Send `body` whole, gzip-compressed from 1 kB when `gzip_ok`; with `truncate`, only
    its first half (the `truncated` fault)."""
    raw = [(b"content-type", content_type.encode())]
    raw += [(k.lower().encode(), v.encode("latin-1")) for k, v in (headers or {}).items()]
    if gzip_ok and len(body) >= 1024:
        squeezer = zlib.compressobj(1, zlib.DEFLATED, 31)  # level 1: cheap, still ~8x smaller
        body = squeezer.compress(body) + squeezer.flush()
        raw += [(b"content-encoding", b"gzip"), (b"vary", b"Accept-Encoding")]
    raw.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": raw})
    if truncate:  # the declared length never arrives; the server then drops the connection
        await send(
            {"type": "http.response.body", "body": body[: len(body) // 2], "more_body": True}
        )
        return
    await send({"type": "http.response.body", "body": body})
