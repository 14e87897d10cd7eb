"""GET /metrics as Prometheus scrapes it: after a known sequence of jobs run by two worker
processes, the numbers are the ones that happened (the simulator counts its side)."""

from __future__ import annotations

import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx
from prometheus_client.parser import text_string_to_metric_families

from support import Process, free_port, read_events, simulator_process
from wikivice.jobs.runtime import Runtime
from wikivice.settings import Settings
from wikivice.store import pages
from wikivice.wiki.client import ResolvedPage
from wikivice.wiki.sites import parse_wiki

TITLES = {"Synthetic 1200": 1200, "Synthetic 1700": 1700, "Synthetic 2300": 2300}


def scrape(url: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of `url`'s exposition, by name and labels."""
    response = httpx.get(url, timeout=10)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def total(
    samples: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str
) -> float:
    """The sum of `name`'s samples whose labels include `labels`."""
    wanted = set(labels.items())
    return sum(v for (n, ls), v in samples.items() if n == name and wanted <= set(ls))


def test_a_fleet_on_one_machine_counts_what_happened(tmp_path: Path) -> None:
    sim, api = simulator_process(0.01)
    sim_url = api.removesuffix("/w/api.php")
    worker_port = free_port()
    env = {
        "WIKIVICE_DATABASE_URL": "",
        "WIKIVICE_REDIS_URL": "",
        "WIKIVICE_DATA_DIR": str(tmp_path / "data"),
        "WIKIVICE_DEFAULT_WIKI": api,
        "WIKIVICE_METRICS_DIR": str(tmp_path / "metrics"),
        "WIKIVICE_EVENT_POLL_SECONDS": "0.3",
        "WIKIVICE_WORKERS": "1",
    }
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    web = Process(["serve", "--no-worker", "--port", str(port)], env, f"{url}/healthz")
    workers = [
        Process(["worker"], {**env, "WIKIVICE_METRICS_PORT": str(worker_port)}, None),
        Process(["worker"], env, None),
    ]
    processes = [sim, web.start(), *(w.start() for w in workers)]
    try:
        with httpx.Client(timeout=60) as client:
            client.post(f"{sim_url}/_simulator/reset-stats")
            jobs = [client.post(f"{url}/api/analyses", json={"title": t}).json() for t in TITLES]
            for job in jobs:
                assert read_events(client, url + job["events_url"])[-1].event == "done"
            served = client.get(f"{sim_url}/_simulator/stats").json()
        time.sleep(0.2)
        samples = scrape(f"{url}/metrics")
        assert total(samples, "wikivice_revisions_stored_total") == sum(TITLES.values())
        assert total(samples, "wikivice_jobs_ended_total", outcome="done") == 3
        assert total(samples, "wikivice_jobs_ended_total") == 3  # none failed or requeued
        assert total(samples, "wikivice_job_run_seconds_count", outcome="done") == 3
        assert total(samples, "wikivice_jobs", status="done") == 3
        assert total(samples, "wikivice_jobs", status="queued") == 0
        assert total(samples, "wikivice_jobs_stalled") == 0
        assert total(samples, "wikivice_queue_depth") == 0
        # Every request the wiki saw: the web process's title lookups and the workers'
        # walks, each counted by the process that sent it, added up from the folder.
        assert total(samples, "wikivice_wiki_requests_total") == served["requests"]
        assert total(samples, "wikivice_wiki_requests_total", status="200") == served["requests"]
        assert total(samples, "wikivice_wiki_request_seconds_count") == served["requests"]
        assert total(samples, "wikivice_wiki_retries_total") == 0
        assert total(samples, "wikivice_politeness_wait_seconds_count") == served["requests"]
        assert total(samples, "wikivice_event_streams_open") == 0  # the three streams ended
        assert total(samples, "wikivice_politeness_limit") == 3
        # The worker's own port shows the machine's counts too.
        own = scrape(f"http://127.0.0.1:{worker_port}/metrics")
        assert total(own, "wikivice_revisions_stored_total") == sum(TITLES.values())
    finally:
        for process in reversed(processes):
            process.stop()


def test_a_single_process_shows_its_own_counts_and_the_fleet(client: httpx.Client) -> None:
    samples = scrape(f"{client.base_url}/metrics")
    assert ("wikivice_jobs", (("status", "running"),)) in samples
    assert total(samples, "wikivice_politeness_limit") == 3
    assert any(name == "process_resident_memory_bytes" for name, _ in samples)


def test_politeness_slots_in_use_and_cap_per_busy_wiki(
    client: httpx.Client, wiki_settings: Settings
) -> None:
    rt = Runtime.create(wiki_settings)  # another process of the fleet, on the same database
    try:
        site = parse_wiki(wiki_settings.default_wiki)
        with rt.db.write() as conn:
            wiki_id = pages.ensure_wiki(conn, site)
            page = pages.upsert_page(conn, wiki_id, ResolvedPage(9, 0, "Queued", 100, 5000))
        rt.jobs.submit(page.id)  # queued (on no queue): its wiki is busy
        host = urlsplit(site.api_url).hostname or ""
        token = rt.wikis.slots.take(host, 5)  # one of its requests under way
        assert token is not None
        try:
            samples = scrape(f"{client.base_url}/metrics")
        finally:
            rt.wikis.slots.give(host, token)
        assert total(samples, "wikivice_politeness_slots_in_use", host=host) == 1
        assert total(samples, "wikivice_politeness_slots_cap", host=host) == 3
        samples = scrape(f"{client.base_url}/metrics")
        assert total(samples, "wikivice_politeness_slots_in_use", host=host) == 0
    finally:
        rt.close()
