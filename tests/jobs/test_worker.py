"""Stopping workers: `wikivice serve` (worker inside) on Ctrl-C, `wikivice worker` on
SIGTERM; both stop at once and hand their running job back with its checkpoint."""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from support import Process, free_port, simulator_process
from wikivice.jobs.runtime import Runtime
from wikivice.store.vocabulary import JobStatus


@pytest.fixture
def sim() -> Iterator[tuple[Process, str]]:
    process, api = simulator_process(0.03)
    yield process, api
    process.stop()


def settings_env(tmp_path: Path, api: str) -> dict[str, str]:
    return {
        "WIKIVICE_DATA_DIR": str(tmp_path),
        "WIKIVICE_DATABASE_URL": "",
        "WIKIVICE_REDIS_URL": "",
        "WIKIVICE_DEFAULT_WIKI": api,
        "WIKIVICE_CONTACT": "wikivice-tests@example.org",
    }


def wait_for_progress(client: httpx.Client, job_url: str) -> None:
    deadline = time.monotonic() + 20
    while client.get(job_url).json()["done"] < 1000:
        assert time.monotonic() < deadline, "the fetch did not start"
        time.sleep(0.05)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_serve_stops_promptly_and_requeues_its_job(
    tmp_path: Path, sim: tuple[Process, str], signum: int
) -> None:
    env = settings_env(tmp_path, sim[1])
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    web = Process(["serve", "--port", str(port)], env, f"{url}/static/app.css").start()
    try:
        with httpx.Client(base_url=url, timeout=10) as client:
            job = client.post("/api/analyses", json={"title": "Synthetic 30000"}).json()
            wait_for_progress(client, job["job_url"])
            asked = time.monotonic()
            web.signal(signum)
            web.wait(10)
            assert time.monotonic() - asked < 5
        web.start()  # the job resumes in the new process
        with httpx.Client(base_url=url, timeout=10) as client:
            deadline = time.monotonic() + 60
            while (state := client.get(job["job_url"]).json())["status"] != JobStatus.DONE:
                assert time.monotonic() < deadline, state
                time.sleep(0.1)
        assert state["attempts"] == 2 and state["done"] == 30000
        log = web.output()
        assert "Traceback" not in log
    finally:
        web.stop()


def test_worker_hands_its_job_back_on_sigterm(tmp_path: Path, sim: tuple[Process, str]) -> None:
    env = settings_env(tmp_path, sim[1])
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    web = Process(["serve", "--no-worker", "--port", str(port)], env, f"{url}/static/app.css")
    worker = Process(["worker"], env, None)
    web.start()
    worker.start()
    try:
        with httpx.Client(base_url=url, timeout=10) as client:
            job = client.post("/api/analyses", json={"title": "Synthetic 30000"}).json()
            wait_for_progress(client, job["job_url"])
            asked = time.monotonic()
            worker.signal(signal.SIGTERM)
            assert worker.wait(10) == 0
            assert time.monotonic() - asked < 5
            state = client.get(job["job_url"]).json()
            assert state["status"] == JobStatus.QUEUED and 0 < state["done"] < 30000
            assert state["message"] == "the worker stopped; resuming where it left off"
    finally:
        worker.stop()
        web.stop()


def test_demo_runs_offline_with_the_simulator(tmp_path: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {"WIKIVICE_DATA_DIR": str(tmp_path), "WIKIVICE_DATABASE_URL": ""}
    demo = Process(["serve", "--demo", "--port", str(port)], env, f"{url}/static/app.css").start()
    try:
        with httpx.Client(base_url=url, timeout=30) as client:
            home = client.get("/")
            assert "127.0.0.1:" in home.text  # the simulator is the default wiki
            answer = client.post("/api/analyses", json={"title": "Coffee"})
            assert answer.status_code == 202
            deadline = time.monotonic() + 60
            while client.get(answer.json()["job_url"]).json()["status"] != JobStatus.DONE:
                assert time.monotonic() < deadline
                time.sleep(0.1)
        assert (tmp_path / "demo" / "wikivice.db").exists()  # kept apart from real data
    finally:
        demo.stop()


def test_the_reaper_forgets_failed_jobs_kept_past_their_time(rt: Runtime) -> None:
    import threading

    from wikivice.jobs.analyses import start_analysis
    from wikivice.jobs.worker import Reaper
    from wikivice.wiki.sites import parse_wiki

    site = parse_wiki(rt.settings.default_wiki)
    job_ids = [start_analysis(rt, site, f"Synthetic {n}", enqueue=False).job_id for n in (310, 311)]
    for job_id in job_ids:
        claim = rt.jobs.claim(job_id)
        assert claim is not None
        rt.jobs.fail(claim, "the wiki said no")
    kept = Reaper(rt, threading.Event())
    kept.reap_once()
    assert all(rt.jobs.get(job_id) is not None for job_id in job_ids)  # 7 days by default
    rt.settings = rt.settings.model_copy(update={"failed_jobs_keep_days": 0.0})
    forgetting = Reaper(rt, threading.Event())
    forgetting.reap_once()
    assert all(rt.jobs.get(job_id) is None for job_id in job_ids)
