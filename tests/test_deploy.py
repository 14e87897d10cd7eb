"""The deployment of docs/deploy.md, for real: nginx (Debian's, with deploy/nginx.conf)
in front of two web processes, two workers, PostgreSQL and Redis, all started here on
loopback. Articles go in through nginx; their progress streams come back through it as
the events happen; a web process dies mid-stream and the stream resumes on the other
one, missing nothing; a worker is killed mid-fetch and another resumes its job, every
revision stored once."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import orjson
import psutil
import pytest

from conftest import require
from support import Process, free_port, simulator_process
from wikivice.store.vocabulary import EventKind

ROOT = Path(__file__).resolve().parent.parent
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
WIKIVICE = str(Path(sys.executable).parent / "wikivice")
BIG = 30_000  # revisions of the article followed while processes die


class Nginx:
    """nginx with deploy/nginx.conf, its upstreams and port rewritten for loopback."""

    def __init__(self, upstreams: list[int]) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.folder = Path(tempfile.mkdtemp(prefix="wikivice-nginx-"))
        site = (ROOT / "deploy" / "nginx.conf").read_text()
        site = site.replace("listen 80;", f"listen 127.0.0.1:{self.port};")
        site = site.replace("127.0.0.1:8001", f"127.0.0.1:{upstreams[0]}")
        site = site.replace("127.0.0.1:8002", f"127.0.0.1:{upstreams[1]}")
        (self.folder / "wikivice.conf").write_text(site)
        temps = "".join(
            f"{kind}_temp_path {self.folder}/{kind};\n"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        (self.folder / "nginx.conf").write_text(
            f"worker_processes 1;\npid {self.folder}/nginx.pid;\n"
            f"error_log {self.folder}/error.log warn;\nevents {{ worker_connections 4096; }}\n"
            f"http {{\naccess_log off;\n{temps}include {self.folder}/wikivice.conf;\n}}\n"
        )
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> Nginx:
        conf = str(self.folder / "nginx.conf")
        subprocess.run([NGINX, "-t", "-q", "-c", conf, "-p", str(self.folder)], check=True)
        self._process = subprocess.Popen(
            [NGINX, "-c", conf, "-p", str(self.folder), "-g", "daemon off;"]
        )
        deadline = time.monotonic() + 10
        while True:
            try:
                httpx.get(f"{self.url}/healthz", timeout=1)
                return self
            except httpx.HTTPError:
                assert time.monotonic() < deadline, (self.folder / "error.log").read_text()
                time.sleep(0.05)

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.wait(10)
        shutil.rmtree(self.folder, ignore_errors=True)


@dataclass
class Follower:
    """A progress stream followed as a browser's EventSource does: on a dropped
    connection it reconnects (after the server's `retry`) with Last-Event-ID."""

    url: str
    # (received at, wall clock; connection number; event id; kind; data)
    events: list[tuple[float, int, int, str, dict[str, object]]] = field(default_factory=list)
    connections: int = 0
    thread: threading.Thread | None = None

    def start(self) -> Follower:
        self.thread = threading.Thread(target=self._follow, daemon=True)
        self.thread.start()
        return self

    def _follow(self) -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            headers = {"Accept": "text/event-stream"}
            if self.events:
                headers["Last-Event-ID"] = str(self.events[-1][2])
            try:
                with httpx.stream("GET", self.url, headers=headers, timeout=30) as response:
                    if response.status_code != 200:
                        raise httpx.TransportError(f"HTTP {response.status_code}")
                    self.connections += 1
                    if self._read(response):
                        return
            except httpx.HTTPError:
                pass
            time.sleep(1.0)  # the server's `retry: 1000`

    def _read(self, response: httpx.Response) -> bool:
        fields: dict[str, str] = {}
        for line in response.iter_lines():
            if line:
                key, _, value = line.partition(":")
                fields[key] = value.removeprefix(" ")
                continue
            if "data" in fields and "id" in fields:
                event = fields.get("event", "message")
                data = orjson.loads(fields["data"])
                received = (time.time(), self.connections, int(fields["id"]), event, data)
                self.events.append(received)
                if event in (EventKind.DONE, EventKind.FAILED):
                    return True
            fields = {}
        return False


@pytest.fixture
def fleet(postgres_url: str, redis_url: str, tmp_path: Path) -> Iterator[dict[str, object]]:
    require(Path(NGINX).exists(), "nginx", "apt-get install -y nginx")
    sim, api = simulator_process(0.03)
    env = {
        "WIKIVICE_DATABASE_URL": postgres_url,
        "WIKIVICE_REDIS_URL": redis_url,
        "WIKIVICE_DATA_DIR": str(tmp_path),
        "WIKIVICE_DEFAULT_WIKI": api,
        "WIKIVICE_CONTACT": "wikivice-tests@example.org",
        "WIKIVICE_WORKERS": "1",
        "WIKIVICE_HEARTBEAT_SECONDS": "0.5",
        "WIKIVICE_STALE_SECONDS": "3",
        "WIKIVICE_MAX_QUEUED_PER_CLIENT": "100",
    }
    # The release step, once, before any process starts (as the Procfile's `release`).
    subprocess.run([WIKIVICE, "migrate"], env={**os.environ, **env}, check=True)
    ports = [free_port(), free_port()]
    webs = [
        Process(["serve", "--no-worker", "--port", str(p)], env, f"http://127.0.0.1:{p}/healthz")
        for p in ports
    ]
    workers = [Process(["worker"], env, None) for _ in range(2)]
    processes = [sim, *(w.start() for w in webs), *(w.start() for w in workers)]
    nginx = Nginx(ports).start()
    try:
        yield {"nginx": nginx, "webs": webs, "workers": workers, "api": api}
    finally:
        nginx.stop()
        for process in reversed(processes):
            process.stop()


def _fetching(worker: Process, simulator_port: int) -> bool:
    """Whether this worker process has a connection open to the simulator."""
    assert worker.process is not None
    connections = psutil.Process(worker.process.pid).net_connections(kind="tcp")
    return any(c.raddr and c.raddr.port == simulator_port for c in connections)


def test_behind_nginx_streams_survive_a_dying_web_process_and_jobs_a_dying_worker(
    fleet: dict[str, object],
) -> None:
    nginx = fleet["nginx"]
    webs: list[Process] = fleet["webs"]  # type: ignore[assignment]
    workers: list[Process] = fleet["workers"]  # type: ignore[assignment]
    assert isinstance(nginx, Nginx)
    simulator_port = int(str(fleet["api"]).split(":")[2].split("/")[0])
    with httpx.Client(base_url=nginx.url, timeout=30) as client:
        job = client.post("/api/analyses", json={"title": f"Synthetic {BIG}"}).json()
        follower = Follower(nginx.url + job["events_url"]).start()

        def stored() -> int:
            progress = [e[4]["done"] for e in follower.events if e[3] == EventKind.PROGRESS]
            return int(progress[-1]) if progress else 0  # type: ignore[call-overload]

        _until(lambda: stored() >= 3000, "the fetch to get going")
        # The web process holding the stream dies; the follower reconnects through nginx
        # to the other one. (Which one holds it is nginx's choice: try the first, and if
        # the stream outlives it, bring it back and try the second.)
        for web in webs:
            web.signal(signal.SIGKILL)
            web.wait()
            if _until(lambda: follower.connections >= 2, "a reconnect", 4, fail=False):
                break
            web.start()
        assert follower.connections >= 2
        # The worker fetching it dies without a word; the other takes the job over once
        # its heartbeat is stale.
        running = [w for w in workers if _fetching(w, simulator_port)]
        assert len(running) == 1, "one worker walks the history"
        running[0].signal(signal.SIGKILL)
        small = [
            client.post("/api/analyses", json={"title": f"Synthetic {n}"}).json()
            for n in (1200, 1700)
        ]
        assert follower.thread is not None
        follower.thread.join(120)
        final = client.get(job["job_url"]).json()
        stats = client.get(job["stats_url"]).json()
        for other in small:
            _until(
                lambda o=other: client.get(o["job_url"]).json()["status"] == "done",
                "the small articles",
            )

    ids = [e[2] for e in follower.events]
    assert ids == list(range(1, len(ids) + 1)), "every event once, in order, none missed"
    assert follower.events[-1][3] == EventKind.DONE and follower.events[-1][4]["done"] == BIG
    assert final["status"] == "done" and final["attempts"] == 2  # resumed by the other worker
    assert stats["edits"] == BIG  # every revision stored, once
    # Unbuffered: on the first connection each event arrived within moments of its
    # writing, while the fetch was still going.
    live = [
        received - float(data["at"])
        for received, n, _, kind, data in follower.events
        if n == 1 and kind == EventKind.PROGRESS
    ]  # type: ignore[arg-type]
    assert len(live) >= 3 and sorted(live)[len(live) // 2] < 0.5, live


def _until(condition: object, what: str, timeout: float = 60, fail: bool = True) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            assert not fail, f"timed out waiting for {what}"
            return False
        time.sleep(0.1)
    return True
