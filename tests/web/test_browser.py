"""What a person sees, in Chromium, against the app and the simulator as real processes:
search → progress → dashboard, races, restarts, stalls, failures; an article never
analysed, a stale one, and the forms without JavaScript. Screenshots of each state go to
artifacts/screenshots/."""

from __future__ import annotations

import signal
import time
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from support import BrowserPage, Process, Stack, search, wait_for_dashboard, wait_until
from wikivice.store.vocabulary import EventKind, JobStatus, Stage

pytestmark = pytest.mark.browser


def counts(view: BrowserPage) -> str:
    return str(view.page.text_content("#progress-counts") or "")


def test_search_progress_then_dashboard_without_reload(
    browser_page: BrowserPage, make_stack: Any
) -> None:
    stack = make_stack(latency=0.05)
    view = browser_page
    search(view, stack, "synthetic 20000")
    view.page.wait_for_url("**/wiki/**/Synthetic_20000")
    view.page.evaluate("window.__sameDocument = true")  # gone if the page reloads
    view.page.wait_for_selector("#progress")
    # The REST count leaves out content-hidden revisions: "of 19,944", not "of 20,000".
    wait_until(view, "document.querySelector('#progress-counts').textContent.includes(' of 19,')")
    seen = {counts(view)}
    assert view.page.is_hidden("#retry") and view.page.is_hidden("#progress-error")
    view.screenshot("progress")
    deadline = time.monotonic() + 20
    while len(seen) < 3 and time.monotonic() < deadline:  # the bar moves
        seen.add(counts(view))
        time.sleep(0.05)
    # At least one move before the end. (Drawing the partial dashboard holds the page's
    # thread for a moment: on a loaded machine the counts in between can be skipped.)
    assert len(seen) >= 2, seen
    width = view.page.eval_on_selector("#progress-bar .fill", "e => parseFloat(e.style.width)")
    assert width > 0
    wait_for_dashboard(view)
    assert view.page.evaluate("window.__sameDocument") is True
    assert view.page.is_hidden("#progress")
    view.screenshot("dashboard")
    assert view.console_errors == []
    assert view.foreign_requests() == []


def test_job_done_before_the_page_subscribes_still_ends_on_the_dashboard(
    browser_page: BrowserPage, make_stack: Any
) -> None:
    stack = make_stack(latency=0.01)
    view = browser_page
    held: list[str] = []

    def hold_until_done(route: Any) -> None:
        # The stream is only opened once the job has published its final event.
        job_url = route.request.url.split("/events")[0]
        deadline = time.monotonic() + 30
        while httpx.get(job_url).json()["status"] != "done" and time.monotonic() < deadline:
            time.sleep(0.05)
        held.append(route.request.url)
        route.continue_()

    view.page.route("**/api/jobs/*/events*", hold_until_done)
    search(view, stack, "Synthetic 3000")
    view.page.wait_for_selector("#progress")
    wait_for_dashboard(view)
    assert held, "the stream was not held back"
    view.screenshot("dashboard")
    assert view.console_errors == []


def test_web_restart_mid_fetch_resumes_and_ends_on_the_dashboard(
    browser_page: BrowserPage, make_stack: Any
) -> None:
    stack = make_stack(latency=0.04)
    view = browser_page
    search(view, stack, "Synthetic 30000")
    wait_until(view, "document.querySelector('#progress-counts').textContent.includes(' of 29,')")
    wait_until(view, "parseFloat(document.querySelector('#progress-bar .fill').style.width) > 2")
    view.screenshot("before-restart")
    asked = time.monotonic()
    stack.web.signal(signal.SIGTERM)
    # uvicorn shuts down gracefully, then re-raises the signal to exit with its status.
    assert stack.web.wait(10) in (0, -signal.SIGTERM)
    assert time.monotonic() - asked < 5  # promptly, handing its job back
    view.page.wait_for_selector("#progress.disconnected", timeout=10_000)
    view.screenshot("disconnected")
    stack.web.start()
    wait_for_dashboard(view, timeout=60_000)
    view.screenshot("dashboard")
    job = view.page.evaluate("JSON.parse(document.querySelector('#job-data').textContent)")
    final = httpx.get(f"{stack.url}/api/jobs/{job['id']}").json()
    assert final["status"] == "done" and final["done"] == 30000
    assert final["attempts"] == 2  # resumed, not restarted from scratch


def test_stalled_worker_is_resumed_and_the_page_says_so(
    browser_page: BrowserPage, make_stack: Any
) -> None:
    stack = make_stack(latency=0.04, worker=False)
    first = Process(["worker"], stack.env, None).start()
    try:
        view = browser_page
        search(view, stack, "Synthetic 30000")
        wait_until(
            view, "parseFloat(document.querySelector('#progress-bar .fill').style.width) > 2"
        )
        first.signal(signal.SIGKILL)  # dies mid-task: Huey forgets it, the job row does not
        first.wait()
        message = "document.querySelector('#progress-message').textContent"
        wait_until(view, f"{message}.includes('stopped responding')", 20_000)
        view.screenshot("stalled")
    finally:
        first.stop()
    second = Process(["worker"], stack.env, None).start()
    try:
        wait_for_dashboard(view, timeout=60_000)
        view.screenshot("dashboard")
    finally:
        second.stop()


def test_failing_wiki_ends_with_a_message_and_a_working_retry(
    browser_page: BrowserPage, make_stack: Any
) -> None:
    stack = make_stack(env={"WIKIVICE_JOB_ATTEMPTS": "1"})
    view = browser_page
    # The title lookup (the Analyse button's one request) succeeds; all after it fail.
    stack.sim_config(faults="5xx=1,after=1,retry_after=0")
    key = stack.sim_url.split("//")[1]
    view.page.goto(f"{stack.url}/wiki/{key}/Synthetic_2000")
    view.page.click("#analyse")
    view.page.wait_for_selector("#progress-error", state="visible")
    message = view.page.text_content("#progress-error") or ""
    assert message.startswith("Failed:") and "did not answer" in message
    assert view.page.is_visible("#retry")
    view.screenshot("failed")
    stack.sim_config(faults="")
    view.page.click("#retry")
    wait_for_dashboard(view)
    view.screenshot("dashboard-after-retry")


def test_missing_title_shows_suggestions(browser_page: BrowserPage, make_stack: Any) -> None:
    stack = make_stack()
    view = browser_page
    search(view, stack, "Coffe")
    view.page.wait_for_selector("#did-you-mean")
    assert "No such article" in (view.page.text_content("h1") or "")
    view.screenshot("missing")
    view.page.click("#did-you-mean >> text=Coffee")  # one click: it posts
    view.page.wait_for_url("**/wiki/**/Coffee")
    wait_for_dashboard(view)


def sim_requests(stack: Stack) -> int:
    return int(httpx.get(f"{stack.sim_url}/_simulator/stats").json()["requests"])


def test_unknown_article_url_offers_analyse_then_progress_then_dashboard(
    browser_page: BrowserPage, make_stack: Any
) -> None:
    stack = make_stack(latency=0.02)
    view = browser_page
    key = stack.sim_url.split("//")[1]
    view.page.goto(f"{stack.url}/wiki/{key}/Synthetic_1500")
    view.page.wait_for_selector("#not-analysed")
    assert view.page.text_content("#analyse") == "Analyse “Synthetic 1500”"
    assert view.page.query_selector("#progress") is None
    view.screenshot("not-analysed")
    assert sim_requests(stack) == 0  # the page asked the wiki nothing
    assert httpx.get(f"{stack.url}/api/jobs/1").status_code == 404  # and started nothing
    view.page.click("#analyse")
    view.page.wait_for_url(f"**/wiki/{key}/Synthetic_1500")
    view.page.wait_for_selector("#progress")
    assert view.page.query_selector("#not-analysed") is None
    wait_for_dashboard(view)
    view.screenshot("dashboard")
    assert httpx.get(f"{stack.url}/api/jobs/2").status_code == 404  # one job, no more
    assert view.console_errors == []


def test_stale_article_refreshes_with_one_click(browser_page: BrowserPage, make_stack: Any) -> None:
    stack = make_stack(latency=0.02, env={"WIKIVICE_FRESH_SECONDS": "0"})
    view = browser_page
    key = stack.sim_url.split("//")[1]
    search(view, stack, "Synthetic 1200")
    wait_for_dashboard(view)
    httpx.post(f"{stack.sim_url}/_simulator/grow", json={"title": "Synthetic 1200", "count": 40})
    view.page.goto(f"{stack.url}/wiki/{key}/Synthetic_1200")  # stale, and no longer current
    wait_for_dashboard(view)  # what is stored, at once and as it is
    assert view.page.query_selector("#progress") is None
    assert view.page.text_content("#fetched-ago") == "Fetched less than a minute ago."
    assert view.page.get_attribute("#dashboard-body", "data-revisions") == "1200"
    view.screenshot("stale")
    view.page.click("#refresh")
    view.page.wait_for_selector("#stale-notice", state="attached")  # stored, while it runs
    view.screenshot("refreshing")
    wait_until(view, "document.querySelector('#progress').dataset.swapped === 'yes'")
    wait_for_dashboard(view)
    assert view.page.get_attribute("#dashboard-body", "data-revisions") == "1240"
    view.screenshot("refreshed")
    assert view.console_errors == []


def test_forms_work_without_javascript(browser_session: Any, make_stack: Any) -> None:
    stack = make_stack(latency=0.3)  # a job outlasts the page's first load
    key = stack.sim_url.split("//")[1]
    context = browser_session.new_context(java_script_enabled=False)
    posted: list[str] = []
    try:
        page = context.new_page()
        page.set_default_timeout(20_000)
        page.on("request", lambda r: r.method == "POST" and posted.append(urlsplit(r.url).path))
        page.goto(f"{stack.url}/wiki/{key}/Synthetic_300")
        page.click("#analyse")  # the browser's own POST, with its Origin and Sec-Fetch-Site
        page.wait_for_selector("#progress")
        deadline = time.monotonic() + 20
        while page.query_selector("#dashboard-body") is None:  # no stream: reload
            assert time.monotonic() < deadline, "the dashboard never came"
            time.sleep(0.3)
            page.reload()
        page.goto(stack.url + "/")
        page.fill("#title", "Synthetic 301")
        page.press("#title", "Enter")
        page.wait_for_url("**/wiki/**/Synthetic_301")
        # A new title on a wiki known by now: its page at once, its job looking the title
        # up; without JavaScript the page reloads itself (every 2 s) until the dashboard.
        assert page.query_selector("#progress") is not None
        assert page.query_selector("noscript meta[http-equiv=refresh]") is not None
        page.wait_for_selector("#dashboard-body")
        assert page.query_selector("noscript meta[http-equiv=refresh]") is None
        page.goto(stack.url + "/")
        page.click("#random")
        page.wait_for_url("**/wiki/**")
        assert page.query_selector("#progress, #dashboard-body") is not None
        page.fill("header input[name=title]", "Synthetic 302")  # the header's search box
        page.press("header input[name=title]", "Enter")
        page.wait_for_url("**/wiki/**/Synthetic_302")
    finally:
        context.close()
    assert posted == ["/analyse", "/search", "/random", "/search"]


def test_suggestions_appear_as_you_type(browser_page: BrowserPage, make_stack: Any) -> None:
    stack = make_stack()
    view = browser_page
    view.page.goto(stack.url + "/")
    view.page.type("#title", "Alan", delay=30)
    view.page.wait_for_selector("#suggestions li")
    assert "Alan Turing" in view.page.inner_text("#suggestions")
    view.screenshot("suggestions")
    view.page.wait_for_selector("#recent-changes a")
    assert view.console_errors == []


# Each handler run on a copy of the page's progress section (detached: the page's own
# stream and dashboard are left alone), with a job snapshot of the matching status.
RUN_HANDLERS = """async ([finished, jobs]) => {
  // The page's own instance of the module (its versioned address, preloaded).
  const url = document.querySelector('link[rel=modulepreload][href$="/progress.js"]').href;
  const { HANDLERS, initProgress } = await import(url);
  const swapped = [];
  const shown = {};
  for (const [kind, job] of Object.entries(jobs)) {
    const section = document.querySelector('#progress').cloneNode(true);
    // So the copy opens no stream of its own: without the job as the page was rendered
    // (running, if the page came mid-fetch), which would set its status back and open
    // one, replaying the real job's `done` into these hooks (a second, third swap).
    section.querySelector('#job-data')?.remove();
    section.dataset.status = finished;
    const hooks = { onStreamOpen: () => {}, onDashboard: (holder) => swapped.push(holder.id) };
    const view = initProgress(section, hooks);
    HANDLERS[kind](view, kind, job);
    shown[kind] = {
      lastEvent: section.dataset.lastEvent,
      stage: section.querySelector('#progress-stage').textContent,
      counts: section.querySelector('#progress-counts').textContent,
      error: section.querySelector('#progress-error').hidden ? null
        : section.querySelector('#progress-error').textContent,
      cancelled: section.querySelector('#progress-cancelled').hidden ? null
        : section.querySelector('#progress-cancelled').textContent,
    };
  }
  for (let i = 0; i < 100 && !swapped.length; i++) await new Promise(r => setTimeout(r, 50));
  return { kinds: Object.keys(HANDLERS), shown, swapped };
}"""


def test_progress_handles_every_event_kind_the_server_sends(
    browser_page: BrowserPage, make_stack: Any
) -> None:
    stack = make_stack(latency=0.01)
    view = browser_page
    search(view, stack, "Synthetic 300")
    wait_for_dashboard(view)  # the progress section stays, hidden, to copy
    wait_until(view, "document.body.dataset.charts === 'drawn'")  # nothing left drawing
    status = {
        EventKind.DONE: JobStatus.DONE,
        EventKind.FAILED: JobStatus.FAILED,
        EventKind.CANCELLED: JobStatus.CANCELLED,
    }
    jobs = {
        kind.value: {
            "status": status.get(kind, JobStatus.RUNNING),
            "stage": Stage.FETCHING,
            "done": 150,
            "total": 300,
            "error": "boom" if kind == EventKind.FAILED else None,
        }
        for kind in EventKind
    }
    result = view.page.evaluate(RUN_HANDLERS, [JobStatus.DONE, jobs])
    assert sorted(result["kinds"]) == sorted(kind.value for kind in EventKind)
    for kind in EventKind:
        shown = result["shown"][kind.value]
        assert shown["lastEvent"] == kind.value
        assert shown["stage"] == Stage.FETCHING.label
        assert shown["counts"].startswith("150 of 300 revisions")
        assert shown["error"] == ("Failed: boom" if kind == EventKind.FAILED else None)
        cancelled = "Cancelled by you after 150 of 300 edits; resume to fetch the rest."
        assert shown["cancelled"] == (cancelled if kind == EventKind.CANCELLED else None)
    assert result["swapped"] == ["dashboard"]  # `done` swapped the dashboard in, once
    assert view.console_errors == []
