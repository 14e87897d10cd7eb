"""Recovery drills on servers of the test's own (the shared PostgreSQL and Redis are never
touched): the database restarted in the middle of a fetch, and Redis restarted in the
middle of a job. Either way the job ends done, every revision stored once."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from services import PostgresCluster, RedisServer
from support import Process, free_port, simulator_process

BIG = 20_000


def start_fleet(tmp_path: Path, **settings: str) -> tuple[list[Process], str]:
    """The simulator, one web process and one worker; returns them and the web's URL."""
    sim, api = simulator_process(0.02)
    env = {
        "WIKIVICE_DATA_DIR": str(tmp_path),
        "WIKIVICE_DEFAULT_WIKI": api,
        "WIKIVICE_HEARTBEAT_SECONDS": "0.5",
        "WIKIVICE_STALE_SECONDS": "4",
        "WIKIVICE_DB_TIMEOUT": "2",
        **{f"WIKIVICE_{k.upper()}": v for k, v in settings.items()},
    }
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    web = Process(["serve", "--no-worker", "--port", str(port)], env, f"{url}/healthz")
    worker = Process(["worker"], env, None)
    return [sim, web.start(), worker.start()], url


def job_state(url: str, job_url: str) -> dict[str, object]:
    """The job as the API says, or {} while the service cannot say."""
    try:
        response = httpx.get(url + job_url, timeout=5)
    except httpx.HTTPError:
        return {}
    return response.json() if response.status_code == 200 else {}


def until_stored(url: str, job_url: str, count: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while int(job_state(url, job_url).get("done") or 0) < count:  # type: ignore[call-overload]
        assert time.monotonic() < deadline, "the fetch did not get going"
        time.sleep(0.1)


def until_done(url: str, job_url: str, timeout: float = 90) -> dict[str, object]:
    deadline = time.monotonic() + timeout
    while (job := job_state(url, job_url)).get("status") != "done":
        assert job.get("status") != "failed", job
        assert time.monotonic() < deadline, job
        time.sleep(0.2)
    return job


@pytest.mark.postgres
def test_the_database_restarted_mid_fetch(tmp_path: Path, own_postgres: PostgresCluster) -> None:
    processes, url = start_fleet(tmp_path, database_url=own_postgres.url, redis_url="")
    try:
        job = httpx.post(f"{url}/api/analyses", json={"title": f"Synthetic {BIG}"}).json()
        until_stored(url, job["job_url"], 3000)
        own_postgres.stop()
        time.sleep(3)  # longer than a few batches: the worker meets the outage
        own_postgres.start()
        final = until_done(url, job["job_url"])
        assert final["done"] == BIG
        page = httpx.get(url + job["dashboard_url"]).status_code
        assert page == 200
        stats = httpx.get(url + job["stats_url"], timeout=30).json()
        assert stats["edits"] == BIG  # every revision once: none lost, none twice
    finally:
        for process in reversed(processes):
            process.stop()


@pytest.mark.redis
def test_redis_restarted_mid_job(tmp_path: Path, own_redis: RedisServer) -> None:
    processes, url = start_fleet(tmp_path, database_url="", redis_url=own_redis.url)
    try:
        job = httpx.post(f"{url}/api/analyses", json={"title": f"Synthetic {BIG}"}).json()
        until_stored(url, job["job_url"], 3000)
        own_redis.stop()  # it keeps nothing: the queue and the slots' leases are gone
        time.sleep(3)
        own_redis.start()
        final = until_done(url, job["job_url"])
        assert final["done"] == BIG
        stats = httpx.get(url + job["stats_url"], timeout=30).json()
        assert stats["edits"] == BIG
        # The queue works again for the next article.
        after = httpx.post(f"{url}/api/analyses", json={"title": "Synthetic 1500"}).json()
        assert until_done(url, after["job_url"])["done"] == 1500
    finally:
        for process in reversed(processes):
            process.stop()
