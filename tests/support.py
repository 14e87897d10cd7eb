"""Helpers shared by the tests (fixtures live in conftest.py)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from wikivice.analyses import start_analysis
from wikivice.runner import run_claimed
from wikivice.runtime import Runtime
from wikivice.settings import Settings
from wikivice.wikis import parse_wiki


def make_settings(tmp_path: Path, **changes: Any) -> Settings:
    """Settings for tests: quick retries and heartbeats, data under `tmp_path`."""
    values: dict[str, Any] = dict(
        data_dir=tmp_path / "data",
        contact="wikivice-tests@example.org",
        request_timeout=5.0,
        max_retries=3,
        max_retry_wait=0.5,
        heartbeat_seconds=0.2,
        stale_seconds=2.0,
        event_poll_seconds=0.5,
    )
    values.update(changes)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def fetch(rt: Runtime, title: str, *, stop: threading.Event | None = None) -> dict[str, Any]:
    """Analyse `title` on the runtime's default wiki in the foreground, as `wikivice
    fetch` does; returns the job's final row (or {"status": "current"})."""
    analysis = start_analysis(rt, parse_wiki(rt.settings.default_wiki), title, enqueue=False)
    if analysis.job_id is None:
        return {"status": "current", "page_id": analysis.page.id, "new_revisions": 0}
    claim = rt.jobs.claim(analysis.job_id)
    assert claim is not None
    run_claimed(rt, claim, stop or threading.Event(), requeue=lambda job_id: None)
    job = rt.jobs.get(analysis.job_id)
    assert job is not None
    return job
