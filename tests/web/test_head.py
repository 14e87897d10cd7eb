"""HEAD wherever GET is (web/head.py), over a real uvicorn: the status and headers a GET
would have, no body; an event stream or a file answered at once and let go (a probe
found `HEAD /` and `HEAD /healthz` refused with 405)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from support import LiveServer, make_settings
from wikivice.simulator import SimulatorServer
from wikivice.web.app import create_app
from wikivice.web.headers import SECURITY_HEADERS


@pytest.fixture
def http(tmp_path: Path, simulator: SimulatorServer) -> Iterator[httpx.Client]:
    # No worker: a job stays queued, so its event stream would follow it for ever.
    settings = make_settings(tmp_path, default_wiki=simulator.api_url, max_streams_per_client=2)
    app = create_app(settings, worker=False)
    with LiveServer(app) as live, httpx.Client(base_url=live.url, timeout=10) as client:
        yield client


def test_head_answers_as_get_would_without_the_body(http: httpx.Client) -> None:
    for path in ("/", "/healthz", "/readyz", "/api/recent-analyses", "/static/app.css"):
        get, head = http.get(path), http.head(path)
        assert (head.status_code, head.content) == (get.status_code, b""), path
        assert head.headers["content-type"] == get.headers["content-type"], path
        for name, value in SECURITY_HEADERS:
            assert head.headers[name] == value, (path, name)
    assert http.head("/no/such/address").status_code == 404
    assert http.head("/api/analyses").status_code == 405  # POST only, as for a GET


def test_head_of_a_file_or_an_event_stream_ends_at_once_and_holds_no_slot(
    http: httpx.Client,
) -> None:
    started = time.monotonic()
    plotly = http.head("/static/vendor/plotly.min.js", headers={"Accept-Encoding": "gzip"})
    assert plotly.status_code == 200 and plotly.content == b""
    job = http.post("/api/analyses", json={"title": "Synthetic 5000"}).json()
    assert job["status"] == "queued"  # no worker: its stream would never end
    for _ in range(4):  # twice the client's streams: each HEAD gave its slot back
        head = http.head(job["events_url"])
        assert head.status_code == 200 and head.content == b""
        assert head.headers["content-type"].startswith("text/event-stream")
    assert time.monotonic() - started < 5
    with http.stream("GET", job["events_url"]) as stream:  # a GET still streams
        assert stream.status_code == 200
        events = (line for line in stream.iter_lines() if line.startswith("event:"))
        assert next(events) == "event: queued"
