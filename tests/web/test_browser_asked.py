"""A title never seen here, searched on a wiki known here, in Chromium against real
processes: its page and progress come before the wiki answers (jobs/asked.py), and the
page follows what the job finds: the page's own title, or that there is no such
article. Screenshots go to artifacts/screenshots/."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote, urlsplit

import pytest

from support import BrowserPage, search, wait_for_dashboard, wait_until

pytestmark = pytest.mark.browser


def test_a_new_title_shows_its_progress_then_follows_the_wiki_s_spelling(
    browser_page: BrowserPage, make_stack: Any
) -> None:
    stack = make_stack(latency=0.2)
    view, page = browser_page, browser_page.page
    search(view, stack, "Synthetic 20")  # the wiki known here, and its bot accounts
    wait_for_dashboard(view)
    search(view, stack, "synthetic 480")
    # The page of the title as typed, with its job's events, before the wiki answered...
    assert unquote(urlsplit(page.url).path).endswith("/synthetic_480")
    # ...then the page's own title, where the same job ends in its dashboard.
    page.wait_for_url(lambda url: unquote(urlsplit(url).path).endswith("/Synthetic_480"))
    wait_for_dashboard(view)
    assert page.text_content("#article-title") == "Synthetic 480"
    assert "480" in (page.text_content("#glance") or "")
    view.screenshot("followed")
    assert view.console_errors == []


def test_a_new_title_with_no_article_ends_on_the_not_found_page(
    browser_page: BrowserPage, make_stack: Any
) -> None:
    stack = make_stack(latency=0.05)
    view, page = browser_page, browser_page.page
    search(view, stack, "Synthetic 20")
    wait_for_dashboard(view)
    search(view, stack, "Coffe")
    wait_until(view, "document.body.innerText.includes('has no article called')")
    assert "Coffee" in (page.text_content("main") or "")  # the wiki's suggestion
    view.screenshot("missing")
