"""`wikivice serve`: uvicorn around the app, and the offline demo.

Ctrl-C and SIGTERM are uvicorn's: it stops accepting connections, then runs the app's
shutdown, which hands running jobs back to the queue. Open event streams would keep
uvicorn waiting, so on the signal the hub ends them at once (browsers reconnect, with
Last-Event-ID, to whichever server answers next).
"""

from __future__ import annotations

import contextlib
import gc
import logging
import socket
from collections.abc import Iterator
from types import FrameType

import uvicorn
from fastapi import FastAPI

from wikivice import logs
from wikivice.settings import Settings
from wikivice.web.app import create_app
from wikivice.web.protocols import protocol_class

log = logging.getLogger(__name__)
DEMO_SIMULATOR_PORT = 8765


class _Server(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, app: FastAPI) -> None:
        super().__init__(config)
        self._app = app

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        hub = getattr(self._app.state, "hub", None)
        if hub is not None:
            hub.close_soon()
        super().handle_exit(sig, frame)


def serve(
    settings: Settings, *, host: str, port: int, worker: bool = True, demo: bool = False
) -> None:
    logs.configure(settings.log_level, settings.log_format)
    with _demo(settings, port) if demo else contextlib.nullcontext(settings) as effective:
        app = create_app(effective, worker=worker)
        config = uvicorn.Config(
            app,
            host=host,
            port=port,
            log_level=settings.log_level,
            log_config=None,  # uvicorn's lines go through ours (wikivice.logs)
            access_log=settings.log_level == "debug",  # one line per request: detail
            timeout_graceful_shutdown=3,
            proxy_headers=True,
            forwarded_allow_ips=effective.forwarded_allow_ips,  # who may name the client
            http=protocol_class(effective),  # request headers within header_timeout
        )
        log.info("WikiVice at http://%s:%s/ (wiki: %s)", host, port, effective.default_wiki)
        # Everything imported so far lives as long as the process: keep it out of the
        # collector's full passes, and make those rarer. A full pass over a busy server's
        # objects paused event delivery to 1,000 streams by ~300 ms (bench/streams.py).
        gc.freeze()
        gc.set_threshold(50_000, 50, 100)
        _Server(config, app).run()


@contextlib.contextmanager
def _demo(settings: Settings, app_port: int) -> Iterator[Settings]:
    """The MediaWiki simulator in this process, as the default wiki, with its own data."""
    from wikivice.simulator import Simulator, SimulatorServer

    # Its usual port, unless taken, or asked for by the app itself (`--port 8765`).
    usual = app_port != DEMO_SIMULATOR_PORT and _port_free(DEMO_SIMULATOR_PORT)
    port = DEMO_SIMULATOR_PORT if usual else 0
    with SimulatorServer(Simulator(), port=port) as server:
        update: dict[str, object] = {"default_wiki": server.api_url}
        if not settings.database_url:
            update["data_dir"] = settings.data_dir / "demo"
        log.info("demo: the MediaWiki simulator answers at %s", server.api_url)
        yield settings.model_copy(update=update)


def _port_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def port_taken(host: str, port: int) -> bool:
    """Whether `wikivice serve` could not listen there (another server has the port)."""
    return port != 0 and not _port_free(port, host)
