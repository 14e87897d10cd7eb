"""The API's reference at /docs, as a visitor opens it from the header's "API" link: Swagger
UI drawn from the app's own files, every operation listed, nothing asked of another
origin and no Content-Security-Policy violation (it was a blank page: the CDN was
blocked by our own policy)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from support import BrowserPage

pytestmark = pytest.mark.browser


def test_docs_load_from_the_app_under_its_own_policy(
    browser_page: BrowserPage, make_stack: Any
) -> None:
    stack = make_stack()
    view, page = browser_page, browser_page.page
    page.goto(f"{stack.url}/")
    page.get_by_role("link", name="API", exact=True).click()
    page.wait_for_url(f"{stack.url}/docs")
    page.wait_for_selector(".opblock-summary-path")
    paths = page.eval_on_selector_all(
        ".opblock-summary-path", "els => els.map(e => e.getAttribute('data-path'))"
    )
    assert "/api/analyses" in paths and "/api/jobs/{job_id}" in paths
    assert "/api/pages/{wiki}/{title}/stats" in paths
    view.screenshot("api-docs")
    assert view.console_errors == []  # a CSP violation is a console error
    assert view.foreign_requests() == []


def test_redoc_loads_from_the_app_under_its_own_policy(
    browser_page: BrowserPage, make_stack: Any
) -> None:
    stack = make_stack()
    view, page = browser_page, browser_page.page
    page.goto(f"{stack.url}/redoc")
    page.wait_for_selector("h1")  # ReDoc's title, drawn from /openapi.json
    page.get_by_text("/api/analyses").first.wait_for()
    assert "WikiVice" in (page.text_content("h1") or "")
    view.screenshot("redoc")
    assert view.console_errors == []  # a CSP violation is a console error
    assert view.foreign_requests() == []  # no fonts from Google, no CDN


def test_docs_and_redoc_carry_the_policy(make_stack: Any) -> None:
    stack = make_stack()
    for path in ("/docs", "/redoc"):
        page = httpx.get(f"{stack.url}{path}")
        assert page.status_code == 200, path
        assert "script-src 'self'" in page.headers["content-security-policy"]
        assert "cdn" not in page.text.lower() and "fonts.googleapis" not in page.text
    bundle = httpx.get(f"{stack.url}/static/vendor/swagger-ui/swagger-ui-bundle.js")
    assert bundle.status_code == 200 and len(bundle.content) > 100_000
    redoc = httpx.get(f"{stack.url}/static/vendor/redoc.standalone.js")
    assert redoc.status_code == 200 and len(redoc.content) > 100_000
    assert redoc.headers["content-type"].startswith("text/javascript")
    assert b"cdn.redoc.ly" not in redoc.content
