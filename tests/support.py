"""Helpers shared by the tests (fixtures live in conftest.py)."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import orjson
import uvicorn

from wikivice.jobs.analyses import start_analysis
from wikivice.jobs.runner import run_claimed
from wikivice.jobs.runtime import Runtime
from wikivice.jobs.snapshot import JobSnapshot
from wikivice.settings import Settings
from wikivice.store.database import Database
from wikivice.wiki.sites import parse_wiki

# Limits no ordinary test reaches (a test of the limits sets small ones).
GENEROUS_LIMITS: dict[str, Any] = dict(
    rate_limit_analyses="100000/minute",
    rate_limit_lookups="100000/minute",
    rate_limit_exports="100000/minute",
    rate_limit_admin="100000/minute",
    max_queued_per_client=100_000,
    max_queued_jobs=100_000,
    max_streams_per_client=100_000,
)
GENEROUS_ENV = {f"WIKIVICE_{name.upper()}": str(value) for name, value in GENEROUS_LIMITS.items()}


def make_settings(tmp_path: Path, **changes: Any) -> Settings:
    """Settings for tests: quick retries and heartbeats, data under `tmp_path`, and
    limits no ordinary test reaches."""
    values: dict[str, Any] = dict(
        data_dir=tmp_path / "data",
        contact="wikivice-tests@example.org",
        request_timeout=5.0,
        max_retries=3,
        max_retry_wait=0.5,
        heartbeat_seconds=0.2,
        stale_seconds=2.0,
        event_poll_seconds=0.5,
        **GENEROUS_LIMITS,
    )
    values.update(changes)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def fetch(rt: Runtime, title: str, *, stop: threading.Event | None = None) -> JobSnapshot | None:
    """Analyse `title` on the runtime's default wiki in the foreground, as `wikivice
    fetch` does; returns the job as it ended (None: what is stored is current)."""
    analysis = start_analysis(rt, parse_wiki(rt.settings.default_wiki), title, enqueue=False)
    if analysis.job_id is None:
        return None
    claim = rt.jobs.claim(analysis.job_id)
    assert claim is not None
    run_claimed(rt, claim, stop or threading.Event(), requeue=lambda job_id: None)
    job = rt.jobs.get(analysis.job_id)
    assert job is not None
    return job


def job_rows(settings: Settings) -> int:
    """How many fetch jobs the database of `settings` holds (any status)."""
    from sqlalchemy import func, select

    from wikivice.store.database import Database
    from wikivice.store.models import FetchJob

    database = Database(settings.sqlalchemy_url)
    try:
        with database.read() as conn:
            return int(conn.execute(select(func.count()).select_from(FetchJob)).scalar_one())
    finally:
        database.dispose()


class _PromptServer(uvicorn.Server):
    """uvicorn's server, looking at `should_exit` every 10 ms instead of 100 ms: the
    suite stops a server after most of its tests."""

    async def main_loop(self) -> None:
        counter = 0
        should_exit = await self.on_tick(counter)
        while not should_exit:
            counter = (counter + 1) % 864000
            await asyncio.sleep(0.01)
            should_exit = await self.on_tick(counter)


class LiveServer:
    """The app on a real uvicorn in a background thread (tests about HTTP and SSE),
    configured as `wikivice serve` configures it: X-Forwarded-For trusted from
    `forwarded_allow_ips` (default: 127.0.0.1, so a test can name its clients), and the
    request headers due within `header_timeout`."""

    def __init__(
        self,
        app: Any,
        *,
        forwarded_allow_ips: str = "127.0.0.1",
        header_timeout: float = 5.0,
        http: Any = None,
    ) -> None:
        import socket

        from wikivice.web.protocols import protocol_class

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = int(sock.getsockname()[1])
        self.url = f"http://127.0.0.1:{self.port}"
        timeouts = Settings(_env_file=None, header_timeout=header_timeout)  # type: ignore[call-arg]
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="on",
            timeout_graceful_shutdown=2, proxy_headers=True,
            forwarded_allow_ips=forwarded_allow_ips,
            http=protocol_class(timeouts, *([http] if http else [])),
        )  # fmt: skip
        self.server = _PromptServer(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)


@dataclass
class Sse:
    id: str | None
    event: str
    data: dict[str, Any]


def read_events(
    client: httpx.Client, url: str, *, last_event_id: int | None = None, timeout: float = 30
) -> list[Sse]:
    """Read an event stream to its end (the server closes it after `done`/`failed`)."""
    headers = {"Accept": "text/event-stream"}
    if last_event_id is not None:
        headers["Last-Event-ID"] = str(last_event_id)
    events: list[Sse] = []
    fields: dict[str, str] = {}
    with client.stream("GET", url, headers=headers, timeout=timeout) as response:
        assert response.status_code == 200, response.read()
        assert response.headers["content-type"].startswith("text/event-stream")
        for line in response.iter_lines():
            if line == "":
                if "data" in fields:
                    events.append(
                        Sse(
                            fields.get("id"),
                            fields.get("event", "message"),
                            orjson.loads(fields["data"]),
                        )
                    )
                fields = {}
            elif not line.startswith(":") and ":" in line:
                key, _, value = line.partition(":")
                fields[key] = value[1:] if value.startswith(" ") else value
    return events


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def simulator_process(latency: float) -> tuple[Process, str]:
    """`wikivice simulator` as a process of its own; returns it and its api.php URL."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    args = ["simulator", "--port", str(port), "--latency", str(latency)]
    process = Process([*args, "--anchor", "2026-01-01T00:00:00Z"], {}, f"{url}/_simulator/stats")
    return process.start(), f"{url}/w/api.php"


class Process:
    """A `wikivice` command in a child process (a real server, killable like one), with
    limits no ordinary test reaches unless `env` sets them. Its output goes to a log file
    (a pipe nobody reads would fill and stall it)."""

    def __init__(self, args: list[str], env: dict[str, str], ready_url: str | None) -> None:
        import sys
        import tempfile

        self.args = [str(Path(sys.executable).parent / "wikivice"), *args]
        self.env = env
        self.ready_url = ready_url
        self.process: subprocess.Popen[bytes] | None = None
        self.log = Path(tempfile.mkstemp(prefix="wikivice-", suffix=".log")[1])

    def start(self, timeout: float = 60) -> Process:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                self.args, env={**os.environ, **GENEROUS_ENV, **self.env}, stdout=log, stderr=log
            )
        if self.ready_url:
            deadline = time.monotonic() + timeout
            while True:
                if self.process.poll() is not None:
                    raise RuntimeError(f"{self.args} exited: {self.output()[-3000:]}")
                try:
                    httpx.get(self.ready_url, timeout=1, headers={"User-Agent": "tests (t@e.org)"})
                    break
                except httpx.HTTPError:
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"{self.args} did not start") from None
                    time.sleep(0.05)
        return self

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def signal(self, signum: int) -> None:
        assert self.process is not None
        self.process.send_signal(signum)

    def wait(self, timeout: float = 15) -> int:
        assert self.process is not None
        return self.process.wait(timeout)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


# -- browser tests -----------------------------------------------------------------------

ARTIFACTS = Path(__file__).parent.parent / "artifacts"
# The dashboard's sections, by element id, in page order.
SECTIONS = (
    "glance",
    "context",
    "recent",
    "history",
    "activity",
    "size",
    "editors",
    "conflict",
    "anonymous",
    "downloads",
)


@dataclass
class BrowserPage:
    """A page plus what it did: console errors, and every URL it asked for."""

    page: Any
    console_errors: list[str]
    requests: list[str]
    name: str

    def screenshot(self, state: str) -> Path:
        path = ARTIFACTS / "screenshots" / f"{self.name}-{state}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def foreign_requests(self) -> list[str]:
        from urllib.parse import urlsplit

        return [u for u in self.requests if urlsplit(u).hostname not in ("127.0.0.1", None)]


@dataclass
class Stack:
    """The simulator and the app, each a real process on its own port."""

    simulator: Process
    sim_url: str
    web: Process
    url: str
    env: dict[str, str]

    def sim_config(self, **config: Any) -> None:
        httpx.post(f"{self.sim_url}/_simulator/config", json=config, timeout=5)

    def restart_web(self) -> None:
        self.web.stop()
        self.web.start()


def search(view: BrowserPage, stack: Stack, title: str) -> None:
    page = view.page
    page.goto(stack.url + "/")
    page.fill("#title", title)
    page.press("#title", "Enter")
    page.wait_for_url(lambda url: urlsplit(url).path != "/")  # left the search form


def wait_until(view: BrowserPage, expression: str, timeout: float = 20_000) -> Any:
    """Poll a JavaScript expression from here (Playwright's own wait_for_function
    evaluates strings with eval, which our Content-Security-Policy rightly forbids)."""
    from playwright.sync_api import Error as PlaywrightError

    deadline = time.monotonic() + timeout / 1000
    error: PlaywrightError | None = None
    while True:
        try:
            value, error = view.page.evaluate(expression), None
        except PlaywrightError as exc:  # the page is between documents, say: not yet
            error, value = exc, None
        if value:
            return value
        if time.monotonic() > deadline:
            last = f" (last error: {error.message})" if error is not None else ""
            raise AssertionError(f"timed out waiting for {expression}{last}")
        time.sleep(0.05)


def wait_for_dashboard(view: BrowserPage, timeout: float = 30_000) -> None:
    view.page.wait_for_selector("#dashboard-body", state="visible", timeout=timeout)
    wait_until(view, "document.body.dataset.dashboard === 'ready'", timeout)


class Listener:
    """A TCP listener on 127.0.0.1 that counts the connections it accepts (and closes
    them at once)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.sock.settimeout(0.1)
        self.port = int(self.sock.getsockname()[1])
        self.accepted = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.accepted += 1
            self.took(conn)

    def took(self, conn: socket.socket) -> None:
        conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self.sock.close()


class BlackHole(Listener):
    """A listener that accepts connections and never answers: a database or service
    that hangs. It holds what it accepts until closed."""

    def __init__(self) -> None:
        self.held: list[socket.socket] = []
        super().__init__()

    def __enter__(self) -> BlackHole:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
        for conn in self.held:
            conn.close()

    def took(self, conn: socket.socket) -> None:
        self.held.append(conn)


# -- the job state machine ---------------------------------------------------------------


class Clock:
    """A clock the test moves (`Jobs(clock=...)`)."""

    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def kinds(db: Database, job_id: int) -> list[str]:
    """The kinds of a job's events, in order."""
    from wikivice.jobs.events import events_after

    return [e.kind for e in events_after(db, job_id)]


def delivered(rt: Runtime) -> list[int]:
    """The job ids the queue holds, taken off it."""
    got: list[int] = []
    rt.queue.handle_with(got.append)
    while rt.queue.run_next():
        pass
    return got
