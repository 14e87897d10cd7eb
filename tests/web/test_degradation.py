"""Clean degradation over a real uvicorn (issue 10): Redis down, then back; a database
that stops answering under a request; a wiki whose politeness slots are all in use. The
visitor gets a 503 with Retry-After (JSON for the API, a page for people), never a 500 or
a request that hangs, and no job is lost."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from services import RedisServer
from support import GENEROUS_LIMITS, BlackHole, LiveServer, read_events
from wikivice.jobs import unqueued
from wikivice.jobs.runtime import Runtime
from wikivice.settings import Settings
from wikivice.simulator import SimulatorServer
from wikivice.store.database import Database, make_engine
from wikivice.web.app import create_app
from wikivice.web.headers import SECURITY_HEADERS
from wikivice.web.problems import SLOTS_BUSY_RETRY_AFTER
from wikivice.wiki.sites import parse_wiki


@pytest.fixture
def redis_app(wiki_settings: Settings, own_redis: RedisServer) -> Iterator[httpx.Client]:
    settings = wiki_settings.model_copy(update={"redis_url": own_redis.url})
    with LiveServer(create_app(settings)) as live:
        with httpx.Client(base_url=live.url, timeout=30) as client:
            yield client


def assert_service_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["Retry-After"] == "30"
    for name, value in SECURITY_HEADERS:
        assert response.headers[name] == value
    assert "Traceback" not in response.text


def test_a_submission_while_redis_is_down_is_503_and_runs_once_it_is_back(
    redis_app: httpx.Client, own_redis: RedisServer, wiki_settings: Settings
) -> None:
    own_redis.stop()
    started = time.monotonic()
    refused = redis_app.post("/api/analyses", json={"title": "Synthetic 40"})
    assert time.monotonic() - started < 5
    assert_service_unavailable(refused)
    assert "try again" in refused.json()["detail"]
    # Whoever joins the job the queue refused is refused too (it tried the queue again),
    # and so is a person using the form.
    assert_service_unavailable(redis_app.post("/api/analyses", json={"title": "Synthetic 40"}))
    page = redis_app.post("/analyse", data={"title": "Synthetic 40"})
    assert_service_unavailable(page)
    assert page.headers["content-type"].startswith("text/html")
    assert redis_app.get("/").status_code == 200  # the rest of the site still answers
    [job_id] = marked(wiki_settings)
    job = redis_app.get(f"/api/jobs/{job_id}").json()
    assert job["status"] == "queued" and job["message"] == unqueued.WAITING_FOR_QUEUE
    with redis_app.stream("GET", f"/api/jobs/{job_id}/events") as stream:  # replayed
        assert stream.status_code == 200
        assert next(stream.iter_lines()).startswith("retry:")

    own_redis.start()  # the reaper puts the job on the queue; a worker runs it
    deadline = time.monotonic() + 30
    while redis_app.get(f"/api/jobs/{job_id}").json()["status"] != "done":
        assert time.monotonic() < deadline, "the job never ran"
        time.sleep(0.2)
    assert read_events(redis_app, f"/api/jobs/{job_id}/events")[-1].event == "done"
    again = redis_app.post("/api/analyses", json={"title": "Synthetic 40"})
    assert again.status_code == 200 and again.json()["status"] == "current"


def marked(settings: Settings) -> list[int]:
    db = Database(settings.sqlalchemy_url)
    try:
        return unqueued.marked_jobs(db)
    finally:
        db.dispose()


@pytest.fixture
def runtime(wiki_settings: Settings) -> Iterator[Runtime]:
    rt = Runtime.create(wiki_settings)
    yield rt
    rt.close()


def test_a_database_that_stops_answering_is_503_within_its_timeout(
    runtime: Runtime, tmp_path: Path
) -> None:
    app = create_app(runtime.settings, worker=False, runtime=runtime)
    with LiveServer(app) as live, httpx.Client(base_url=live.url, timeout=30) as client:
        assert client.get("/api/recent-analyses").status_code == 200
        working = runtime.db.engine
        with BlackHole() as hole:
            runtime.db.engine = make_engine(f"postgresql://u@127.0.0.1:{hole.port}/x", 2)
            try:
                started = time.monotonic()
                api = client.get("/api/recent-analyses")
                assert time.monotonic() - started < 5
                page = client.get("/")
            finally:
                runtime.db.engine.dispose()
                runtime.db.engine = working
    assert_service_unavailable(api)
    assert api.json()["detail"].startswith("The service's database is not answering")
    assert_service_unavailable(page)
    assert page.headers["content-type"].startswith("text/html")


def test_a_wiki_host_whose_slots_are_all_in_flight_is_503_for_a_person(
    wiki_settings: Settings, simulator: SimulatorServer
) -> None:
    # Every request the service may send the wiki at once is in flight (the fleet's
    # walks, say): a person's lookup gives up after `lookup_timeout`, the wiki unasked,
    # and is told to come back in a few seconds, not that the wiki failed.
    settings = wiki_settings.model_copy(update={"lookup_timeout": 1.0, **GENEROUS_LIMITS})
    app = create_app(settings)
    with LiveServer(app) as live, httpx.Client(base_url=live.url, timeout=30) as client:
        slots = app.state.runtime.wikis.slots
        host = "127.0.0.1"
        held = [slots.take(host, 1) for _ in range(settings.max_concurrent_requests)]
        try:
            asked = simulator.sim.stats.requests
            started = time.monotonic()
            refused = client.post("/api/analyses", json={"title": "Synthetic 40"})
            assert time.monotonic() - started < 5
            assert refused.status_code == 503, refused.text
            assert refused.headers["Retry-After"] == str(SLOTS_BUSY_RETRY_AFTER)
            detail = refused.json()["detail"]
            assert "busy with other requests of this service" in detail and "try again" in detail
            key = parse_wiki(simulator.api_url).key
            suggestions = client.get(f"/api/wikis/{key}/suggestions", params={"q": "Syn"})
            assert suggestions.status_code == 503 and "Retry-After" in suggestions.headers
            page = client.post("/analyse", data={"title": "Synthetic 40"})
            assert page.status_code == 503
            assert page.headers["content-type"].startswith("text/html")
            assert "Please wait a moment" in page.text
            assert simulator.sim.stats.requests == asked  # the wiki was never asked
        finally:
            for token in held:
                slots.give(host, str(token))
        again = client.post("/api/analyses", json={"title": "Synthetic 40"})
        assert again.status_code in (200, 202), again.text  # a slot free again: taken
