"""uvicorn's HTTP/1.1 protocols with a deadline for the request headers (issue 10).

uvicorn waits for a request's headers for as long as the client likes: a connection
that sends nothing, or a header line a byte at a time (slowloris), holds its socket and
its memory forever, and a few thousand of them exhaust the server. uvicorn has no
setting for it (`timeout_keep_alive` only covers the wait between requests), so these
subclasses start a timer when a connection opens and when a request begins, cancel it
once the headers are complete, and close the connection when it fires. The body and
the response are not timed: an event stream lasts as long as its job.

`protocol_class(settings)` gives the class to pass as `uvicorn.Config(http=...)`.
"""

from __future__ import annotations

import asyncio
import logging

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from wikivice.settings import Settings

log = logging.getLogger(__name__)
# The most a request's line and headers may take (nginx takes 4 buffers of 8 KiB at most
# by default, h11 16 KiB): far above any browser's cookies, far below a memory problem.
MAX_HEADER_BYTES = 64 * 1024
_REFUSAL = b"Request headers too large.\n"
HEADERS_TOO_LARGE = (
    b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
    b"content-type: text/plain; charset=utf-8\r\nconnection: close\r\n"
    b"content-length: %d\r\n\r\n%s" % (len(_REFUSAL), _REFUSAL)
)


class _HeaderDeadline:
    """The timer. `header_timeout` is set on the class `protocol_class` builds."""

    header_timeout: float = 5.0
    _header_bytes = 0  # received while headers were due (counted by httptools' class)
    transport: asyncio.Transport
    loop: asyncio.AbstractEventLoop
    _deadline: asyncio.TimerHandle | None = None

    def _start_deadline(self) -> None:
        self._cancel_deadline()
        self._deadline = self.loop.call_later(self.header_timeout, self._headers_too_slow)

    def _cancel_deadline(self) -> None:
        self._header_bytes = 0
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _headers_too_slow(self) -> None:
        self._deadline = None
        if not self.transport.is_closing():
            log.info("closed a connection that sent no complete headers in time")
            self.transport.close()


class H11HeaderDeadline(_HeaderDeadline, H11Protocol):
    """h11: the headers are complete when h11 has parsed a request (the client's state
    leaves IDLE)."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._start_deadline()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.conn.their_state is not h11.IDLE:
            self._cancel_deadline()
        elif self._deadline is None and self.conn.trailing_data[0]:
            self._start_deadline()  # a new request has begun on a kept-alive connection

    def on_response_complete(self) -> None:
        super().on_response_complete()
        # A next request's first bytes that came while this response was being sent
        # (h11 held them, the client's state DONE, not IDLE): its headers are due now.
        if self._deadline is None and self.conn.their_state is h11.IDLE:
            if self.conn.trailing_data[0] and not self.transport.is_closing():
                self._start_deadline()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_deadline()
        super().connection_lost(exc)


class HttpToolsHeaderDeadline(_HeaderDeadline, HttpToolsProtocol):
    """httptools: the parser calls `on_message_begin` when a request's first bytes
    arrive and `on_headers_complete` at the end of its headers.

    httptools keeps a header however long it grows, and uvicorn sets it no bound (h11
    has one: 16 KiB); so while a request's headers are due, the bytes received are
    counted (a chunk in which they end is not: the body is BodyLimit's), and past
    MAX_HEADER_BYTES the client gets a 431 and the connection is closed (a probe sent
    64 MB of one header within the deadline: 326 MB more memory for eight of them)."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._start_deadline()

    def data_received(self, data: bytes) -> None:
        due = self._deadline is not None
        super().data_received(data)
        if due and self._deadline is not None:  # headers still due: `data` was all headers
            self._header_bytes += len(data)
            if self._header_bytes > MAX_HEADER_BYTES:
                self._refuse_headers()

    def _refuse_headers(self) -> None:
        self._cancel_deadline()
        if not self.transport.is_closing():
            log.info("closed a connection whose request headers passed %d bytes", MAX_HEADER_BYTES)
            self.transport.write(HEADERS_TOO_LARGE)
            self.transport.close()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._start_deadline()

    def on_headers_complete(self) -> None:
        self._cancel_deadline()
        super().on_headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_deadline()
        super().connection_lost(exc)


def protocol_class(
    settings: Settings, base: type[H11Protocol | HttpToolsProtocol] = HttpToolsHeaderDeadline
) -> type[asyncio.Protocol]:
    """The HTTP protocol class for uvicorn (`http=`), with `settings.header_timeout`:
    httptools, as uvicorn's "auto" picks when it is installed (uvicorn[standard]); the
    h11 one is there for the tests and for whoever prefers it."""
    return type(base.__name__, (base,), {"header_timeout": settings.header_timeout})
