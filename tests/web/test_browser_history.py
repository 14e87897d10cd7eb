"""The history explorer in Chromium against the app and the simulator as real processes:
filtering without a reload, paging older and newer, a row's diff, summaries' wikilinks
to the wiki, and no horizontal scroll at 390 px. Screenshots go to artifacts/screenshots/."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from support import ARTIFACTS, BrowserPage, Stack, read_events, wait_for_dashboard, wait_until

pytestmark = pytest.mark.browser

LOADED = "document.querySelector('#history').dataset.state === 'loaded'"
ROWS = "#history-list > li.history-row"
WIDEST = """selector => Math.max(...Array.from(document.querySelectorAll(selector + ', ' + selector
    + ' *')).map(e => e.getBoundingClientRect().right + window.scrollX))"""
OFFENDERS = """() => Array.from(document.querySelectorAll('body *'))
    .filter(e => e.getBoundingClientRect().right + window.scrollX > 390 && e.offsetParent)
    .slice(0, 8).map(e => e.tagName + '#' + e.id + '.' + e.className)"""


def analysed_page(stack: Stack, title: str) -> str:
    """Analyse `title` through the API, wait for it; the article page's URL."""
    with httpx.Client(base_url=stack.url, timeout=60) as client:
        body = client.post("/api/analyses", json={"title": title}).json()
        if body["events_url"]:
            read_events(client, body["events_url"])
    return stack.url + body["dashboard_url"]


def in_view(view: BrowserPage, state: str, selector: str = "#history") -> None:
    """The screen with `selector` at its top (the explorer is taller than any screen)."""
    view.page.evaluate(
        "s => window.scrollTo(0, document.querySelector(s).getBoundingClientRect().top"
        " + window.scrollY - 60)",
        selector,
    )
    view.page.screenshot(path=str(ARTIFACTS / "screenshots" / f"{view.name}-{state}.png"))


def first_revid(view: BrowserPage) -> str:
    return str(view.page.get_attribute(f"{ROWS} >> nth=0", "data-revid"))


def test_history_filters_pages_and_opens_a_diff(browser_page: BrowserPage, make_stack: Any) -> None:
    stack = make_stack()
    view, page = browser_page, browser_page.page
    page.goto(analysed_page(stack, "Synthetic 2000") + "#history")
    wait_for_dashboard(view)
    wait_until(view, LOADED)
    assert page.locator(ROWS).count() == 50  # rendered by the server
    newest = first_revid(view)

    page.check("#history-form input[name=kind][value=anon]")
    page.select_option("#history-form select[name=reverts]", "reverted")
    page.click("#history-apply")
    wait_until(view, f"{LOADED} && document.querySelector('{ROWS}').dataset.revid !== '{newest}'")
    anon = page.locator(ROWS)
    assert anon.count() > 0
    assert anon.locator("a.editor").count() == anon.count()
    assert page.locator(f"{ROWS} a.editor:not(.kind-anon)").count() == 0
    assert page.locator(f"{ROWS} .badge-reverted").count() == anon.count()
    assert "kind=anon" in page.url and "reverts=reverted" in page.url  # shareable
    assert "Showing" in (page.text_content("#history-status") or "")

    page.click("#history-clear")
    wait_until(view, f"{LOADED} && document.querySelector('{ROWS}').dataset.revid === '{newest}'")
    assert page.is_hidden("#history-newer")
    page.click("#history-older")
    wait_until(view, f"{LOADED} && document.querySelector('{ROWS}').dataset.revid !== '{newest}'")
    older = first_revid(view)
    assert int(older) < int(newest) and page.is_visible("#history-newer")
    page.click("#history-newer")
    wait_until(view, f"{LOADED} && document.querySelector('{ROWS}').dataset.revid === '{newest}'")

    page.fill("#history-form input[name=q]", "[[WP:")  # bots link their policies
    page.click("#history-apply")
    wait_until(view, f"{LOADED} && document.querySelector('{ROWS}').dataset.revid !== '{newest}'")
    link = page.locator(f"{ROWS} a.wikilink").first
    assert (link.get_attribute("href") or "").startswith(f"{stack.sim_url}/wiki/WP:")

    row = page.locator(ROWS).first
    row.locator(".diff-toggle").click()
    row.locator(".diff-lines, .diff-notice").first.wait_for()
    assert row.locator(".diff-toggle").get_attribute("aria-expanded") == "true"
    row.scroll_into_view_if_needed()
    view.screenshot("1280")
    in_view(view, "1280-history")
    in_view(view, "1280-diff", f"{ROWS} .diff")

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(page.url)
    wait_for_dashboard(view)
    wait_until(view, LOADED)
    page.locator("#history").scroll_into_view_if_needed()
    view.screenshot("390")
    in_view(view, "390-history")
    in_view(view, "390-rows", "#history-list")
    # The explorer itself: nothing in it reaches past the screen's edge.
    assert page.evaluate(WIDEST, "#history") <= 390
    # And the whole page: no horizontal scroll.
    wide = page.evaluate(OFFENDERS)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, wide
    assert view.console_errors == []
    assert view.foreign_requests() == []


def test_history_works_without_javascript(browser_session: Any, make_stack: Any) -> None:
    stack = make_stack()
    url = analysed_page(stack, "Synthetic 700")
    context = browser_session.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(url + "?limit=5#history")
        page.check("#history-form input[name=kind][value=bot]")
        page.click("#history-apply")
        page.wait_for_url(lambda u: "kind=bot" in u)
        assert page.locator(ROWS).count() == 5  # the form kept its page size
        assert page.locator(f"{ROWS} a.editor:not(.kind-bot)").count() == 0
        first = page.get_attribute(f"{ROWS} >> nth=0", "data-revid")
        page.click("#history-older")
        page.wait_for_url(lambda u: "before=" in u)
        assert page.locator(ROWS).count() == 5
        assert page.get_attribute(f"{ROWS} >> nth=0", "data-revid") != first
        assert page.locator(f"{ROWS} a.editor:not(.kind-bot)").count() == 0
        page.click("#history-newer")
        page.wait_for_url(lambda u: "after=" in u)
        assert page.get_attribute(f"{ROWS} >> nth=0", "data-revid") == first
    finally:
        context.close()


def test_refused_filters_are_said_in_the_forms_words(
    browser_page: BrowserPage, make_stack: Any
) -> None:
    stack = make_stack()
    view, page = browser_page, browser_page.page
    page.goto(analysed_page(stack, "Synthetic 600") + "#history")
    wait_for_dashboard(view)
    wait_until(view, LOADED)
    page.fill("#history-form input[name=min_change]", "100")
    page.fill("#history-form input[name=max_change]", "-100")
    page.click("#history-apply")
    wait_until(view, "document.querySelector('#history').dataset.state === 'failed'")
    assert page.text_content("#history-status") == (
        "These filters cannot be used: “Size change at least” (100) is more than “at most” (−100)."
    )
    in_view(view, "history-filters-refused")


def test_too_many_filters_at_once_are_said_as_such(
    browser_page: BrowserPage, make_stack: Any
) -> None:
    """The explorer's pages count as lookups (two a minute here, the dashboard's own diff
    and lead spending some): a filter past the rate is refused, and the page says why,
    not that the filters are wrong."""
    stack = make_stack(env={"WIKIVICE_RATE_LIMIT_LOOKUPS": "2/minute"})
    view, page = browser_page, browser_page.page
    page.goto(analysed_page(stack, "Synthetic 600") + "#history")
    wait_for_dashboard(view)
    wait_until(view, LOADED)
    state = "document.querySelector('#history').dataset.state"
    for kind in ("anon", "bot", "user", "anon"):  # at most two of them can pass
        page.check(f"#history-form input[name=kind][value={kind}]")
        page.click("#history-apply")
        wait_until(view, f"['loaded', 'failed'].includes({state}) && !document.querySelector"
                   "('#history').hasAttribute('aria-busy')")  # fmt: skip
        if page.evaluate(state) == "failed":
            break
    assert page.evaluate(state) == "failed"
    said = page.text_content("#history-status") or ""
    assert "per 1 minute" in said and "cannot be used" not in said, said
    in_view(view, "history-refused")
