"""Readiness: each part checked, and the failing ones named in a few words."""

from __future__ import annotations

import time
from pathlib import Path

from support import free_port, make_settings
from wikivice.jobs.health import Health
from wikivice.jobs.runtime import Runtime


def test_a_migrated_database_and_its_queue_are_ready(rt: Runtime) -> None:
    state = Health(rt).readiness()
    assert state.ready and state.failing == []
    assert [p.name for p in state.parts] == ["database", "queue"]
    assert all(p.detail == "ok" for p in state.parts)


def test_a_database_never_migrated_is_named_with_what_to_do(
    tmp_path: Path, new_database_url: str
) -> None:
    rt = Runtime.create(make_settings(tmp_path, database_url=new_database_url), migrate=False)
    try:
        state = Health(rt).readiness()
    finally:
        rt.close()
    assert state.failing == ["database"]
    detail = state.parts[0].detail
    assert detail.startswith("no schema, this code needs") and "run the migrations" in detail


def test_an_unreachable_redis_is_named_at_once(tmp_path: Path) -> None:
    dead = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    rt = Runtime.create(make_settings(tmp_path, redis_url=dead))
    health = Health(rt)
    try:
        started = time.monotonic()
        state = health.readiness()
        took = time.monotonic() - started
    finally:
        health.close()
        rt.close()
    assert state.failing == ["queue", "redis"]  # the queue lives in Redis too
    assert state.parts[2].detail == "unreachable (ConnectionError)"
    assert took < 3


def test_redis_when_configured_is_checked(tmp_path: Path, redis_url: str) -> None:
    rt = Runtime.create(make_settings(tmp_path, redis_url=redis_url))
    health = Health(rt)
    try:
        state = health.readiness()
    finally:
        health.close()
        rt.close()
    assert state.ready and [p.name for p in state.parts] == ["database", "queue", "redis"]
