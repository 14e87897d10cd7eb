"""Requests that wait on a wiki run on threads of their own.

A route that asks a wiki something (a title lookup, suggestions, a diff) can wait up to
`lookup_timeout` on a slow wiki, or longer for a politeness slot. On the shared thread
pool, 40 such waits would stall every other page; here they queue for `LOOKUP_THREADS`
threads of their own, and the pages that only read the database never wait for them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, ParamSpec, TypeVar

from anyio import CapacityLimiter, to_thread
from fastapi import Depends, Request

LOOKUP_THREADS = 16
P = ParamSpec("P")
T = TypeVar("T")


class Lookups:
    def __init__(self, threads: int = LOOKUP_THREADS) -> None:
        self._limiter = CapacityLimiter(threads)

    async def run(self, work: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """`work(*args, **kwargs)` on a lookup thread."""
        return await to_thread.run_sync(lambda: work(*args, **kwargs), limiter=self._limiter)


def get_lookups(request: Request) -> Lookups:
    lookups: Lookups = request.app.state.lookups
    return lookups


LookupsDep = Annotated[Lookups, Depends(get_lookups)]
