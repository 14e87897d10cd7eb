"""At most `max_streams_per_client` event streams open per client, in this process.

An event stream holds a connection and a follower of the hub for as long as its job
runs; without a cap one client could hold thousands. The count is per process (a
stream lives in one process, and its slot must be freed when it closes, whatever way:
the end of the job, the client leaving, the server stopping), so no storage can lose a
slot. Past the cap the request gets 429 with Retry-After (`RateLimited`).
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import AsyncIterable, Mapping
from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

from wikivice.web.ratelimits import Limit, RateLimited

RETRY_AFTER = 10  # seconds: a stream ends with its job, or when its page is closed


class StreamSlots:
    """Counts the open streams of each client."""

    def __init__(self, per_client: int) -> None:
        self.per_client = per_client
        self._open: Counter[str] = Counter()
        self._lock = threading.Lock()

    def take(self, client: str) -> None:
        """One more stream for `client`, or `RateLimited` if it holds all it may."""
        with self._lock:
            if self._open[client] >= self.per_client:
                raise RateLimited(Limit.STREAMS, f"{self.per_client} at once", RETRY_AFTER)
            self._open[client] += 1

    def give_back(self, client: str) -> None:
        with self._lock:
            self._open[client] -= 1
            if self._open[client] <= 0:
                del self._open[client]

    def open_streams(self, client: str) -> int:
        with self._lock:
            return self._open[client]


class HeldStream(StreamingResponse):
    """An event stream holding one of its client's slots (taken before it is built),
    given back when the response ends, however it ends: finished, the client gone, or
    cancelled by a stopping server."""

    def __init__(
        self,
        content: AsyncIterable[bytes],
        *,
        slots: StreamSlots,
        client: str,
        headers: Mapping[str, str],
    ) -> None:
        super().__init__(content, media_type="text/event-stream", headers=headers)
        self._slots, self._client = slots, client

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self._slots.give_back(self._client)


def get_stream_slots(request: Request) -> StreamSlots:
    slots: StreamSlots = request.app.state.stream_slots
    return slots


StreamSlotsDep = Annotated[StreamSlots, Depends(get_stream_slots)]
