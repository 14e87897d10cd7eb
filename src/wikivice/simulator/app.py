"""The Simulator: a raw ASGI app (faster than a framework for 200 kB JSON pages; its
plumbing is asgi.py) that answers like Wikimedia's api.php (api.php's dispatcher is
api.py) and rest.php (rest.py), plus controls under `/_simulator/`.

Order of work for every api.php / rest.php request (the wiki endpoints):
1. count it (stats.py: totals, per endpoint/action/module, concurrency);
2. the User-Agent policy (on by default): none, or a bare library agent such as
   `python-httpx/0.28` or `curl/8.5`, gets Wikimedia's HTTP 403 text;
3. the fault decision (see faults.py), then `latency` seconds of asyncio sleep;
4. the answer, gzip-compressed when the client accepts it (as Wikimedia does).

Controls (never counted, delayed or faulted): `GET /_simulator/stats`,
`POST /_simulator/reset-stats`, `POST /_simulator/grow` `{"title", "count"}`,
`GET|POST /_simulator/config` `{"latency", "faults"}`.
"""

from __future__ import annotations

import asyncio
import html
import random
import re
import threading
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, unquote

import orjson

from . import api, content, formats, pages, rest
from .asgi import (
    JSON_TYPE,
    Receive,
    Scope,
    Send,
    read_body,
    read_params,
    respond,
    respond_json,
)
from .catalog import Catalog, InvalidTitle, normalize
from .editors import mix
from .faults import FaultInjector, FaultSpec
from .history import SyntheticHistory
from .stats import SimulatorStats

__all__ = ["Simulator", "SimulatorStats", "user_agent_allowed"]

UA_POLICY = (
    "Please set a user-agent and respect our robot policy https://w.wiki/4wJS. "
    "See https://meta.wikimedia.org/wiki/User-Agent_policy.\n"
)
_LIBRARY_AGENT = re.compile(
    r"(python-httpx|python-requests|python-urllib3|Python-urllib|curl|Wget|Go-http-client"
    r"|okhttp|aiohttp|Java|libwww-perl|node-fetch|axios|undici)/\S*",
    re.IGNORECASE,
)
_ERROR_PAGE = (
    '<!DOCTYPE html>\n<html lang="en">\n<meta charset="utf-8">\n<title>Wikimedia Error</title>\n'
    "<body>\n<h1>Error</h1>\n<p>Our servers are currently under maintenance or experiencing a "
    'technical issue. Please <a href="" title="Reload this page">try again</a> in a few '
    "minutes.</p>\n<p>Request served via cp3066 cp3066, Varnish XID 431391873<br>Upstream "
    "caches: cp3066 int<br>Error: {status}, {reason} at {when}</p>\n</body>\n</html>\n"
)
_REASONS = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}


def user_agent_allowed(agent: str) -> bool:
    """Wikimedia's policy: some agent, and not a library's default one alone."""
    agent = agent.strip()
    return bool(agent) and not _LIBRARY_AGENT.fullmatch(agent)


def _anchor(value: datetime | str | None) -> int:
    if value is None:  # today, so the demo's latest edits are hours old
        now = datetime.now(UTC)
        return int(now.replace(hour=0, minute=0, second=0, microsecond=0).timestamp())
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return int(value.timestamp())


class Simulator:
    """A simulated MediaWiki site. `app` is its ASGI application."""

    def __init__(
        self,
        *,
        latency: float = 0.0,
        faults: FaultSpec | str | None = None,
        anchor: datetime | str | None = None,
        enforce_user_agent: bool = True,
        seed: int = 0,
    ) -> None:
        self.seed = seed
        self.catalog = Catalog(seed=seed, anchor=_anchor(anchor))
        self.latency = latency
        self.enforce_user_agent = enforce_user_agent
        self.faults = faults if isinstance(faults, FaultSpec) else FaultSpec.parse(faults)
        self.stats = SimulatorStats()
        self.closing = False  # set by SimulatorServer so hanging requests end promptly
        self._random_calls = 0
        self._counts: dict[tuple[int, int, str], tuple[int, int]] = {}
        self._lock = threading.Lock()

    # -- the Python controls -------------------------------------------------------
    @property
    def faults(self) -> FaultSpec:
        return self._injector.spec

    @faults.setter
    def faults(self, spec: FaultSpec | str) -> None:
        self._injector = FaultInjector(
            spec if isinstance(spec, FaultSpec) else FaultSpec.parse(spec)
        )

    @property
    def anchor(self) -> datetime:
        return datetime.fromtimestamp(self.catalog.anchor, UTC)

    def history(self, title: str) -> SyntheticHistory | None:
        """Ground truth for a content page (any spelling MediaWiki normalizes), or None
        for missing pages, redirects and invalid titles."""
        try:
            ns, canonical = normalize(title)
        except InvalidTitle:
            return None
        page = self.catalog.page(canonical) if ns == 0 else None
        return page if page is not None and page.redirect_to is None else None

    def grow(self, title: str, count: int) -> SyntheticHistory:
        """Add `count` revisions after the page's latest one (a live edit)."""
        page = self.history(title)
        if page is None:
            raise KeyError(f"no content page {title!r}")
        with self._lock:
            page.grow(count)
            self.catalog.pin(page)
        return page

    def reset_stats(self) -> None:
        self.stats = SimulatorStats()

    def next_random(self) -> random.Random:
        """A fresh, reproducible random stream for list=random."""
        with self._lock:
            self._random_calls += 1
            return random.Random(mix(self.seed, "random", self._random_calls))

    def rest_count(self, page: SyntheticHistory, kind: str, limit: int) -> int:
        """The uncapped count when <= limit, else some value > limit (cached)."""
        key = (page.pageid, page.count, kind)
        cached = self._counts.get(key)
        if cached is not None and (cached[0] <= cached[1] or limit <= cached[1]):
            return cached[0]
        value = page.rest_count(kind, limit)
        if len(self._counts) > 4096:
            self._counts.clear()
        self._counts[key] = (value, limit)
        return value

    # -- ASGI ------------------------------------------------------------------------
    async def app(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        path: str = scope["path"]
        if path == "/w/api.php" or path.startswith("/w/rest.php/"):
            await self._wiki(scope, receive, send)
        elif path.startswith("/_simulator/"):
            await self._control(scope, receive, send)
        elif path == "/w/index.php" or path.startswith("/wiki/Special:Contributions/"):
            await self._index(scope, send)
        elif path.startswith("/wiki/"):
            await self._article(scope, send)
        elif path == "/":
            text = "Simulated Wikipedia: /w/api.php, /w/rest.php, /_simulator/stats\n"
            await respond(send, 200, text.encode(), "text/plain; charset=utf-8")
        else:
            await respond(send, 404, b"Not Found\n", "text/plain; charset=utf-8")

    async def _wiki(self, scope: Scope, receive: Receive, send: Send) -> None:
        stats = self.stats  # kept: reset_stats() may swap self.stats meanwhile
        is_api = scope["path"] == "/w/api.php"
        stats.arrived("api" if is_api else "rest")
        try:
            agent, gzip_ok, host = "", False, "127.0.0.1"
            for key, value in scope["headers"]:
                if key == b"user-agent":
                    agent = value.decode("latin-1")
                elif key == b"accept-encoding":
                    gzip_ok = b"gzip" in value
                elif key == b"host":
                    host = value.decode("latin-1")
            if self.enforce_user_agent and not user_agent_allowed(agent):
                stats.forbidden += 1
                await respond(send, 403, UA_POLICY.encode(), "text/plain; charset=utf-8")
                return
            server = f"{scope.get('scheme', 'http')}://{host}"
            params = await read_params(scope, receive) if is_api else {}
            stats.count_action(scope["path"], params, is_api)
            fault = self._injector.decide(has_maxlag="maxlag" in params)
            if fault:
                stats.faults[fault] += 1
            if self.latency > 0:
                await asyncio.sleep(self.latency)
            if fault in ("5xx", "429", "maxlag", "malformed"):
                await self._fault(send, fault, server, params)
                return
            if fault == "timeout":
                await self._hang(self.faults.hang)
            if is_api:
                body, headers = api.handle(self, params, server)
                status = 200
                if params.get("origin") == "*":
                    headers["Access-Control-Allow-Origin"] = "*"
                headers["Cache-Control"] = "private, must-revalidate, max-age=0"
            else:
                raw = scope.get("raw_path") or scope["path"].encode()
                raw_path = raw.decode("latin-1").split("?")[0][len("/w/rest.php") :]
                status, headers, value = rest.handle(self, raw_path)
                body = orjson.dumps(value)
            headers["X-Content-Type-Options"] = "nosniff"
            await respond(
                send, status, body, JSON_TYPE, headers, gzip_ok, truncate=fault == "truncated"
            )
        finally:
            stats.left()

    async def _hang(self, seconds: float) -> None:
        loop = asyncio.get_running_loop()
        end = loop.time() + seconds
        while not self.closing and loop.time() < end:
            await asyncio.sleep(min(0.05, end - loop.time()))

    async def _fault(self, send: Send, fault: str, server: str, params: dict[str, str]) -> None:
        spec = self.faults
        retry = {"Retry-After": str(spec.retry_after)}
        when = datetime.now(UTC).strftime("%a, %d %b %Y %H:%M:%S GMT")
        if fault == "5xx":
            status = self._injector.next_5xx()
            page = _ERROR_PAGE.format(status=status, reason=_REASONS[status], when=when)
            headers = retry if status == 503 else {}
            await respond(send, status, page.encode(), "text/html; charset=utf-8", headers)
        elif fault == "429":
            text = "Too many requests. Please respect our robot policy https://w.wiki/4wJS.\n"
            await respond(send, 429, text.encode(), "text/plain; charset=utf-8", retry)
        elif fault == "maxlag":  # ApiMain::checkMaxLag: HTTP 200 with an error body
            error: dict[str, Any] = {"code": "maxlag", "host": "10.64.48.35", "lag": 6}
            error |= {"info": "Waiting for 10.64.48.35: 6 seconds lagged.", "type": "db"}
            error["docref"] = api.DOCREF.format(server=server)
            body = formats.encode({"error": error, "servedby": api.SERVEDBY}, params)
            headers = {**retry, "X-Database-Lag": "6", "MediaWiki-API-Error": "maxlag"}
            await respond(send, 200, body, JSON_TYPE, headers)
        elif self._injector.injected % 2:  # malformed: an HTML error page with 200
            page = _ERROR_PAGE.format(status=200, reason="OK", when=when)
            await respond(send, 200, page.encode(), "text/html; charset=utf-8")
        else:  # malformed: broken JSON
            v1 = formats.version(params) == 1
            start = b'"","query":{"pages":{"1' if v1 else b'true,"query":{"pages":[{"pa'
            await respond(send, 200, b'{"batchcomplete":' + start + b"\xff\x00", JSON_TYPE)

    async def _control(self, scope: Scope, receive: Receive, send: Send) -> None:
        name, method = scope["path"][len("/_simulator/") :], scope["method"]
        body = await read_body(receive) if method == "POST" else b""
        try:
            data = orjson.loads(body) if body.strip() else {}
        except orjson.JSONDecodeError:
            await respond_json(send, 400, {"error": "the body is not JSON"})
            return
        if name == "stats" and method == "GET":
            await respond_json(send, 200, self.stats.as_dict())
        elif name == "reset-stats" and method == "POST":
            self.reset_stats()
            await respond_json(send, 200, {"ok": True})
        elif name == "grow" and method == "POST":
            try:
                page = self.grow(str(data.get("title", "")), int(data.get("count", 1)))
            except (KeyError, ValueError) as e:
                await respond_json(send, 404 if isinstance(e, KeyError) else 400, {"error": str(e)})
                return
            answer = {"title": page.title, "pageid": page.pageid, "count": page.count}
            await respond_json(send, 200, answer | {"lastrevid": page.latest_revid})
        elif name == "config" and method in ("GET", "POST"):
            try:
                if "faults" in data:
                    self.faults = FaultSpec.parse(str(data["faults"] or ""))
                if "latency" in data:
                    self.latency = max(0.0, float(data["latency"]))
            except ValueError as e:
                await respond_json(send, 400, {"error": str(e)})
                return
            await respond_json(send, 200, {"latency": self.latency, "faults": str(self.faults)})
        else:
            await respond_json(send, 404, {"error": f"no control {method} {name}"})

    async def _index(self, scope: Scope, send: Send) -> None:
        """The pages "on the wiki" links open: a history, a diff, a user's contributions."""
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        path = unquote(scope["path"])
        if path.startswith("/wiki/Special:Contributions/"):
            user = path.removeprefix("/wiki/Special:Contributions/").replace("_", " ")
            doc: bytes | None = pages.contributions_page(self.catalog, user)
        elif query.get("diff", "").isdigit():
            doc = pages.diff_page(self.catalog, int(query["diff"]))
        elif query.get("action") == "history" and (page := self.history(query.get("title", ""))):
            offset, limit = (query.get(k, "") for k in ("offset", "limit"))
            doc = pages.history_page(
                page,
                int(offset) if offset.isdigit() else 0,
                int(limit) if limit.isdigit() else pages.HISTORY_ROWS,
            )
        else:
            doc = None
        if doc is None:
            await respond(send, 404, b"No such page on the simulated wiki\n", "text/plain")
            return
        await respond(send, 200, doc, "text/html; charset=utf-8")

    async def _article(self, scope: Scope, send: Send) -> None:
        page = self.history(scope["path"][len("/wiki/") :])
        name = html.escape(page.title if page else scope["path"][len("/wiki/") :])
        text = html.escape(content.lead(page.title, page.seed, plain=True)) if page else ""
        doc = (
            f'<!DOCTYPE html>\n<html lang="en"><meta charset="utf-8">'
            f"<title>{name} - Simulated Wikipedia</title>\n"
            f"<h1>{name}</h1>\n<p>{text}</p>\n</html>\n"
        )
        await respond(send, 200 if page else 404, doc.encode(), "text/html; charset=utf-8")
