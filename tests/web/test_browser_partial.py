"""What is stored is shown while the rest arrives (issue 11 part 3), in Chromium against
real processes: a partial dashboard, labelled, before the fetch ends, replaced by the
whole one at its end; a failed fetch keeps its partial view beside the reason.
Screenshots go to artifacts/screenshots/."""

from __future__ import annotations

import re
import signal
from typing import Any

import pytest

from support import BrowserPage, search, wait_for_dashboard, wait_until

pytestmark = pytest.mark.browser

STATUS = "document.querySelector('#progress').dataset.status"
NOTICE = "document.querySelector('#partial-notice')?.textContent ?? ''"
LABEL = re.compile(r"Based on ([\d,]+) of (about |at least )?([\d,]+) edits, the oldest first")


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
    found = LABEL.search(notice)
    assert found, notice
    assert 0 < int(found[1].replace(",", "")) < 30_000
    assert charts > 0
    # Refreshed as batches arrive: a later one counts more.
    first = int(found[1].replace(",", ""))
    wait_until(
        view,
        f"(() => {{ const m = {NOTICE}.match(/Based on ([\\d,]+)/);"
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
    wait_until(view, f"({NOTICE}).includes('before the fetch stopped')", 15_000)
    view.screenshot("failed-partial")
    error = view.page.text_content("#progress-error") or ""
    assert error.startswith("Failed: ") and "Errno" not in error, error
    assert view.page.locator("#dashboard-body[data-partial] .chart-data").count() > 0
    # A reload shows the same: what was stored, and why the rest is not.
    view.page.reload()
    view.page.wait_for_selector("#partial-notice")
    assert "before the fetch stopped" in (view.page.text_content("#partial-notice") or "")
    assert (view.page.text_content("#progress-error") or "").startswith("Failed: ")
    wait_until(view, "document.body.dataset.partialDrawn === 'yes'", 20_000)
    view.screenshot("failed-partial-reloaded")
