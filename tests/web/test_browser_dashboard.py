"""The dashboard in Chromium, against the app and the simulator as real processes: every
section and chart, a diff, an editor page, the compare page and the downloads; and the
simulator's hostile strings shown as text, never run. Screenshots go to
artifacts/screenshots/."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx
import pytest

from support import (
    ARTIFACTS,
    SECTIONS,
    BrowserPage,
    Stack,
    read_events,
    search,
    wait_for_dashboard,
    wait_until,
)
from wikivice.simulator.editors import HOSTILE_USERS

pytestmark = pytest.mark.browser

CHARTS_DRAWN = """Array.from(document.querySelectorAll('#dashboard-body div.chart'))
    .every(div => div.querySelector('.main-svg'))"""
# Whatever a hostile string could have made: an element from user text, or a handler.
INJECTED = """document.querySelectorAll(
    'img[src=x], [onerror], main b, main i, ref, main script:not([type="application/json"])'
).length"""


def analyse(stack: Stack, title: str) -> None:
    """Analyse an article through the API and wait for it (for pages visited second)."""
    with httpx.Client(base_url=stack.url, timeout=30) as client:
        body = client.post("/api/analyses", json={"title": title}).json()
        if body["events_url"]:
            read_events(client, body["events_url"])


def wiki_key(stack: Stack) -> str:
    return stack.sim_url.split("://", 1)[1]


def test_dashboard_of_synthetic_5000_shows_every_section(
    browser_page: BrowserPage, make_stack: Any
) -> None:
    stack = make_stack()
    view, page = browser_page, browser_page.page
    search(view, stack, "Synthetic 5000")
    wait_for_dashboard(view)
    for section in SECTIONS:
        assert page.is_visible(f"#{section}"), section
    wait_until(view, CHARTS_DRAWN)
    assert page.eval_on_selector_all("#dashboard-body div.chart", "d => d.length") == 11
    wait_until(view, "document.querySelector('#recent').dataset.state === 'loaded'")
    assert page.eval_on_selector_all("#recent-edits > li", "l => l.length") == 20
    # The latest revert or vandalism, with its diff open at once.
    page.wait_for_selector("#incident .diff-lines")
    assert page.is_visible("#incident") and page.text_content("#incident h3")
    wait_until(view, "document.querySelector('#context').dataset.state === 'loaded'")
    assert "Synthetic 5000 is" in (page.text_content("#extract") or "")
    view.screenshot("dashboard")

    first = page.locator("#recent-edits > li").first
    first.locator(".diff-toggle").click()
    first.locator(".diff-lines").wait_for()
    assert first.locator(".diff-added, .diff-removed").count() > 0
    assert first.locator(".diff-toggle").get_attribute("aria-expanded") == "true"
    first.scroll_into_view_if_needed()
    view.screenshot("diff")

    for link in ("#download-csv", "#download-json", "#download-stats"):
        href = page.get_attribute(link, "href")
        status = page.evaluate("url => fetch(url).then(r => r.status)", href)
        assert status == 200, href

    page.click("#top-editors a.editor >> nth=0")
    page.wait_for_selector("#editor-articles")
    assert page.locator("#editor-articles tbody tr").count() == 1
    assert "Special:Contributions/" in (page.get_attribute("#contributions-link", "href") or "")
    edit = page.locator("#editor-edits > li").first  # its diff, as in the article's history
    edit.locator(".diff-toggle").click()
    edit.locator(".diff-lines, .diff-notice").first.wait_for()
    assert edit.locator(".diff-toggle").get_attribute("aria-expanded") == "true"
    view.screenshot("editor")

    analyse(stack, "Synthetic 800")
    page.goto(f"{stack.url}/compare?wiki={quote(wiki_key(stack))}&a=Synthetic+5000")
    page.fill("#compare-b", "Synthetic 8")
    wait_until(view, "document.querySelectorAll('#compare-suggestions-b option').length > 0")
    page.fill("#compare-b", "Synthetic 800")
    page.click("#compare-form button")
    page.wait_for_selector("#chart-compare_edits .main-svg")
    assert page.locator("#compare-table thead th").count() == 3
    view.screenshot("compare")

    assert view.console_errors == []
    assert view.foreign_requests() == []


def test_hostile_strings_are_shown_never_run(browser_page: BrowserPage, make_stack: Any) -> None:
    # The newest edits of "Synthetic 3615" include the user <script>alert(1)</script>
    # and the summaries "<script>alert(1)</script> fixed" and "<b>bold</b> claim, see
    # <i>talk</i>"; its lead quotes <script> too (the simulator's ground truth).
    stack = make_stack()
    view, page = browser_page, browser_page.page
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    analyse(stack, "Synthetic 3615")
    page.goto(f"{stack.url}/wiki/{quote(wiki_key(stack))}/Synthetic_3615")
    wait_until(view, "document.querySelector('#recent').dataset.state === 'loaded'")
    wait_until(view, "document.querySelector('#context').dataset.state === 'loaded'")
    recent = page.text_content("#recent-edits") or ""
    assert "<script>alert(1)</script>" in recent and "<b>bold</b> claim" in recent
    assert "<script>alert(1)</script>" in (page.text_content("#extract") or "")
    for item in page.locator("#recent-edits > li").all()[:5]:  # their diffs: <ref> as text
        item.locator(".diff-toggle").click()
        item.locator(".diff-lines, .diff-error").wait_for()
    wait_until(view, CHARTS_DRAWN)
    view.screenshot("dashboard")
    assert page.evaluate(INJECTED) == 0

    for name in HOSTILE_USERS:
        page.goto(f"{stack.url}/editor/{quote(wiki_key(stack))}/{quote(name, safe='')}")
        assert page.text_content("#editor-name") == name
        assert page.evaluate(INJECTED) == 0, name
    view.screenshot("editor")

    page.goto(
        f"{stack.url}/compare?wiki={quote(wiki_key(stack))}&a=Synthetic+3615"
        f"&b={quote('<img src=x onerror=alert(1)>')}"
    )
    assert "<img src=x onerror=alert(1)>" in (page.text_content("#not-analysed-1") or "")
    assert page.evaluate(INJECTED) == 0
    view.screenshot("compare")
    assert dialogs == []
    assert view.console_errors == []
    assert view.foreign_requests() == []


# The edit wars' numbers on the timeline chart, and whether each lies inside the chart,
# above its range slider.
WAR_NUMBERS = """(() => {
    const div = document.getElementById('chart-reverts_per_month');
    const chart = div.getBoundingClientRect();
    const slider = div.querySelector('.rangeslider-container').getBoundingClientRect();
    return Array.from(div.querySelectorAll('.annotation-text')).map(t => {
        const b = t.getBoundingClientRect();
        const inside = b.top >= chart.top && b.bottom <= slider.top
            && b.left >= chart.left && b.right <= chart.right;
        return {text: t.textContent, inside};
    });
})()"""
WAR_NUMBERS_IN_THE_SLIDER = """Array.from(document.querySelectorAll(
    '#chart-reverts_per_month .rangeslider-container text'))
    .map(t => t.textContent).filter(text => /^#\\d/.test(text))"""


@pytest.mark.parametrize(
    ("title", "wars"), [("Edit war", 8), ("Alan Turing", 1)], ids=["edit-war", "alan-turing"]
)
def test_conflict_section_shows_wars_and_vandalism_undone(
    browser_page: BrowserPage, make_stack: Any, title: str, wars: int
) -> None:
    stack = make_stack()
    view, page = browser_page, browser_page.page
    analyse(stack, title)
    page.goto(f"{stack.url}/wiki/{quote(wiki_key(stack))}/{quote(title.replace(' ', '_'))}")
    wait_for_dashboard(view)
    wait_until(view, CHARTS_DRAWN)
    shown = min(wars, 5)
    assert page.locator("#edit-wars li.war").count() == shown
    count = page.text_content("#war-count") or ""
    assert count.startswith(f"{wars} edit war{'' if wars == 1 else 's'}")
    first = page.locator("#edit-wars li.war").first
    assert first.locator("li.combatant").count() >= 2
    combatant = " ".join((first.locator("li.combatant").first.text_content() or "").split())
    assert " reverted " in combatant and " times" in combatant
    vandalism = " ".join((page.text_content("#vandalism") or "").split())
    assert "acts of vandalism undone, median time to revert" in vandalism and "by bots" in vandalism
    glance = page.text_content("#fig-largest-addition") or ""
    assert "largest addition (not counting reverts)" in glance
    # The timeline chart's numbers are the wars shown, #1 first, each wholly in the chart
    # above its range slider; none is drawn again, cut off, in the slider's strip.
    wait_until(view, "document.body.dataset.charts === 'drawn'")  # the sliders too
    numbers = page.evaluate(WAR_NUMBERS)
    assert [n["text"] for n in numbers] == [f"#{n}" for n in range(1, shown + 1)]
    assert [n["text"] for n in numbers if not n["inside"]] == []
    assert page.evaluate(WAR_NUMBERS_IN_THE_SLIDER) == []
    view.screenshot("dashboard")
    for section in ("conflict", "glance"):  # close-ups, to look at
        name = f"{section}-{title.lower().replace(' ', '-')}.png"
        page.locator(f"#{section}").screenshot(path=str(ARTIFACTS / "screenshots" / name))
    assert view.console_errors == []


# The chart as drawn, and the same figure drawn directly beside it: its plot area, and
# whether it has its range slider and its y axis still on autorange.
SLIDER_CHECK = """() => {
    const div = document.getElementById('chart-edits_per_month');
    const figure = JSON.parse(document.querySelector(
        "script.chart-data[data-for='chart-edits_per_month']").textContent).figure;
    const twin = document.createElement('div');
    twin.style.width = div.clientWidth + 'px';
    twin.style.height = div.clientHeight + 'px';
    document.body.append(twin);
    Plotly.newPlot(twin, figure.data, figure.layout);
    const size = (gd) => [gd._fullLayout._size.h, gd._fullLayout._size.b];
    const answer = {drawn: size(div), direct: size(twin),
        slider: !!div.querySelector('.rangeslider-container'),
        autorange: div._fullLayout.yaxis.autorange};
    Plotly.purge(twin);
    twin.remove();
    return answer;
}"""


def test_a_chart_on_screen_gets_its_range_slider_after_the_first_paint(
    browser_page: BrowserPage, make_stack: Any
) -> None:
    """A time chart in view when the page opens is drawn first without its range slider
    (three to five times the chart's cost), which comes right after: it ends as plotly
    draws the figure at once, plot area and all, and adding the slider is no zoom (the
    y axis keeps its autorange)."""
    stack = make_stack()
    view, page = browser_page, browser_page.page
    analyse(stack, "Synthetic 3000")
    page.goto(f"{stack.url}/wiki/{quote(wiki_key(stack))}/Synthetic_3000#activity")
    wait_for_dashboard(view)
    wait_until(view, "document.body.dataset.charts === 'drawn'")
    drawn_as = "document.getElementById('chart-edits_per_month').dataset.slider"
    assert page.evaluate(drawn_as) == "added"  # in view at first: drawn without, then added
    checked = page.evaluate(SLIDER_CHECK)
    assert checked["slider"] is True
    assert checked["autorange"] is True
    assert checked["drawn"] == checked["direct"]
    shot = ARTIFACTS / "screenshots" / "slider-added.png"
    page.locator("#chart-edits_per_month").screenshot(path=str(shot))
