"""Log lines: readable or JSON, the job's fields on each line of its work (its threads'
too), quiet at INFO; and a real worker's output as an operator reads it."""

from __future__ import annotations

import json
import logging
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from support import Process, free_port
from wikivice import logs
from wikivice.simulator import SimulatorServer


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    """`configure` sets the root logger and the chatty ones: put them back after."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    levels = {name: logging.getLogger(name).level for name in logs.CHATTY}
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, old in levels.items():
        logging.getLogger(name).setLevel(old)
    logs.unbind()


@pytest.fixture
def captured() -> Iterator[list[logging.LogRecord]]:
    """Records as the configured handler's filter leaves them."""
    logs.configure("info", "text")
    records: list[logging.LogRecord] = []
    root = logging.getLogger()
    handler = root.handlers[0]
    original = handler.emit
    handler.emit = records.append  # type: ignore[method-assign]
    yield records
    handler.emit = original  # type: ignore[method-assign]


def record(message: str, **fields: object) -> logging.LogRecord:
    item = logging.LogRecord("wikivice.jobs.runner", logging.INFO, __file__, 1, message, (), None)
    item.created = time.mktime((2026, 12, 5, 7, 15, 2, 0, 0, -1))
    for key, value in fields.items():
        setattr(item, key, value)
    return item


def test_text_lines_name_the_job_and_wiki() -> None:
    line = logs.TextFormatter().format(record("job 12 done", job=12, wiki="en"))
    assert line.endswith("INFO    jobs.runner: job 12 done  [job=12 wiki=en]")
    assert logs.TextFormatter().format(record("no job")).endswith("jobs.runner: no job")


def test_json_lines_carry_the_fields_and_the_traceback() -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        item = record("job 12 failed", job=12, wiki="fr", title='Ein "Titel"\n<b>')
        item.exc_info = sys.exc_info()
    entry = json.loads(logs.JsonFormatter().format(item))
    assert entry["level"] == "info" and entry["logger"] == "wikivice.jobs.runner"
    assert entry["message"] == "job 12 failed"
    assert (entry["job"], entry["wiki"], entry["title"]) == (12, "fr", 'Ein "Titel"\n<b>')
    assert entry["time"].endswith("Z") and "ValueError: boom" in entry["exception"]


def test_bound_fields_reach_the_threads_a_job_starts(captured: list[logging.LogRecord]) -> None:
    log = logging.getLogger("wikivice.test")
    logs.bind(job=7)
    logs.bind(wiki="en")
    worker = threading.Thread(target=logs.in_context(lambda: log.info("in the fetch thread")))
    plain = threading.Thread(target=lambda: log.info("elsewhere"))
    for thread in (worker, plain):
        thread.start()
        thread.join()
    logs.unbind()
    log.info("after the job")
    fields = [(r.getMessage(), getattr(r, "job", None), getattr(r, "wiki", None)) for r in captured]
    assert fields == [
        ("in the fetch thread", 7, "en"),
        ("elsewhere", None, None),
        ("after the job", None, None),
    ]


def test_info_leaves_each_request_to_debug() -> None:
    logs.configure("info", "json")
    assert not logging.getLogger("httpx").isEnabledFor(logging.INFO)
    assert not logging.getLogger("alembic").isEnabledFor(logging.INFO)
    logs.configure("debug", "text")
    assert logging.getLogger("httpx").isEnabledFor(logging.DEBUG)


def test_bad_level_or_format_is_refused() -> None:
    with pytest.raises(ValueError, match="not one of debug, info"):
        logs.configure("loud")
    with pytest.raises(ValueError, match="not one of text, json"):
        logs.configure("info", "xml")


def fetch_with_a_worker(
    tmp_path: Path, api: str, title: str, *worker_args: str, **settings: str
) -> tuple[int, str, str]:
    """A web process and `wikivice worker` (with `worker_args`) fetching `title`; the
    job's id and the two processes' output."""
    env = {
        "WIKIVICE_DATA_DIR": str(tmp_path),
        "WIKIVICE_DATABASE_URL": "",
        "WIKIVICE_REDIS_URL": "",
        "WIKIVICE_DEFAULT_WIKI": api,
        **{f"WIKIVICE_{k.upper()}": v for k, v in settings.items()},
    }
    base = f"http://127.0.0.1:{free_port()}"
    port = base.rsplit(":", 1)[1]
    web = Process(["serve", "--no-worker", "--port", port], env, f"{base}/healthz")
    worker = Process(["worker", *worker_args], env, None)
    try:
        web.start()
        worker.start()
        job = httpx.post(f"{base}/api/analyses", json={"title": title}).json()
        deadline = time.monotonic() + 60
        while httpx.get(base + job["job_url"]).json()["status"] != "done":
            assert time.monotonic() < deadline
            time.sleep(0.2)
        time.sleep(0.3)  # the line after the last event
    finally:
        worker.stop()
        web.stop()
    return job["job_id"], web.output(), worker.output()


def test_a_worker_logs_each_job_in_a_few_json_lines(
    tmp_path: Path, simulator: SimulatorServer
) -> None:
    """WIKIVICE_LOG_FORMAT=json, 5,000 revisions (ten requests to the wiki): every line
    is JSON, the job's lines name it, its wiki and title, and no line is per request."""
    job_id, web, worker = fetch_with_a_worker(
        tmp_path, simulator.api_url, "Synthetic 5000", log_format="json"
    )
    entries = [json.loads(line) for line in worker.splitlines() if line.strip()]
    job_lines = [e for e in entries if e.get("job") == job_id]
    messages = [e["message"] for e in job_lines]
    assert any(m.startswith(f"job {job_id} started") for m in messages)
    assert any(m.startswith(f"job {job_id} done: 5,000 new revisions") for m in messages)
    assert all(e["wiki"] and e["title"] == "Synthetic 5000" for e in job_lines)
    assert not [e for e in entries if e["logger"].startswith(("httpx", "httpcore"))]
    assert len(entries) < 10, entries
    web_entries = [json.loads(line) for line in web.splitlines() if line.strip()]
    assert not [e for e in web_entries if e["logger"].startswith("alembic")]


def test_debug_adds_each_request(tmp_path: Path, simulator: SimulatorServer) -> None:
    job_id, _, worker = fetch_with_a_worker(
        tmp_path, simulator.api_url, "Synthetic 1500", "--log-level", "debug"
    )
    requests = [line for line in worker.splitlines() if "httpx: HTTP Request: GET" in line]
    assert len(requests) >= 3, worker
    assert all(f"job={job_id}" in line for line in requests), requests
