"""Security headers on every answer, over a real uvicorn: pages, JSON, static files,
event streams, refusals, and the 500 of an unhandled exception (which Starlette's
ServerErrorMiddleware answers outside every middleware inside it), with no stack trace."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import BackgroundTasks, Depends

from support import LiveServer, make_settings
from wikivice.simulator import SimulatorServer
from wikivice.web.app import create_app
from wikivice.web.headers import SECURITY_HEADERS

SECRET = "secret-in-the-exception-f00d"


def explode() -> None:
    raise RuntimeError(SECRET)


@pytest.fixture
def http(tmp_path: Path, simulator: SimulatorServer) -> Iterator[httpx.Client]:
    app = create_app(make_settings(tmp_path, default_wiki=simulator.api_url))

    # Routes that crash: in the handler, and in a dependency (before the handler runs).
    @app.get("/api/crash")
    def crash_api() -> None:
        explode()

    @app.get("/crash")
    def crash_page() -> None:
        explode()

    @app.get("/api/crash-early", dependencies=[Depends(explode)])
    def crash_early() -> None:
        raise AssertionError("never reached")

    @app.get("/api/late-failure")
    def fail_after_answering(background: BackgroundTasks) -> dict[str, bool]:
        background.add_task(explode)
        return {"answered": True}

    with LiveServer(app) as live, httpx.Client(base_url=live.url, timeout=30) as client:
        yield client


def assert_secured(response: httpx.Response) -> None:
    for name, value in SECURITY_HEADERS:
        assert response.headers.get(name) == value, (response.url, name)


def assert_no_trace(response: httpx.Response) -> None:
    for leak in (SECRET, "Traceback", "RuntimeError", 'File "'):
        assert leak not in response.text


def test_unhandled_exception_in_the_api_is_a_json_500_with_headers(http: httpx.Client) -> None:
    for path in ("/api/crash", "/api/crash-early"):
        response = http.get(path)
        assert response.status_code == 500
        assert response.headers["content-type"] == "application/json"
        assert response.json() == {
            "detail": "Something went wrong on our side; please retry.",
            "suggestions": [],
        }
        assert_secured(response)
        assert_no_trace(response)


def test_unhandled_exception_on_a_page_is_a_friendly_page_with_headers(
    http: httpx.Client,
) -> None:
    response = http.get("/crash")
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("text/html")
    assert "Something went wrong" in response.text and "Search again" in response.text
    assert_secured(response)
    assert_no_trace(response)


def test_an_error_after_another_answer_still_reaches_the_log(
    http: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    # Only our own completed 500 stops its exception (logged by on_crash already).
    with caplog.at_level(logging.ERROR):
        assert http.get("/api/late-failure").json() == {"answered": True}
        deadline = time.monotonic() + 5
        while not any(SECRET in str(r.exc_info) for r in caplog.records if r.exc_info):
            assert time.monotonic() < deadline, "the background task's error was lost"
            time.sleep(0.05)


def test_pages_errors_static_files_and_refusals_carry_the_headers(http: httpx.Client) -> None:
    answers = [
        http.get("/"),
        http.get("/static/app.css"),
        http.get("/static/vendor/plotly.min.js"),
        http.get("/api/recent-analyses"),
        http.get("/no/such/address"),
        http.get("/api/jobs/0"),  # 422
        http.post("/api/analyses", json={"title": "X"}, headers={"Origin": "https://evil.test"}),
    ]
    assert [a.status_code for a in answers] == [200, 200, 200, 200, 404, 422, 403]
    for answer in answers:
        assert_secured(answer)


def test_event_streams_carry_the_headers(http: httpx.Client) -> None:
    job = http.post("/api/analyses", json={"title": "Synthetic 20"}).json()
    with http.stream("GET", job["events_url"]) as stream:
        assert stream.status_code == 200
        assert stream.headers["content-type"].startswith("text/event-stream")
        assert_secured(stream)
        assert b"event: done" in stream.read()
