"""Cross-site requests that change state are refused (web/csrf.py), over a real uvicorn:
what a browser says of a request's sender decides; programs that say nothing pass."""

from __future__ import annotations

import httpx
import pytest
from starlette.datastructures import Headers

from support import job_rows
from wikivice.settings import Settings
from wikivice.simulator import SimulatorServer
from wikivice.web.csrf import is_cross_site

HOST = "wikivice.example:8000"
# What a page of another site makes a browser send, by what the browser says of it.
CROSS_SITE = {
    "fetch-site": {"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"},
    "fetch-site-alone": {"Sec-Fetch-Site": "cross-site"},
    "sibling-subdomain": {"Sec-Fetch-Site": "same-site", "Origin": "https://x.wikivice.example"},
    "origin": {"Origin": "https://evil.example"},
    "origin-other-port": {"Origin": "http://wikivice.example:8001"},
    "origin-null": {"Origin": "null"},
    "referer": {"Referer": "https://evil.example/page.html"},
    "referer-not-a-url": {"Referer": "about:blank"},
}
SAME_SITE = {
    "fetch-site": {"Sec-Fetch-Site": "same-origin", "Origin": f"http://{HOST}"},
    # The browser's own word wins over an Origin a proxy may have seen differently.
    "fetch-site-behind-a-proxy": {"Sec-Fetch-Site": "same-origin", "Origin": "https://wv.org"},
    "typed-by-the-person": {"Sec-Fetch-Site": "none"},
    "origin": {"Origin": f"http://{HOST}"},
    "origin-case": {"Origin": "HTTP://WikiVice.Example:8000"},
    "referer": {"Referer": f"http://{HOST}/wiki/en/Coffee"},
    "nothing-said": {},
}


@pytest.mark.parametrize("sent", CROSS_SITE.values(), ids=CROSS_SITE.keys())
def test_is_cross_site_refuses_what_another_site_sends(sent: dict[str, str]) -> None:
    assert is_cross_site(Headers({"Host": HOST, **sent}))


@pytest.mark.parametrize("sent", SAME_SITE.values(), ids=SAME_SITE.keys())
def test_is_cross_site_passes_our_own_pages_and_programs(sent: dict[str, str]) -> None:
    assert not is_cross_site(Headers({"Host": HOST, **sent}))


def test_is_cross_site_refuses_an_origin_without_a_host() -> None:
    assert is_cross_site(Headers({"Origin": f"http://{HOST}"}))


ATTACKS = {
    "fetch-site": {"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"},
    "origin": {"Origin": "https://evil.example"},
    "origin-null": {"Origin": "null"},
}


@pytest.mark.parametrize("sent", ATTACKS.values(), ids=ATTACKS.keys())
def test_cross_site_form_post_is_refused_with_a_page(
    client: httpx.Client,
    key: str,
    simulator: SimulatorServer,
    wiki_settings: Settings,
    sent: dict[str, str],
) -> None:
    form = {"wiki": key, "title": "Synthetic 90"}
    for path in ("/analyse", "/search", "/random"):
        response = client.post(path, data=form, headers=sent)
        assert response.status_code == 403, path
        assert response.headers["content-type"].startswith("text/html")
        assert "Refused" in response.text and "another site" in response.text
        assert "content-security-policy" in response.headers  # the app's headers, too
    assert simulator.sim.stats.requests == 0
    assert job_rows(wiki_settings) == 0
    # Links from other sites are how people arrive: a GET changes nothing, so it passes.
    assert client.get(f"/wiki/{key}/Synthetic_90", headers=sent).status_code == 200


@pytest.mark.parametrize("sent", ATTACKS.values(), ids=ATTACKS.keys())
def test_cross_site_api_post_is_refused_in_json(
    client: httpx.Client, simulator: SimulatorServer, wiki_settings: Settings, sent: dict[str, str]
) -> None:
    response = client.post("/api/analyses", json={"title": "Synthetic 90"}, headers=sent)
    assert response.status_code == 403
    assert "another site" in response.json()["detail"]
    assert simulator.sim.stats.requests == 0
    assert job_rows(wiki_settings) == 0


def test_same_origin_posts_and_header_less_api_calls_pass(
    client: httpx.Client, key: str, wiki_settings: Settings
) -> None:
    # As Chromium sends a form of our own page.
    origin = str(client.base_url).rstrip("/")
    sent = {"Sec-Fetch-Site": "same-origin", "Origin": origin, "Referer": f"{origin}/"}
    response = client.post("/search", data={"wiki": key, "title": "Synthetic 91"}, headers=sent)
    assert response.status_code == 303
    assert response.headers["location"] == f"/wiki/{key}/Synthetic_91"
    # An older browser, which names only the origin.
    form = {"wiki": key, "title": "Synthetic 91"}
    again = client.post("/analyse", data=form, headers={"Origin": origin})
    assert again.status_code == 303
    assert job_rows(wiki_settings) == 1
    # A program (curl, a script): no browser headers at all.
    api = client.post("/api/analyses", json={"title": "Synthetic 920"})
    assert api.status_code == 202 and api.json()["job_id"]
    assert job_rows(wiki_settings) == 2
