"""What the benchmarks share: a simulator subprocess, timing of child processes."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
WIKIVICE = str(BIN / "wikivice")
ANCHOR = "2026-01-01T00:00:00Z"
USER_AGENT = "wikivice-bench/0.1 (wikivice@example.org) httpx/" + httpx.__version__
# Every client of a benchmark is this one machine: the per-client limits are lifted for
# the servers the benchmarks start (they are not what is measured; tests/web/test_limits.py
# tests them).
NO_LIMITS = {
    "WIKIVICE_RATE_LIMIT_ANALYSES": "1000000/minute",
    "WIKIVICE_RATE_LIMIT_LOOKUPS": "1000000/minute",
    "WIKIVICE_RATE_LIMIT_EXPORTS": "1000000/minute",
    "WIKIVICE_MAX_QUEUED_PER_CLIENT": "100000",
    "WIKIVICE_MAX_QUEUED_JOBS": "100000",
    "WIKIVICE_MAX_STREAMS_PER_CLIENT": "100000",
}


def server_env(data: str, api: str, **settings: str) -> dict[str, str]:
    """The environment of a `wikivice serve` a benchmark starts: this process's, SQLite in
    `data`, no Redis, `api` as the default wiki, the limits lifted, and `settings`
    (WIKIVICE_ names without the prefix) on top."""
    return {
        **os.environ,
        "WIKIVICE_DATA_DIR": data,
        "WIKIVICE_DATABASE_URL": "",
        "WIKIVICE_REDIS_URL": "",
        "WIKIVICE_DEFAULT_WIKI": api,
        **NO_LIMITS,
        **{f"WIKIVICE_{name.upper()}": value for name, value in settings.items()},
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def simulator(latency: float = 0.0, faults: str = "") -> Iterator[str]:
    """A `wikivice simulator` process; yields its api.php URL."""
    port = free_port()
    command = [WIKIVICE, "simulator", "--port", str(port), "--latency", str(latency)]
    command += ["--anchor", ANCHOR]
    if faults:
        command += ["--faults", faults]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    api = f"http://127.0.0.1:{port}/w/api.php"
    try:
        wait_for(f"http://127.0.0.1:{port}/_simulator/stats")
        yield api
    finally:
        process.terminate()
        process.wait(10)


@contextlib.contextmanager
def serving(
    env: dict[str, str], *options: str, ready: str = "/static/app.css", timeout: float = 90.0
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """A `wikivice serve` process on a free port with `env` (see `server_env`) and
    `options`, once `ready` answers; yields its base URL and the process. Stopped after."""
    port = free_port()
    server = subprocess.Popen(
        [WIKIVICE, "serve", "--port", str(port), *options],
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(base + ready, timeout=timeout)
        yield base, server
    finally:
        server.terminate()
        server.wait(15)


def wait_for(url: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, headers={"User-Agent": USER_AGENT}, timeout=1).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"{url} did not come up")


@dataclass
class Run:
    seconds: float
    peak_rss_mb: float
    stdout: str


def run_child(command: list[str], env: dict[str, str] | None = None) -> Run:
    """Run a command; wall time and peak RSS of that process alone (wait4)."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, **(env or {})},
        text=True,
    )
    stdout = process.stdout.read() if process.stdout else ""
    stderr = process.stderr.read() if process.stderr else ""
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"{command} failed ({process.returncode}): {stderr[-2000:]}")
    return Run(seconds, usage.ru_maxrss / 1024, stdout)
