"""One client's requests to one wiki: a politeness slot per request (or, for a serial
walk, one kept from each request to the next), retries with backoff and Retry-After,
redirects within the host only, and every failure in words a person can read.

What a wiki sends back when it refuses is never passed on: a person sees the HTTP status,
or MediaWiki's own short error code and message, cut to a few hundred characters. (A
stranger may point the server at a wiki of their own: its error bodies are theirs.)
"""

from __future__ import annotations

import errno
import math
import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx
import orjson

from wikivice import metrics
from wikivice.wiki.errors import ApiError, WikiRejected, WikiUnavailable, WikiUnreachable
from wikivice.wiki.politeness import WAIT_STEP_MAX, Lease

if TYPE_CHECKING:
    from wikivice.wiki.pool import WikiClients

MAX_REDIRECTS = 3
MAX_INFO_CHARS = 300  # of a wiki's own error message, as shown to people
# MediaWiki errors that pass: wait and try again.
PASSING_ERRORS = ("ratelimited", "readonly", "internal_api_error_DBQueryTimeoutError")
REDIRECTS = (301, 302, 303, 307, 308)
# A walk keeps its slot from one request to the next for this long at most, then gives
# it back and waits its turn again like any other request (`Transport.keeping_slot`):
# when every slot is kept by walks, a request waiting alone gets one within about this
# long (and the pause below), well inside a person's `lookup_timeout`; when more wait
# than turns end, a person may give up first (503, `web.problems`: SlotsBusy). A lease
# (30 s and more, `jobs.runtime.fleet_slots`) outlasts a turn and its last request.
SLOT_TURN = 1.0  # seconds: 10 requests at 100 ms, 70 at none
TURN_PAUSE = WAIT_STEP_MAX + 0.05  # seconds a walk lets a waiting request take its slot


# What a wiki did, by retry reason, in words for people.
RETRY_WORDS = {
    "unreachable": "stopped answering",
    "timeout": "stopped answering",
    "5xx": "is failing",
    "429": "asked us to slow down",
    "maxlag": "asked us to slow down",
    "garbled": "sent a garbled answer",
}


@dataclass(frozen=True)
class RetryNotice:
    """Told to listeners before each wait, so a job can say why it is waiting: the
    `attempt`-th try failed, the next comes after `wait` seconds, of `tries` in all."""

    reason: str  # "maxlag", "429", "5xx", "timeout", "unreachable", "garbled", …
    detail: str  # plain words (never an exception's text)
    wait: float
    attempt: int
    tries: int = 0  # 0: not said

    def sentence(self, host: str) -> str:
        """`fr.wikipedia.org stopped answering (the connection was refused); trying
        again in 8 s, attempt 2 of 6`."""
        what = RETRY_WORDS.get(self.reason, "is busy")
        when = f"in {math.ceil(self.wait):.0f} s" if self.wait > 0 else "now"
        of = f" of {self.tries}" if self.tries else ""
        return f"{host} {what} ({self.detail}); trying again {when}, attempt {self.attempt + 1}{of}"


RetryListener = Callable[[RetryNotice], None]


@dataclass
class Tries:
    """How a client tries: `count` tries of at most `timeout` seconds each, waiting at
    most `max_wait` between them; `listener` hears of each retry before its wait, and
    `sleep` waits (a job's sleep ends early when the job must stop). A politeness slot
    is waited for `slot_wait` seconds at most (None: as long as it takes), and
    `on_wait(host)` hears once per request that it is waiting for one."""

    count: int
    timeout: float
    max_wait: float
    listener: RetryListener | None = None
    sleep: Callable[[float], None] = time.sleep
    slot_wait: float | None = None
    on_wait: Callable[[str], None] | None = None


@dataclass(frozen=True)
class _Retry:
    reason: str
    detail: str
    wait: float


class _Kept(threading.local):
    """A thread's politeness slot kept between its requests (`Transport.keeping_slot`)."""

    on = False
    lease: Lease | None = None
    since = 0.0


class Transport:
    """GETs JSON from one wiki host for one client (`requests` counts the tries)."""

    def __init__(self, pool: WikiClients, host: str, tries: Tries) -> None:
        self.pool = pool
        self.host = host
        self.tries = tries
        self.requests = 0
        self._kept = _Kept()

    @contextmanager
    def keeping_slot(self) -> Iterator[None]:
        """Within it, this thread's requests keep their politeness slot from one to the
        next, for SLOT_TURN seconds at a time, instead of taking and giving it back around
        each (two writes to the shared slots a request: two transactions of the database
        when it holds them). For a serial walk, whose next request follows its answer at
        once: it never has more than one request in flight, so it holds one slot either
        way. Whoever waits between requests for anything but the wiki says so with
        `give_back_slot`; a retry's wait gives it back by itself; so does the end."""
        kept = self._kept
        kept.on = True
        try:
            yield
        finally:
            kept.on = False
            self.give_back_slot()

    def give_back_slot(self) -> None:
        """The slot this thread keeps, if any, back to the others."""
        kept = self._kept
        if kept.lease is not None:
            lease, kept.lease = kept.lease, None
            self.pool.give_slot(lease)

    def _end_turn(self) -> None:
        """A kept slot's turn is over: it goes back. When every slot of the host was
        taken, another request may be waiting for one: the walk pauses for as long as a
        waiter's longest look takes (`politeness.WAIT_STEP_MAX`) before it asks again, or
        it would take its slot back at once, turn after turn."""
        slots = self.pool.slots
        try:
            full = slots.in_use(self.host) >= slots.limit
        except Exception:  # the shared slots cannot say: let a waiter have it anyway
            full = True
        self.give_back_slot()
        if full:
            self.tries.sleep(TURN_PAUSE)

    @contextmanager
    def _slot(self) -> Iterator[None]:
        """A slot for one request: the pool's, or the one this thread keeps."""
        kept = self._kept
        if not kept.on:
            with self.pool.slot(self.host, self.tries):
                yield
            return
        if kept.lease is not None and time.monotonic() - kept.since >= SLOT_TURN:
            self._end_turn()
        if kept.lease is None:
            kept.lease = self.pool.take_slot(self.host, self.tries)
            kept.since = time.monotonic()
        else:  # it waited for none (the metric counts every request's wait)
            metrics.SLOT_WAIT_SECONDS.labels(self.host).observe(0.0)
        yield

    def get_json(self, url: str, params: dict[str, str] | None) -> Any:
        """The decoded answer; raises a `MediaWikiError` once the tries are spent."""
        tries = self.tries
        last = "no answer"
        for attempt in range(tries.count):
            outcome = self._attempt(url, params, attempt)
            if not isinstance(outcome, _Retry):
                return outcome
            last = outcome.detail
            if attempt == tries.count - 1:
                if tries.count == 1 and outcome.reason == "unreachable":
                    raise WikiUnreachable(self.host, outcome.detail)
                break
            wait = min(outcome.wait, tries.max_wait)
            metrics.WIKI_RETRIES.labels(self.host, outcome.reason).inc()
            metrics.WIKI_RETRY_WAIT_SECONDS.labels(self.host, outcome.reason).inc(wait)
            if tries.listener:
                notice = RetryNotice(outcome.reason, outcome.detail, wait, attempt + 1, tries.count)
                tries.listener(notice)
            self.give_back_slot()  # no slot is kept through a wait
            tries.sleep(wait)
        raise WikiUnavailable(
            f"{self.host} did not answer usefully after {_tries(tries.count)} (last: {last})"
        )

    def _attempt(self, url: str, params: dict[str, str] | None, attempt: int) -> Any:
        """One try: the answer, or a `_Retry` saying why and how long to wait."""
        backoff = min(2.0**attempt, 30.0) * (0.5 + random.random() / 2)
        self.requests += 1
        try:
            with self._slot():
                sent = time.perf_counter()
                response, body = self._get(url, params)
        except httpx.TimeoutException:
            metrics.WIKI_REQUESTS.labels(self.host, "timeout").inc()
            return _Retry("timeout", f"no answer within {self.tries.timeout:g} s", backoff)
        except httpx.TransportError as exc:
            metrics.WIKI_REQUESTS.labels(self.host, "unreachable").inc()
            return _Retry("unreachable", _why_unreachable(exc), backoff)
        status = response.status_code
        metrics.WIKI_REQUESTS.labels(self.host, str(status)).inc()
        metrics.WIKI_REQUEST_SECONDS.labels(self.host).observe(time.perf_counter() - sent)
        if status == 429 or status >= 500:
            kind = "429" if status == 429 else "5xx"
            return _Retry(kind, f"HTTP {status}", _retry_after(response, backoff))
        if status >= 400:
            raise WikiRejected(_rejection(self.host, status))
        try:
            data = orjson.loads(body)
        except orjson.JSONDecodeError:
            return _Retry("garbled", "the answer was not valid JSON", backoff)
        if isinstance(data, dict) and "error" in data:
            error = data["error"] if isinstance(data["error"], dict) else {}
            code = _short(str(error.get("code", "unknown")), 80)
            info = _short(str(error.get("info") or error.get("text") or code), MAX_INFO_CHARS)
            if code == "maxlag":
                lagged = f"the wiki's database is lagged ({info})"
                return _Retry("maxlag", lagged, _retry_after(response, 5.0))
            if code in PASSING_ERRORS:
                return _Retry(code, info, _retry_after(response, backoff))
            raise ApiError(code, info)
        return data

    def _get(self, url: str, params: dict[str, str] | None) -> tuple[httpx.Response, bytes]:
        """GET, following redirects only within the host (a wiki URL a stranger typed
        must not send us to another host, least of all an internal one)."""
        for _ in range(MAX_REDIRECTS + 1):
            with self.pool.http.stream(
                "GET", url, params=params, timeout=self.tries.timeout
            ) as response:
                # Read here rather than kept on the response (`response.read()`):
                # httpx's response and its stream refer to each other, so what a
                # response holds is freed only by the garbage collector, while this
                # body (150 KB for 500 revisions) goes as soon as it is parsed.
                body = b"".join(response.iter_bytes())
            if response.status_code not in REDIRECTS or "location" not in response.headers:
                return response, body
            target = response.url.join(response.headers["location"])
            if (target.scheme, target.host, target.port) != (
                response.url.scheme,
                response.url.host,
                response.url.port,
            ):
                raise WikiRejected(f"{self.host} redirected the request to another host")
            url, params = str(target), None
        raise WikiRejected(f"{self.host} redirected the request too many times")


def _why_unreachable(exc: httpx.TransportError) -> str:
    """Plain words for a connection that failed (the exception's text goes nowhere)."""
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, OSError):
            if cause.errno == errno.ECONNREFUSED:
                return "the connection was refused"
            if "Name or service not known" in str(cause) or "getaddrinfo" in str(cause):
                return "the name does not resolve"
        text = str(cause)
        if "Name or service not known" in text or "nodename nor servname" in text:
            return "the name does not resolve"
        if "Connection refused" in text:
            return "the connection was refused"
        cause = cause.__cause__ or cause.__context__
    if isinstance(exc, httpx.ConnectError):
        return "could not connect"
    return "the connection broke off"


def _retry_after(response: httpx.Response, default: float) -> float:
    value = response.headers.get("Retry-After")
    if value is None:
        return default
    try:
        return max(0.0, float(value))
    except ValueError:
        return default  # an HTTP date: rare from MediaWiki; back off instead


def _rejection(host: str, status: int) -> str:
    if status == 404:
        return f"{host} has no such address (HTTP 404): is this the wiki's api.php?"
    return f"{host} refused the request (HTTP {status})"


def _short(text: str, limit: int) -> str:
    """A wiki's words fit to show: control characters gone, at most `limit` long."""
    cleaned = "".join(c if c.isprintable() else " " for c in text).strip()
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1] + "…"


def _tries(count: int) -> str:
    return "1 try" if count == 1 else f"{count:,} tries"
