"""The job inspector's stream (`GET /admin/stream`, routes/admin.py over jobs/hub.py):
the operator's only, like every /admin route; a nudge within moments of any job's
event, from this process or another one (Redis pub/sub, or the hub's poll without
Redis); one of the client's capped streams; ended when the server stops. What the
page does with it is test_browser_admin.py's."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from support import Process, free_port
from wikivice.jobs.hub import EventHub
from wikivice.jobs.wakeups import LocalNotifier
from wikivice.simulator import SimulatorServer
from wikivice.store.database import Database
from wikivice.web import operator

from .test_admin import serve

TOKEN = "s3cret-token-for-the-stream-tests"
ALICE = {"X-Forwarded-For": "203.0.113.1"}
BEARER = {"Authorization": f"Bearer {TOKEN}"}
STREAM = "/admin/stream"


class Lines:
    """An event stream's lines, read on the test's own thread: a read that waits longer
    than `wait` fails the test (ReadTimeout), and `close` really closes the connection
    (a socket closed by another thread while it reads would stay open)."""

    def __init__(
        self, http: httpx.Client, url: str, headers: dict[str, str], wait: float = 5
    ) -> None:
        self._stack = contextlib.ExitStack()
        timeout = httpx.Timeout(10, read=wait)
        self.response = self._stack.enter_context(
            http.stream("GET", url, headers=headers, timeout=timeout)
        )
        assert self.response.status_code == 200, self.response.read()
        assert self.response.headers["content-type"].startswith("text/event-stream")
        self.lines = self.response.iter_lines()

    def next_event(self) -> str | None:
        """The next event's name (comments and `retry:` skipped), or None at the end."""
        for line in self.lines:
            if line.startswith("event: "):
                return line.removeprefix("event: ")
        return None

    def close(self) -> None:
        self._stack.close()


def submit(http: httpx.Client, title: str) -> int:
    response = http.post("/api/analyses", json={"title": title}, headers=ALICE)
    assert response.status_code == 202, response.text
    return int(response.json()["job_id"])


def test_the_hub_coalesces_changes_ticks_when_idle_and_ends_on_close(db: Database) -> None:
    """`EventHub.changes`, what the stream sends (here rather than in tests/jobs, which
    this change leaves alone): a burst of wake-ups is one change, an idle stream gets
    the keep-alive tick, and closing the hub ends it."""
    notifier = LocalNotifier()
    # The tick a second after the last news: the burst, 0.1 s in, comes first even when
    # a loaded machine holds this thread up (0.3 s flaked once, under CI's load).
    hub = EventHub(db, notifier, poll_seconds=0.05, keepalive_seconds=1.0)

    async def scenario() -> None:
        changes = hub.changes()
        first = asyncio.ensure_future(anext(changes))
        await asyncio.sleep(0.1)  # waiting
        for job_id in (1, 2, 3):
            notifier.publish(job_id)
        assert await asyncio.wait_for(first, 1) is True
        assert await asyncio.wait_for(anext(changes), 3) is False  # the tick, not 2 and 3
        hub.close()
        with pytest.raises(StopAsyncIteration):
            await asyncio.wait_for(anext(changes), 1)

    try:
        asyncio.run(scenario())
    finally:
        hub.close()
        hub.join()


def test_the_stream_is_the_operators_only(tmp_path: Path, simulator: SimulatorServer) -> None:
    with serve(tmp_path / "off", simulator) as http:
        assert http.get(STREAM, headers=BEARER).status_code == 404
    with serve(tmp_path / "on", simulator, admin_token=SecretStr(TOKEN)) as http:
        assert http.get(STREAM).status_code == 401
        assert http.get(STREAM, headers={"Authorization": "Bearer wrong"}).status_code == 403
        forged = {"Cookie": f"{operator.COOKIE}={'0' * 64}"}
        assert http.get(STREAM, headers=forged).status_code == 403
        http.post("/admin/login", data={"token": TOKEN})  # the page's way: the cookie
        stream = Lines(http, STREAM, {})
        stream.close()


def test_a_job_event_reaches_an_open_stream_at_once_and_streams_are_capped(
    tmp_path: Path, simulator: SimulatorServer
) -> None:
    with serve(tmp_path, simulator, admin_token=SecretStr(TOKEN), max_streams_per_client=2) as http:
        first = Lines(http, STREAM, {**BEARER, **ALICE})
        second = Lines(http, STREAM, {**BEARER, **ALICE})
        try:
            refused = http.get(STREAM, headers={**BEARER, **ALICE})
            assert refused.status_code == 429 and "retry-after" in refused.headers
            time.sleep(0.2)  # both streams are waiting
            submit(http, "Synthetic 310")  # (its first revisions are fetched at once)
            submitted = time.monotonic()
            assert first.next_event() == "changed"
            assert second.next_event() == "changed"
            assert time.monotonic() - submitted < 1.0
        finally:
            first.close()
            second.close()
        deadline = time.monotonic() + 5  # closing a stream gives its slot back
        while True:
            with http.stream("GET", STREAM, headers={**BEARER, **ALICE}) as again:
                if again.status_code == 200:
                    break
            assert time.monotonic() < deadline, "a closed stream's slot was never freed"
            time.sleep(0.1)


def test_without_wakeups_the_hubs_poll_brings_another_apps_event(
    tmp_path: Path, simulator: SimulatorServer
) -> None:
    """Two apps on one SQLite file, each with its own in-process wake-ups (as two
    processes without Redis): only the watching hub's poll can see the other's job."""
    changes: dict[str, Any] = dict(admin_token=SecretStr(TOKEN), event_poll_seconds=0.2)
    with (
        serve(tmp_path, simulator, **changes) as http,
        serve(tmp_path, simulator, **changes) as elsewhere,
    ):
        stream = Lines(http, STREAM, BEARER)
        try:
            time.sleep(0.3)  # the stream has taken its first look
            submit(elsewhere, "Synthetic 312")
            submitted = time.monotonic()
            assert stream.next_event() == "changed"
            assert time.monotonic() - submitted < 1.5  # a poll of 0.2 s, on a busy machine
        finally:
            stream.close()


def test_another_process_event_reaches_the_stream_which_ends_when_the_server_stops(
    tmp_path: Path, simulator: SimulatorServer, redis_url: str
) -> None:
    """`wikivice serve` in a process of its own, and this test's process as another web
    process on the same SQLite file and Redis: a job submitted here nudges the other's
    inspector stream through Redis (its poll set too slow to be what delivers). Then
    SIGTERM: the stream ends, the server stops promptly."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        "WIKIVICE_DATA_DIR": str(tmp_path / "data"),
        "WIKIVICE_DATABASE_URL": "",
        "WIKIVICE_REDIS_URL": redis_url,
        "WIKIVICE_DEFAULT_WIKI": simulator.api_url,
        "WIKIVICE_CONTACT": "wikivice-tests@example.org",
        "WIKIVICE_ADMIN_TOKEN": TOKEN,
        "WIKIVICE_EVENT_POLL_SECONDS": "30",
    }
    watched = Process(["serve", "--no-worker", "--port", str(port)], env, f"{url}/healthz")
    try:
        watched.start()
        with (
            serve(tmp_path, simulator, redis_url=redis_url) as elsewhere,
            httpx.Client(base_url=url, timeout=10) as http,
        ):
            stream = Lines(http, STREAM, BEARER)
            try:
                time.sleep(0.3)  # the stream is waiting
                submit(elsewhere, "Synthetic 311")
                submitted = time.monotonic()
                assert stream.next_event() == "changed"
                assert time.monotonic() - submitted < 1.0
                stopping = time.monotonic()
                watched.signal(signal.SIGTERM)
                assert stream.next_event() is None  # ended by the server
                watched.wait(5)  # (uvicorn raises the signal again once it has stopped)
                assert time.monotonic() - stopping < 3
            finally:
                stream.close()
        assert "Traceback" not in watched.output()
    finally:
        watched.stop()
