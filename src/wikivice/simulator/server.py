"""Running the simulator: a real uvicorn server in a background thread (tests), or in
the foreground (`wikivice simulator`).

    with SimulatorServer(Simulator(anchor=...)) as server:
        httpx.get(server.api_url, params=..., headers={"User-Agent": "..."})

    serve(port=8765, latency=0.0, faults="", seed=0, anchor=None, host="127.0.0.1")

`serve()` is what the CLI calls for `wikivice simulator [--port P] [--latency SECONDS]
[--faults SPEC] [--seed N] [--anchor ISO]`; it blocks until Ctrl-C or SIGTERM. `seed`
is the fault seed (histories never change with it); `anchor` is a datetime or ISO
string, default today 00:00 UTC.
"""

from __future__ import annotations

import dataclasses
import logging
import socket
import sys
import threading
import time
from datetime import datetime
from types import TracebackType

import uvicorn

from .app import Simulator
from .faults import FaultSpec

__all__ = ["SimulatorServer", "serve"]


class _QuietTruncation(logging.Filter):
    """A `truncated` fault ends a response early on purpose; uvicorn would log each one
    as an application error."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "without completing response" not in record.getMessage()


def _quiet_uvicorn() -> None:
    logger = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, _QuietTruncation) for f in logger.filters):
        logger.addFilter(_QuietTruncation())


def _config(sim: Simulator, host: str, port: int) -> uvicorn.Config:
    return uvicorn.Config(
        sim.app,
        host=host,
        port=port,
        interface="asgi3",  # a bound method looks like ASGI2 to autodetection
        proxy_headers=False,
        lifespan="off",
        ws="none",
        access_log=False,
        log_level="warning",
        timeout_graceful_shutdown=2,
        timeout_keep_alive=30,
    )


class SimulatorServer:
    """A real uvicorn serving `sim` in a daemon thread, on `port` (0: a free one)."""

    def __init__(
        self, sim: Simulator | None = None, *, host: str = "127.0.0.1", port: int = 0
    ) -> None:
        self.sim = sim or Simulator()
        self.host = host
        self.port = port
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/w/api.php"

    @property
    def rest_url(self) -> str:
        return f"{self.base_url}/w/rest.php"

    def start(self) -> SimulatorServer:
        _quiet_uvicorn()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        self.port = sock.getsockname()[1]
        self.sim.closing = False
        server = uvicorn.Server(_config(self.sim, self.host, self.port))
        self._server = server
        # Not the main thread, so uvicorn installs no signal handlers.
        self._thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, name="simulator", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + 10
        while not server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the simulator server did not start")
            time.sleep(0.005)
        return self

    def stop(self) -> None:
        if self._server is None or self._thread is None:
            return
        self.sim.closing = True  # hanging `timeout` faults return at once
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._server = self._thread = None

    def __enter__(self) -> SimulatorServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def serve(
    port: int = 8765,
    latency: float = 0.0,
    faults: str = "",
    seed: int = 0,
    anchor: datetime | str | None = None,
    host: str = "127.0.0.1",
) -> None:
    """Serve a simulator in the foreground until interrupted (the CLI command).

    `seed` seeds the fault decisions unless the spec names its own `seed=`; histories
    do not depend on it, so ground truth computed in another process still matches."""
    spec = FaultSpec.parse(faults)
    if "seed=" not in faults.replace(" ", ""):
        spec = dataclasses.replace(spec, seed=seed)
    sim = Simulator(latency=latency, faults=spec, anchor=anchor)
    _quiet_uvicorn()
    faults_text = str(sim.faults) or "none"
    print(
        f"MediaWiki simulator: http://{host}:{port}/w/api.php and /w/rest.php "
        f"(anchor {sim.anchor.isoformat()}, latency {latency}s, faults {faults_text})",
        file=sys.stderr,
        flush=True,
    )
    uvicorn.Server(_config(sim, host, port)).run()
