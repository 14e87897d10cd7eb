"""Request headers are due within `header_timeout` (web/protocols.py): slow senders are
cut off, slowloris style, against a real uvicorn, with either HTTP parser; normal
requests keep working meanwhile."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from support import LiveServer, make_settings
from wikivice.web.app import create_app
from wikivice.web.protocols import H11HeaderDeadline, HttpToolsHeaderDeadline

TIMEOUT = 1.0


@pytest.fixture(params=[HttpToolsHeaderDeadline, H11HeaderDeadline], ids=["httptools", "h11"])
def live(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LiveServer]:
    app = create_app(make_settings(tmp_path), worker=False)
    with LiveServer(app, header_timeout=TIMEOUT, http=request.param) as server:
        yield server


def closed_after(sock: socket.socket, limit: float) -> float:
    """Seconds until the server closes `sock` (reads return nothing), at most `limit`."""
    started = time.monotonic()
    sock.settimeout(limit)
    try:
        while sock.recv(4096):
            pass
    except TimeoutError:
        pytest.fail(f"the server kept the connection open for {limit} s")
    except ConnectionResetError:
        pass
    return time.monotonic() - started


def test_a_partial_header_line_is_cut_off_while_others_are_served(live: LiveServer) -> None:
    with socket.create_connection(("127.0.0.1", live.port)) as slow:
        slow.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: a")
        started = time.monotonic()
        assert httpx.get(f"{live.url}/static/app.css").status_code == 200
        try:
            for _ in range(3):  # a byte now and then does not keep it alive
                time.sleep(TIMEOUT / 4)
                slow.sendall(b"a")
        except (BrokenPipeError, ConnectionResetError):
            pass  # already cut off (a slow machine: the GET above took a while)
        else:
            closed_after(slow, TIMEOUT + 1)
        assert time.monotonic() - started <= TIMEOUT + 1
    assert httpx.get(f"{live.url}/static/app.css").status_code == 200


def test_a_connection_that_sends_nothing_is_cut_off(live: LiveServer) -> None:
    with socket.create_connection(("127.0.0.1", live.port)) as idle:
        assert closed_after(idle, TIMEOUT + 1) <= TIMEOUT + 1


def test_a_kept_alive_connection_serves_several_requests(live: LiveServer) -> None:
    """The deadline covers the headers only: a quick request after a pause (within the
    keep-alive time) on the same connection is served, as is a slow response."""
    with httpx.Client(base_url=live.url) as http:
        assert http.get("/static/app.css").status_code == 200
        time.sleep(TIMEOUT * 1.5)  # longer than the header deadline, between requests
        assert http.get("/static/app.css").status_code == 200


def test_a_second_request_that_stalls_is_cut_off(live: LiveServer) -> None:
    with socket.create_connection(("127.0.0.1", live.port)) as sock:
        sock.sendall(b"GET /static/app.css HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        sock.settimeout(5)
        assert sock.recv(65536).startswith(b"HTTP/1.1 200")
        sock.sendall(b"GET / HTTP/1.1\r\nHo")
        assert closed_after(sock, TIMEOUT + 1) <= TIMEOUT + 1
