"""Every API route that takes a title answers a redirect's title, a missing title and an
invalid one the same way (issue 12): the page it led to, 404 with how to analyse it, 422."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import quote

import httpx
import pytest

from support import LiveServer, read_events
from wikivice.settings import Settings
from wikivice.web.app import create_app

ROUTES = ("stats", "recent-edits", "revisions.json", "revisions.csv", "extract")


@pytest.fixture
def client(wiki_settings: Settings) -> Iterator[httpx.Client]:
    with (
        LiveServer(create_app(wiki_settings)) as live,
        httpx.Client(base_url=live.url, timeout=30) as http,
    ):
        yield http


def page_url(wiki: str, title: str, route: str) -> str:
    return f"/api/pages/{quote(wiki, safe='')}/{quote(title, safe='')}/{route}"


def test_a_redirect_s_title_answers_on_every_route(client: httpx.Client) -> None:
    started = client.post("/api/analyses", json={"title": "S500"})
    assert started.status_code == 202
    body = started.json()
    assert body["page"]["title"] == "Synthetic 500"
    read_events(client, body["events_url"])
    wiki = body["page"]["wiki"]
    for route in ROUTES:
        answer = client.get(page_url(wiki, "S500", route))
        assert answer.status_code == 200, (route, answer.text)
    assert client.get(page_url(wiki, "S500", "stats")).json()["title"] == "Synthetic 500"
    assert client.get(page_url(wiki, "S500", "recent-edits")).json()["title"] == "Synthetic 500"
    revid = client.get(page_url(wiki, "S500", "recent-edits")).json()["edits"][0]["revid"]
    assert client.get(page_url(wiki, "S500", f"diffs/{revid}")).status_code == 200
    # The article page of the redirect's title leads to the article's own.
    article = client.get(f"/wiki/{quote(wiki, safe='')}/S500", follow_redirects=False)
    assert article.status_code in (301, 302, 303, 307, 308)
    assert "/Synthetic_500?redirected_from=S500" in article.headers["location"]


def test_a_title_never_analysed_is_404_saying_how(client: httpx.Client) -> None:
    for route in (*ROUTES, "diffs/1"):
        answer = client.get(page_url("en", "Never analysed here", route))
        assert answer.status_code == 404, (route, answer.text)
        assert "not been analysed yet" in answer.json()["detail"]


def test_an_invalid_title_is_refused_clearly(client: httpx.Client) -> None:
    for title in ("a|b", "x" * 600, "[[Link]]", "{{Template}}", "<script>"):
        for route in (*ROUTES, "diffs/1"):
            answer = client.get(page_url("en", title, route))
            assert answer.status_code in (404, 422), (route, title, answer.text)
            assert answer.headers["content-type"].startswith("application/")
            assert answer.json()["detail"]
