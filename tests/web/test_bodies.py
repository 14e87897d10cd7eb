"""Request bodies over 64 KiB get 413 (web/bodies.py), whether they say their length or
stream it in chunks, over a real uvicorn."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import orjson
import pytest

from support import LiveServer, make_settings
from wikivice.web.app import create_app
from wikivice.web.bodies import MAX_BODY_BYTES

JSON = {"Content-Type": "application/json"}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.fixture
def live(tmp_path: Path) -> Iterator[LiveServer]:
    with LiveServer(create_app(make_settings(tmp_path), worker=False)) as server:
        yield server


def chunks(total: int, size: int = 8192) -> Iterator[bytes]:
    sent = 0
    while sent < total:
        piece = min(size, total - sent)
        sent += piece
        yield b" " * piece


def test_a_declared_length_over_the_limit_is_refused_as_json(live: LiveServer) -> None:
    body = orjson.dumps({"title": "x" * (MAX_BODY_BYTES + 1)})
    answer = httpx.post(f"{live.url}/api/analyses", content=body, headers=JSON)
    assert answer.status_code == 413
    assert answer.json() == {"detail": answer.json()["detail"], "suggestions": []}
    assert "64 KiB" in answer.json()["detail"]


def test_a_chunked_body_is_refused_once_it_passes_the_limit(live: LiveServer) -> None:
    answer = httpx.post(
        f"{live.url}/api/analyses", content=chunks(MAX_BODY_BYTES * 4), headers=JSON
    )
    assert answer.status_code == 413 and "64 KiB" in answer.json()["detail"]
    assert "content-length" not in answer.request.headers  # it was sent chunked


def test_a_form_over_the_limit_gets_a_line_of_text(live: LiveServer) -> None:
    for content in (b"title=" + b"x" * MAX_BODY_BYTES, chunks(MAX_BODY_BYTES + 10)):
        answer = httpx.post(f"{live.url}/search", content=content, headers=FORM)
        assert answer.status_code == 413
        assert answer.headers["content-type"].startswith("text/plain")
        assert "too large" in answer.text


def test_a_body_within_the_limit_passes(live: LiveServer) -> None:
    body = orjson.dumps({"title": "", "wiki": " " * (MAX_BODY_BYTES - 100)})
    answer = httpx.post(f"{live.url}/api/analyses", content=body, headers=JSON)
    assert answer.status_code == 422  # read whole, and judged on what it says


def test_a_huge_body_is_refused_before_it_is_sent(live: LiveServer) -> None:
    """The refusal comes after the headers: the 200 MB of the issue are never read."""
    with socket.create_connection(("127.0.0.1", live.port), timeout=5) as sock:
        sock.sendall(
            b"POST /api/analyses HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 200000000\r\n\r\n"
        )
        head = sock.recv(4096)
    assert head.startswith(b"HTTP/1.1 413")
