"""The job inspector (/admin, issue 13 part 4) in Chromium, against real processes: sign
in; the list by state, refreshed live; a failed job's event log; its retry, followed
live to `done`; cancel of a running job; retry of every failed job at once; the list
following the inspector's event stream: quiet while nothing happens (no poll), a new
job in it within a second of its first event. Screenshots go to artifacts/screenshots/."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from support import BrowserPage, Process, Stack, read_events, wait_until

pytestmark = pytest.mark.browser

TOKEN = "inspector-token-for-the-browser-test"
SIGN_IN_STATUS = "Failed to load resource: the server responded with a status of 401 (Unauthorized)"


def state_of(stack: Stack, job_id: int) -> str:
    return str(httpx.get(f"{stack.url}/api/jobs/{job_id}").json()["status"])


def analyse(stack: Stack, title: str) -> int:
    response = httpx.post(f"{stack.url}/api/analyses", json={"title": title}, timeout=30)
    assert response.status_code == 202, response.text
    return int(response.json()["job_id"])


def row_state(job_id: int) -> str:
    return f"document.querySelector('#job-{job_id}')?.dataset.state"


def first_event_at(stack: Stack, job_id: int) -> float:
    """When the job's first event (`queued`) was written, as it says (the job has ended,
    so its stream ends)."""
    with httpx.Client(base_url=stack.url, timeout=30) as client:
        events = read_events(client, f"/api/jobs/{job_id}/events")
    assert events[0].event == "queued"
    return float(events[0].data["at"])


def test_the_inspector_lists_logs_retries_and_cancels(
    browser_page: BrowserPage, make_stack: Any
) -> None:
    env = {"WIKIVICE_ADMIN_TOKEN": TOKEN, "WIKIVICE_JOB_ATTEMPTS": "1"}
    stack = make_stack(latency=0.02, worker=False, env=env)
    failing = [analyse(stack, f"Synthetic {n}") for n in (2000, 2001, 2002)]
    stack.sim_config(faults="5xx=1")  # the wiki fails every request: each job fails
    worker = Process(["worker"], stack.env, None).start()
    try:
        view = browser_page
        page = view.page
        page.goto(stack.url + "/admin")
        page.fill("#token", TOKEN)
        page.click("#sign-in")
        page.wait_for_selector("#politeness")
        # The list refreshes itself as the jobs fail (no reload).
        for job_id in failing:
            wait_until(view, f"{row_state(job_id)} === 'failed'", 30_000)
        assert page.text_content("#tab-failed .count") == "3"
        assert page.text_content("#politeness td") == "127.0.0.1"
        view.screenshot("list")

        # A failed job's event log, in order: queued … retrying … failed.
        page.click(f"#open-{failing[0]}")
        page.wait_for_selector("#event-log")
        kinds = page.eval_on_selector_all(
            "#event-log tbody tr", "rows => rows.map(r => r.dataset.kind)"
        )
        assert kinds[0] == "queued" and kinds[-1] == "failed"  # ("waiting" if workers are slow)
        assert kinds.index("started") < kinds.index("retrying")
        seqs = page.eval_on_selector_all(
            "#event-log tbody tr td:first-child", "c => c.map(x => +x.textContent)"
        )
        assert seqs == list(range(1, len(seqs) + 1))
        assert "did not answer usefully" in (page.text_content("#job-error") or "")
        view.screenshot("event-log")

        # Retry it with the wiki back: the log follows the job live to `done`.
        stack.sim_config(faults="")
        page.click(f"#retry-{failing[0]}")
        page.wait_for_selector("#event-log[data-state=loading]")
        wait_until(
            view,
            "document.querySelector('#event-log tbody tr:last-child').dataset.kind === 'done'",
            30_000,
        )
        assert state_of(stack, failing[0]) == "done"
        wait_until(view, "document.querySelector('#job-state').textContent === 'done'")
        assert page.is_hidden(f"#cancel-{failing[0]}") or not page.query_selector(
            f"#cancel-{failing[0]}"
        )
        assert "resumed" in page.eval_on_selector_all(
            "#event-log tbody tr", "rows => rows.map(r => r.dataset.kind)"
        )
        view.screenshot("retried")

        # Cancel a long job while it runs.
        stack.sim_config(latency=0.2)
        long_job = analyse(stack, "Synthetic 300000")
        page.goto(stack.url + "/admin?state=running")
        wait_until(view, f"{row_state(long_job)} === 'running'", 30_000)
        page.click(f"#cancel-{long_job}")
        page.wait_for_url("**/admin?state=running")
        assert state_of(stack, long_job) == "cancelled"
        page.goto(stack.url + "/admin?state=cancelled")
        assert page.text_content(f"#job-{long_job} .why") == "cancelled by the operator"
        view.screenshot("cancelled")

        # Retry every failed job at once.
        stack.sim_config(latency=0.02)
        page.goto(stack.url + "/admin")
        page.click("#retry-all")
        page.wait_for_url("**/admin")
        for job_id in failing[1:]:
            wait_until(view, f"{row_state(job_id)} === 'done'", 30_000)
        assert page.text_content("#tab-failed .count") == "0"
        view.screenshot("bulk-retried")

        # Live through the stream: while nothing happens the page asks for nothing; a
        # job submitted now is in the list within a second of its first event.
        reads: list[float] = []
        page.on(
            "request",
            lambda r: (
                reads.append(time.monotonic()) if urlsplit(r.url).path == "/admin/jobs" else None
            ),
        )
        wait_until(view, "document.querySelector('#jobs').dataset.live === 'yes'")
        time.sleep(0.5)  # the bulk retry's last events read
        quiet_from = time.monotonic()
        time.sleep(3)  # longer than the old two-second poll
        assert [t for t in reads if t >= quiet_from] == []
        newcomer = analyse(stack, "Synthetic 2003")
        wait_until(view, f"document.querySelector('#job-{newcomer}') !== null", 5_000)
        appeared = time.time()
        assert [t for t in reads if t >= quiet_from]  # (the count sees the page's reads)
        wait_until(view, f"{row_state(newcomer)} === 'done'", 30_000)
        assert appeared - first_event_at(stack, newcomer) < 1.0
        view.screenshot("live")
        # The one error: the sign-in page's own status (401 until signed in), as asked.
        assert view.console_errors == [SIGN_IN_STATUS]
        assert view.foreign_requests() == []
    finally:
        worker.stop()
