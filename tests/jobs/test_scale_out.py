"""Several processes as an operator would run them: web nodes without workers, separate
workers, one database and (optionally) Redis. A stream on any web node sees every event
of a job run anywhere, the final one included."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from support import Process, free_port, read_events, simulator_process
from wikivice.store.vocabulary import ACTIVE_JOB_STATUSES, EventKind


def fleet_env(api: str, data: Path, **settings: str) -> dict[str, str]:
    """The environment every process of one test fleet shares: SQLite in `data` and no
    Redis unless `settings` (WIKIVICE_ names without the prefix) say otherwise. The
    fleet is one client of itself: the per-client caps are lifted."""
    env = {
        "WIKIVICE_DATABASE_URL": "",
        "WIKIVICE_REDIS_URL": "",
        "WIKIVICE_DATA_DIR": str(data),
        "WIKIVICE_DEFAULT_WIKI": api,
        "WIKIVICE_CONTACT": "wikivice-tests@example.org",
        "WIKIVICE_MAX_QUEUED_PER_CLIENT": "100",
    }
    env.update({f"WIKIVICE_{name.upper()}": value for name, value in settings.items()})
    return env


def web_node(env: dict[str, str]) -> tuple[Process, str]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    return Process(["serve", "--no-worker", "--port", str(port)], env, f"{url}/static/app.css"), url


@pytest.mark.postgres
@pytest.mark.redis
def test_two_web_nodes_and_a_worker_on_postgres_and_redis(
    postgres_url: str, redis_url: str, tmp_path: Path
) -> None:
    sim, api = simulator_process(0.01)
    # Only Redis can deliver quickly: the database poll is set far too slow to help.
    env = fleet_env(
        api, tmp_path, database_url=postgres_url, redis_url=redis_url, event_poll_seconds="30"
    )
    processes = [sim]
    try:
        node_a, url_a = web_node(env)
        node_b, url_b = web_node(env)
        processes += [node_a.start(), node_b.start()]
        processes.append(Process(["worker"], env, None).start())
        with httpx.Client(timeout=60) as client:
            job = client.post(f"{url_a}/api/analyses", json={"title": "Synthetic 4000"}).json()
            assert job["status"] in ACTIVE_JOB_STATUSES
            started = time.monotonic()
            events = read_events(client, url_b + job["events_url"])
            took = time.monotonic() - started
            assert events[-1].event == EventKind.DONE and events[-1].data["done"] == 4000
            assert [e.id for e in events] == [str(n) for n in range(1, len(events) + 1)]
            assert took < 20  # well before the 30 s poll: woken through Redis
            late = read_events(client, url_a + job["events_url"], last_event_id=len(events) - 1)
            assert [e.event for e in late] == [EventKind.DONE]
            stats = client.get(url_b + job["stats_url"]).json()
            assert stats["edits"] == 4000
    finally:
        for process in reversed(processes):
            process.stop()


def test_web_and_worker_processes_share_sqlite_without_redis(tmp_path: Path) -> None:
    sim, api = simulator_process(0.01)
    env = fleet_env(api, tmp_path, event_poll_seconds="0.3")  # no Redis: the poll delivers
    processes = [sim]
    try:
        node, url = web_node(env)
        processes.append(node.start())
        processes.append(Process(["worker"], env, None).start())
        with httpx.Client(timeout=60) as client:
            job = client.post(f"{url}/api/analyses", json={"title": "Synthetic 2500"}).json()
            events = read_events(client, url + job["events_url"])
            assert events[-1].event == EventKind.DONE and events[-1].data["done"] == 2500
    finally:
        for process in reversed(processes):
            process.stop()


FLEETS = [
    pytest.param("sqlite", id="sqlite-lock-files"),
    pytest.param("postgres", id="postgres-table", marks=pytest.mark.postgres),
    pytest.param("redis", id="postgres-redis", marks=[pytest.mark.postgres, pytest.mark.redis]),
]


@pytest.mark.parametrize("fleet", FLEETS)
def test_the_politeness_cap_holds_across_the_fleet(
    fleet: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """One web node and three workers of two job threads each, six articles at once:
    the wiki never sees more requests at once than WIKIVICE_MAX_CONCURRENT_REQUESTS."""
    sim, api = simulator_process(0.05)
    cap = 2
    env = fleet_env(
        api, tmp_path, max_concurrent_requests=str(cap), workers="2", event_poll_seconds="0.3"
    )
    if fleet in ("postgres", "redis"):
        env["WIKIVICE_DATABASE_URL"] = request.getfixturevalue("postgres_url")
    if fleet == "redis":
        env["WIKIVICE_REDIS_URL"] = request.getfixturevalue("redis_url")
    processes = [sim]
    try:
        node, url = web_node(env)
        processes.append(node.start())
        processes += [Process(["worker"], env, None).start() for _ in range(3)]
        sim_url = api.removesuffix("/w/api.php")
        with httpx.Client(timeout=60) as client:
            client.post(f"{sim_url}/_simulator/reset-stats")
            titles = [f"Synthetic {n}" for n in range(2001, 2007)]
            jobs = [client.post(f"{url}/api/analyses", json={"title": t}).json() for t in titles]
            for job in jobs:
                events = read_events(client, url + job["events_url"])
                assert events[-1].event == EventKind.DONE, events[-1].data
            stats = client.get(f"{sim_url}/_simulator/stats").json()
        assert stats["max_concurrent"] <= cap
        assert stats["max_concurrent"] == cap  # the six walks did press against it
    finally:
        for process in reversed(processes):
            process.stop()
