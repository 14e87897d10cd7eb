"""What is stored is shown while the rest arrives (issue 11 part 3), in Chromium against
real processes: a partial dashboard, labelled, before the fetch ends, replaced by the
whole one at its end; a failed fetch keeps its partial view beside the reason; a Cancel
and a Resume change its notice's words at once. Screenshots go to
artifacts/screenshots/."""

from __future__ import annotations

import re
import signal
from typing import Any

import httpx
import pytest

from support import BrowserPage, search, wait_for_dashboard, wait_until
from wikivice.store.vocabulary import JobStatus

pytestmark = pytest.mark.browser

STATUS = "document.querySelector('#progress').dataset.status"
COUNTS = "document.querySelector('#progress-counts').textContent"
NOTICE = "document.querySelector('#partial-notice')?.innerText ?? ''"  # the words shown
ON_ITS_WAY = "the rest is on its way."
NOT_HERE = "the fetch stopped, so the rest of the history is not here."
# What the notice may say: the count its figures were computed from, never a total (the
# progress bar's, which may have a newer estimate).
LABEL = re.compile(
    r"Based on the first ([\d,]+) edits? stored, oldest first: "
    rf"({re.escape(ON_ITS_WAY)}|{re.escape(NOT_HERE)})"
)


def test_a_partial_dashboard_shows_before_the_end_and_gives_way_to_the_whole(
    browser_page: BrowserPage, make_stack: Any
) -> None:
    stack = make_stack(latency=0.15)  # 60 requests: about 9 s
    view = browser_page
    search(view, stack, "Synthetic 30000")
    view.page.wait_for_selector("#progress")
    wait_until(view, "document.body.dataset.partialDrawn === 'yes'", 20_000)
    status, notice, charts = view.page.evaluate(
        f"[{STATUS}, {NOTICE}, document.querySelectorAll('[data-partial] .chart-data').length]"
    )
    view.screenshot("partial")
    assert status != "done", "the partial dashboard came only at the end"
    found = LABEL.fullmatch(notice)
    assert found and found[2] == ON_ITS_WAY, notice
    assert 0 < int(found[1].replace(",", "")) < 30_000
    assert charts > 0
    # Refreshed as batches arrive: a later one counts more.
    first = int(found[1].replace(",", ""))
    wait_until(
        view,
        f"(() => {{ const m = {NOTICE}.match(/Based on the first ([\\d,]+)/);"
        f" return ({STATUS}) === 'done' || (m && Number(m[1].replace(/,/g, '')) > {first}); }})()",
        30_000,
    )
    wait_for_dashboard(view, timeout=60_000)
    view.screenshot("whole")
    assert view.page.locator("#partial-notice").count() == 0
    assert view.page.locator("#dashboard-body[data-partial]").count() == 0
    assert view.page.locator("#recent").count() == 1  # the live sections are back
    assert view.console_errors == []


def test_a_failed_fetch_keeps_its_partial_dashboard_beside_the_reason(
    browser_page: BrowserPage, make_stack: Any
) -> None:
    stack = make_stack(latency=0.15, env={"WIKIVICE_JOB_ATTEMPTS": "1"})
    view = browser_page
    search(view, stack, "Synthetic 30000")
    view.page.wait_for_selector("#progress")
    wait_until(view, "document.body.dataset.partialDrawn === 'yes'", 20_000)
    stack.simulator.signal(signal.SIGKILL)  # the wiki dies mid-fetch, for good
    wait_until(view, f"({STATUS}) === 'failed'", 30_000)
    wait_until(view, f"({NOTICE}).endsWith({NOT_HERE!r})", 15_000)
    view.screenshot("failed-partial")
    error = view.page.text_content("#progress-error") or ""
    assert error.startswith("Failed: ") and "Errno" not in error, error
    assert view.page.locator("#dashboard-body[data-partial] .chart-data").count() > 0
    # A reload shows the same: what was stored, and why the rest is not.
    view.page.reload()
    view.page.wait_for_selector("#partial-notice")
    assert view.page.inner_text("#partial-notice").endswith(NOT_HERE)
    assert (view.page.text_content("#progress-error") or "").startswith("Failed: ")
    wait_until(view, "document.body.dataset.partialDrawn === 'yes'", 20_000)
    view.screenshot("failed-partial-reloaded")


# Every notice the page shows, with the job's status and the progress bar's counts beside
# it (a MutationObserver on the whole page: the notice is replaced with each partial
# dashboard, and nothing it shows in between is missed).
RECORD_NOTICES = f"""() => {{
  window.__notices = [];
  const look = () => {{
    if (!document.querySelector('#partial-notice')) return;
    const seen = [{STATUS}, {NOTICE}, {COUNTS}];
    const last = window.__notices.at(-1);
    if (!last || last[0] !== seen[0] || last[1] !== seen[1]) window.__notices.push(seen);
  }};
  look();
  new MutationObserver(look).observe(document.body,
    {{ subtree: true, childList: true, attributes: true, characterData: true }});
}}"""


def test_cancel_and_resume_change_the_partial_notice_at_once(
    browser_page: BrowserPage, make_stack: Any
) -> None:
    stack = make_stack(latency=0.15)  # 60 requests: about 9 s, time to press Cancel
    view = browser_page
    search(view, stack, "Synthetic 30000")
    wait_until(view, "document.body.dataset.partialDrawn === 'yes'", 20_000)
    view.page.evaluate(RECORD_NOTICES)
    view.page.click("#cancel")
    wait_until(view, f"({STATUS}) === 'cancelled'")
    view.screenshot("cancelled-partial")
    # The words changed with the status, before any new partial dashboard came; then one
    # comes with exactly what the cancelled job stored.
    assert view.page.inner_text("#partial-notice").endswith(NOT_HERE)
    job_id = view.page.evaluate("JSON.parse(document.querySelector('#job-data').textContent).id")
    stored = httpx.get(f"{stack.url}/api/jobs/{job_id}").json()["done"]
    wait_until(view, f"({NOTICE}).startsWith('Based on the first {stored:,} edits stored')")
    stack.sim_config(latency=0.01)  # the rest needs no time to press anything
    view.page.click("#resume")
    wait_until(view, f"({STATUS}) !== 'cancelled'")
    assert view.page.inner_text("#partial-notice").endswith(ON_ITS_WAY)
    view.screenshot("resumed-partial")
    wait_for_dashboard(view, timeout=60_000)
    notices = view.page.evaluate("window.__notices")
    statuses = [status for status, _, _ in notices]
    assert "cancelled" in statuses and statuses[-1] != "cancelled", statuses
    for status, notice, counts in notices:
        found = LABEL.fullmatch(notice)
        assert found, notice  # a count, never a total beside the bar's
        words = NOT_HERE if JobStatus(status).stopped_short else ON_ITS_WAY
        assert found[2] == words, (status, notice, counts)
    assert view.console_errors == []
