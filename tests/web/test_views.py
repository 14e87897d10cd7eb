"""The pages people see, over a real uvicorn (HTML; the browser tests drive them)."""

from __future__ import annotations

import httpx

from support import LiveServer, read_events
from wikivice.settings import Settings
from wikivice.simulator import SimulatorServer
from wikivice.web.app import create_app


def test_home_has_search_and_a_strict_content_policy(client: httpx.Client, key: str) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert 'id="search"' in page.text and f'value="{key}"' in page.text
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "connect-src 'self'" in policy


def test_search_redirects_at_once_to_the_article(client: httpx.Client, key: str) -> None:
    response = client.get("/search", params={"wiki": key, "title": "synthetic_900"})
    assert response.status_code == 303
    assert response.headers["location"] == f"/wiki/{key}/Synthetic_900"
    article = client.get(response.headers["location"])
    assert article.status_code == 200
    assert 'id="progress"' in article.text and "Synthetic 900" in article.text


def test_search_shows_where_a_redirect_came_from(client: httpx.Client, key: str) -> None:
    response = client.get("/search", params={"wiki": key, "title": "Turing"})
    assert response.headers["location"] == f"/wiki/{key}/Alan_Turing?redirected_from=Turing"
    direct = client.get(f"/wiki/{key}/Turing")
    assert direct.status_code == 301
    assert direct.headers["location"].startswith(f"/wiki/{key}/Alan_Turing")
    page = client.get(response.headers["location"])
    assert "Redirected from “Turing”" in page.text


def test_missing_article_page_suggests_others(client: httpx.Client, key: str) -> None:
    response = client.get("/search", params={"wiki": key, "title": "Coffe"})
    assert response.status_code == 404
    assert "No such article" in response.text and ">Coffee</a>" in response.text


def test_invalid_title_page_says_why(client: httpx.Client, key: str) -> None:
    response = client.get("/search", params={"wiki": key, "title": "A[b]"})
    assert response.status_code == 422
    assert "not a valid title" in response.text


def test_analysed_article_renders_its_dashboard_at_once(client: httpx.Client, key: str) -> None:
    body = client.post("/api/analyses", json={"title": "Synthetic 400"}).json()
    read_events(client, body["events_url"])
    page = client.get(f"/wiki/{key}/Synthetic_400")
    assert page.status_code == 200
    assert 'id="progress"' not in page.text
    assert 'id="dashboard-body"' in page.text
    fragment = client.get(f"/dashboard/{key}/Synthetic_400")
    assert fragment.status_code == 200 and 'id="dashboard-body"' in fragment.text


def test_unknown_address_is_a_page_not_a_trace(client: httpx.Client) -> None:
    response = client.get("/nothing/here")
    assert response.status_code == 404
    assert "nothing at this address" in response.text
    assert "Traceback" not in response.text


def test_stale_article_shows_what_is_stored_at_once_and_refreshes(
    wiki_settings: Settings, simulator: SimulatorServer, key: str
) -> None:
    stale = wiki_settings.model_copy(update={"fresh_seconds": 0.0})
    with LiveServer(create_app(stale)) as live, httpx.Client(base_url=live.url) as client:
        body = client.post("/api/analyses", json={"title": "Synthetic 600"}).json()
        read_events(client, body["events_url"])
        simulator.sim.reset_stats()
        page = client.get(f"/wiki/{key}/Synthetic_600")
        assert page.status_code == 200
        assert 'id="stale-notice"' in page.text and 'id="dashboard-body"' in page.text
        job_id = page.text.split("/api/jobs/")[1].split("/events")[0]
        events = read_events(client, f"/api/jobs/{job_id}/events")
        assert events[-1].event == "done" and events[-1].data["message"] == "already up to date"
        # At most one look at the wiki (none here: the job reuses the resolve of a minute ago).
        assert simulator.sim.stats.requests <= 1
