"""GET /healthz and /readyz, as a load balancer polls them: readiness follows the
database and Redis going away and coming back (on servers of the test's own)."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from services import PostgresCluster, RedisServer
from support import LiveServer, make_settings
from wikivice.web.app import create_app


def test_liveness_asks_nothing(client: httpx.Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_readiness_names_every_part(client: httpx.Client) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ready" and body["failing"] == []
    assert set(body["parts"]) == {"database", "queue"}
    assert response.headers["cache-control"] == "no-store"


def poll(url: str, status: int, timeout: float = 10) -> dict[str, object]:
    """Poll `url` every 0.2 s (as a load balancer would) until it answers `status`."""
    deadline = time.monotonic() + timeout
    while True:
        response = httpx.get(url, timeout=5)
        if response.status_code == status:
            body: dict[str, object] = response.json()
            return body
        assert time.monotonic() < deadline, f"{url}: {response.status_code} {response.text}"
        time.sleep(0.2)


@pytest.mark.redis
def test_readiness_follows_redis_away_and_back(tmp_path: Path, own_redis: RedisServer) -> None:
    app = create_app(make_settings(tmp_path, redis_url=own_redis.url), worker=False)
    with LiveServer(app) as live:
        url = f"{live.url}/readyz"
        assert poll(url, 200)["parts"]["redis"]["ok"] is True  # type: ignore[index]
        own_redis.stop()
        down = poll(url, 503)
        assert down["status"] == "not ready" and down["failing"] == ["queue", "redis"]
        assert httpx.get(f"{live.url}/healthz").status_code == 200  # alive all along
        own_redis.start()
        assert poll(url, 200)["failing"] == []


@pytest.mark.postgres
def test_readiness_follows_the_database_away_and_back(
    tmp_path: Path, own_postgres: PostgresCluster
) -> None:
    app = create_app(make_settings(tmp_path, database_url=own_postgres.url), worker=False)
    with LiveServer(app) as live:
        url = f"{live.url}/readyz"
        poll(url, 200)
        own_postgres.stop()
        started = time.monotonic()
        down = poll(url, 503)
        assert down["failing"] == ["database"] and time.monotonic() - started < 5
        assert down["parts"]["database"]["detail"].startswith("unreachable")  # type: ignore[index]
        own_postgres.start()
        poll(url, 200)
