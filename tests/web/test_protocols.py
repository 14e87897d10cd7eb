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


def test_a_pipelined_request_that_stalls_is_cut_off(live: LiveServer) -> None:
    # The next request's first bytes arrive with (or while the server answers) the one
    # before: h11 holds them until that answer is sent, and its deadline starts then.
    with socket.create_connection(("127.0.0.1", live.port)) as sock:
        sock.sendall(b"GET /static/app.css HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\nGET / HTTP/1.1\r\nHo")
        sock.settimeout(5)
        assert sock.recv(65536).startswith(b"HTTP/1.1 200")
        assert closed_after(sock, TIMEOUT + 1) <= TIMEOUT + 1


def answer_to(port: int, request: bytes) -> bytes:
    """What the server sends back to `request` on a new connection, until it closes it."""
    with socket.create_connection(("127.0.0.1", port)) as sock:
        try:
            sock.sendall(request)
        except (BrokenPipeError, ConnectionResetError):
            pass  # refused before the whole request was sent: its answer is still there
        sock.settimeout(5)
        received = b""
        try:
            while chunk := sock.recv(65536):
                received += chunk
        except ConnectionResetError:
            pass
        return received


def test_headers_past_their_bound_are_refused_and_the_connection_closed(
    live: LiveServer, request: pytest.FixtureRequest
) -> None:
    # Found by a probe: httptools kept a 64 MB header (within the deadline) and answered.
    httptools = "httptools" in request.node.callspec.id
    huge = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: " + b"a" * (4 << 20) + b"\r\n\r\n"
    refused = answer_to(live.port, huge)
    assert refused.startswith(b"HTTP/1.1 431" if httptools else b"HTTP/1.1 400"), refused[:80]
    assert httpx.get(f"{live.url}/static/app.css").status_code == 200  # others served
    if httptools:  # the bound is 64 KiB in all: 40 KiB in a header is served
        assert httpx.get(f"{live.url}/healthz", headers={"X-Pad": "a" * (40 << 10)}).is_success


def test_big_cookies_and_a_big_body_are_not_taken_for_big_headers(live: LiveServer) -> None:
    # 12 KiB of cookies (under h11's 16 KiB too): served.
    cookies = "; ".join(f"c{n}={'v' * 1000}" for n in range(12))
    assert httpx.get(f"{live.url}/healthz", headers={"Cookie": cookies}).status_code == 200
    # Headers and a body over 64 KiB in one send: the body's bound answers (413), not the
    # headers' (the chunk in which the headers end is not counted as headers).
    body = b"x" * (80 << 10)
    post = (
        b"POST /api/analyses HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
    )
    assert answer_to(live.port, post).startswith(b"HTTP/1.1 413")
