"""Per-client rate limits (issue 10): analyses, lookups and exports, each a `limits` rate.

The `limits` library counts, in a moving window: in Redis when `WIKIVICE_REDIS_URL` is
set (keys under `wikivice:`), so every web process of the service shares one count per
client, and in this process's memory otherwise. A route opts in with a dependency
(`AnalysesLimit`, `LookupsLimit`, `ExportsLimit`); a refusal raises `RateLimited`, which
`web/problems.py` answers with 429 and `Retry-After` (when the oldest counted request
leaves the window), as JSON under /api/ and as a page elsewhere.

Redis down: the limits fail open. Every request is let through and a warning is logged
(at most one a minute), and Redis is not asked again for `RETRY_STORAGE` seconds, so a
black-holed Redis costs no request more than one short timeout. Refusing everything
instead would turn a cache outage into a full outage, while what a limit protects stays
protected without it: starting a job needs the queue (Redis too, so analyses answer 503
while it is down), the job caps count in the database, and the stream cap is per process.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from anyio import to_thread
from fastapi import Depends, Request
from limits import RateLimitItem, parse_many
from limits.errors import StorageError
from limits.storage import MemoryStorage, RedisStorage, Storage
from limits.strategies import MovingWindowRateLimiter

from wikivice.settings import Settings
from wikivice.web.clients import client_key

log = logging.getLogger(__name__)
KEY_PREFIX = "wikivice"
REDIS_TIMEOUT = 0.5  # seconds: a limit check must never hold a request up for long
RETRY_STORAGE = 5.0  # seconds without asking a Redis that failed
WARN_EVERY = 60.0


class Limit(StrEnum):
    """What a limit counts; each is one `WIKIVICE_RATE_LIMIT_*` setting."""

    ANALYSES = "analyses"  # submissions, the search box, Random: they start jobs
    LOOKUPS = "lookups"  # suggestions, recent changes, random titles, diffs: ask a wiki
    EXPORTS = "exports"  # revision downloads: a whole history each
    STREAMS = "streams"  # event streams open at once (not a rate: `web/streams.py`)
    ADMIN = "admin"  # sign-ins to the job inspector, and requests with a wrong token


@dataclass
class RateLimited(Exception):
    """A client asked more often than its limit allows."""

    limit: Limit
    rate: str  # the rate that was spent, e.g. "20 per 1 minute"
    retry_after: int  # seconds until the window has room again


class RateLimits:
    """The service's rate limits, checked per client."""

    def __init__(self, settings: Settings, storage: Storage | None = None) -> None:
        self.rates: dict[Limit, list[RateLimitItem]] = {
            Limit.ANALYSES: parse_many(settings.rate_limit_analyses),
            Limit.LOOKUPS: parse_many(settings.rate_limit_lookups),
            Limit.EXPORTS: parse_many(settings.rate_limit_exports),
            Limit.ADMIN: parse_many(settings.rate_limit_admin),
        }
        if storage is None:
            storage = (
                RedisStorage(
                    settings.redis_url,
                    key_prefix=KEY_PREFIX,
                    wrap_exceptions=True,
                    socket_connect_timeout=REDIS_TIMEOUT,
                    socket_timeout=REDIS_TIMEOUT,
                )
                if settings.redis_url
                else MemoryStorage()
            )
        self.storage = storage
        self.shared = not isinstance(storage, MemoryStorage)
        self.limiter = MovingWindowRateLimiter(storage)
        self._skip_until = 0.0
        self._warned_at = -math.inf

    async def check(self, limit: Limit, client: str) -> None:
        """Count one request of `client`; raises `RateLimited` when it is one too many."""
        if not self.shared:  # memory: a few dictionary operations, no I/O
            self.hit(limit, client)
        elif time.monotonic() >= self._skip_until:
            await to_thread.run_sync(self.hit, limit, client)

    def hit(self, limit: Limit, client: str) -> None:
        """`check`, blocking (Redis is asked on a worker thread)."""
        items = self.rates[limit]
        try:
            # Test every rate before counting, so a refused request spends none of them.
            spent = [i for i in items if not self.limiter.test(i, limit, client)]
            if not spent and all(self.limiter.hit(i, limit, client) for i in items):
                return
            spent = spent or [i for i in items if not self.limiter.test(i, limit, client)]
            wait = max((self._wait(item, limit, client) for item in spent), default=1)
        except StorageError as exc:
            self._storage_failed(exc)
            return
        shown = spent[0] if spent else items[0]
        raise RateLimited(limit, str(shown), wait)

    def _wait(self, item: RateLimitItem, limit: Limit, client: str) -> int:
        stats = self.limiter.get_window_stats(item, limit, client)
        return max(1, math.ceil(stats.reset_time - time.time()))

    def _storage_failed(self, exc: StorageError) -> None:
        now = time.monotonic()
        self._skip_until = now + RETRY_STORAGE
        if now - self._warned_at >= WARN_EVERY:
            self._warned_at = now
            log.warning(
                "rate limits are not enforced: their storage failed (%s); requests pass "
                "until it answers again",
                exc.storage_error,
            )


def get_rate_limits(request: Request) -> RateLimits:
    limits: RateLimits = request.app.state.rate_limits
    return limits


def _limited(limit: Limit, when: Callable[[Request], bool] | None = None) -> Any:
    """A route's dependency counting each request against `limit` (those `when` says)."""

    async def check_rate(request: Request) -> None:
        if when is None or when(request):
            await get_rate_limits(request).check(limit, client_key(request))

    return Depends(check_rate)


def _filters_history(request: Request) -> bool:
    from wikivice.web.explorer import FILTERS

    return any(name in request.query_params for name in FILTERS)


# What a route lists in `dependencies=[...]` to count against a limit.
AnalysesLimit = _limited(Limit.ANALYSES)
LookupsLimit = _limited(Limit.LOOKUPS)
ExportsLimit = _limited(Limit.EXPORTS)
AdminLimit = _limited(Limit.ADMIN)
# An article page whose query filters its history (the explorer without JavaScript, or a
# shared link) is a lookup, as the explorer's JSON is: each may scan 20,000 revisions.
FilteredHistoryLimit = _limited(Limit.LOOKUPS, _filters_history)
