"""The JSON API and the event stream, over a real uvicorn, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import httpx
import orjson
import pytest
from pydantic import TypeAdapter

from factories import war_history
from support import LiveServer, read_events
from wikivice.figures.types import PageFigures
from wikivice.settings import Settings
from wikivice.simulator import FaultSpec, SimulatorServer
from wikivice.store.database import Database
from wikivice.store.vocabulary import EditorKind
from wikivice.web.app import create_app
from wikivice.wiki.sites import parse_wiki


@pytest.fixture
def server(wiki_settings: Settings) -> Iterator[LiveServer]:
    with LiveServer(create_app(wiki_settings)) as live:
        yield live


@pytest.fixture
def client(server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=30) as http:
        yield http


def analyse(client: httpx.Client, title: str, wiki: str | None = None) -> httpx.Response:
    body = {"title": title} if wiki is None else {"title": title, "wiki": wiki}
    return client.post("/api/analyses", json=body)


def test_analysis_runs_to_done_and_streams_every_event(client: httpx.Client) -> None:
    response = analyse(client, "Synthetic 1500")
    assert response.status_code == 202
    body = response.json()
    assert body["status"] in ("queued", "running") and not body["joined"]
    assert body["dashboard_url"] == "/wiki/" + body["page"]["wiki"] + "/Synthetic_1500"
    events = read_events(client, body["events_url"])
    assert [e.id for e in events] == [str(n) for n in range(1, len(events) + 1)]
    assert events[0].event == "queued" and events[-1].event == "done"
    stages = [e.data["stage"] for e in events]
    assert "fetching" in stages and "analysing" in stages
    assert events[-1].data["done"] == 1500 and events[-1].data["new_revisions"] == 1500
    job = client.get(body["job_url"]).json()
    assert job["status"] == "done" and job["done"] == 1500 and job["finished_at"]
    stats = client.get(body["stats_url"])
    assert stats.status_code == 200 and stats.json()["edits"] == 1500


def test_current_article_answers_200_without_a_job(client: httpx.Client) -> None:
    first = analyse(client, "Synthetic 300").json()
    read_events(client, first["events_url"])
    again = analyse(client, "synthetic_300")
    assert again.status_code == 200
    assert again.json()["status"] == "current" and again.json()["job_id"] is None


def test_second_visitor_joins_the_running_job(
    client: httpx.Client, simulator: SimulatorServer
) -> None:
    simulator.sim.latency = 0.05
    answers: list[httpx.Response] = []
    threads = [
        threading.Thread(target=lambda: answers.append(analyse(client, "Synthetic 3000")))
        for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert {a.status_code for a in answers} == {202}
    assert len({a.json()["job_id"] for a in answers}) == 1
    assert sum(not a.json()["joined"] for a in answers) == 1


def test_replay_after_last_event_id_includes_the_final_event(client: httpx.Client) -> None:
    body = analyse(client, "Synthetic 700").json()
    events = read_events(client, body["events_url"])
    tail = read_events(client, body["events_url"], last_event_id=2)
    assert [e.id for e in tail] == [e.id for e in events[2:]]
    assert tail[-1].event == "done"
    by_query = read_events(client, body["events_url"] + "?after=3")
    assert [e.id for e in by_query] == [e.id for e in events[3:]]


def test_stream_of_a_finished_job_replays_it_whole(client: httpx.Client) -> None:
    body = analyse(client, "Synthetic 200").json()
    first = read_events(client, body["events_url"])
    late = read_events(client, body["events_url"])  # a page opened after the end
    assert [(e.id, e.event) for e in late] == [(e.id, e.event) for e in first]


def test_missing_title_is_404_with_suggestions(client: httpx.Client) -> None:
    response = analyse(client, "Coffe")
    assert response.status_code == 404
    assert "Coffee" in response.json()["suggestions"]
    assert "no article" in response.json()["detail"]


@pytest.mark.parametrize("title", ["A[b]", "x|y", "{{t}}"])
def test_invalid_title_is_422(client: httpx.Client, title: str) -> None:
    response = analyse(client, title)
    assert response.status_code == 422
    assert "not a valid title" in response.json()["detail"]


@pytest.mark.parametrize(
    "body",
    [{}, {"title": ""}, {"title": 5}, {"title": "x" * 5000}, {"title": "A", "wiki": "no wiki"}],
)
def test_bad_requests_are_422_not_500(client: httpx.Client, body: dict[str, object]) -> None:
    response = client.post("/api/analyses", json=body)
    assert response.status_code == 422
    assert response.json()["detail"]


def test_unreachable_wiki_is_502(client: httpx.Client, simulator: SimulatorServer) -> None:
    simulator.sim.faults = FaultSpec.parse("5xx=1,retry_after=0")
    response = analyse(client, "Coffee")
    assert response.status_code == 502
    assert "did not answer" in response.json()["detail"]


def test_unknown_job_and_page_are_404(client: httpx.Client) -> None:
    assert client.get("/api/jobs/999999").status_code == 404
    assert client.get("/api/jobs/999999/events").status_code == 404
    assert client.get("/api/jobs/abc").status_code == 422
    assert client.get("/api/pages/en/Never_fetched/stats").status_code == 404
    assert client.get("/api/pages/no-such-wiki/X/stats").status_code == 404


def test_openapi_describes_the_api(client: httpx.Client) -> None:
    spec = client.get("/openapi.json").json()
    for path in ("/api/analyses", "/api/jobs/{job_id}", "/api/jobs/{job_id}/events"):
        assert path in spec["paths"]
    assert client.get("/docs").status_code == 200


def assert_page_figures(response: httpx.Response) -> None:
    """The stats answer is `PageFigures` key for key: strict validation passes, and
    dumping the result gives back the same JSON (no key lost, added or reordered)."""
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    adapter = TypeAdapter(PageFigures)
    checked = adapter.validate_json(response.content, strict=True)
    assert orjson.dumps(adapter.dump_python(checked, mode="json")) == response.content


def test_stats_of_a_fetched_article_are_page_figures(client: httpx.Client) -> None:
    body = analyse(client, "Synthetic 2500").json()
    read_events(client, body["events_url"])
    stats = client.get(body["stats_url"])
    assert_page_figures(stats)
    assert stats.json()["edits"] == 2500 and stats.json()["conflict"]["edit_wars"]
    assert_page_figures(client.get(body["stats_url"]))  # from the cache


def test_stats_of_a_hand_made_history_are_page_figures(settings: Settings, db: Database) -> None:
    war_history().store(db)
    with LiveServer(create_app(settings, worker=False)) as live:
        with httpx.Client(base_url=live.url, timeout=30) as http:
            stats = http.get("/api/pages/en/War/stats")
    assert_page_figures(stats)
    conflict = stats.json()["conflict"]
    assert len(conflict["edit_wars"]) == conflict["war_count"] == 3
    assert [c["name"] for c in conflict["edit_wars"][0]["combatants"]] == ["Bob", "Alice", "Carol"]
    assert conflict["vandalism"]["acts"] == 1


def test_openapi_describes_the_figures_from_their_types(client: httpx.Client) -> None:
    spec = client.get("/openapi.json").json()
    schemas = spec["components"]["schemas"]

    def properties(schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            schema = schemas[schema["$ref"].rsplit("/", 1)[-1]]
        return dict(schema["properties"])

    stats = spec["paths"]["/api/pages/{wiki}/{title}/stats"]["get"]
    answer = stats["responses"]["200"]["content"]["application/json"]["schema"]
    assert answer == {"$ref": "#/components/schemas/PageFigures"}
    figures = properties(answer)
    assert list(figures) == list(PageFigures.__annotations__)
    assert set(properties(figures["timeline"])) == {"months", "days"}
    assert "reverted" in properties(properties(figures["timeline"])["months"])
    conflict = properties(figures["conflict"])
    assert list(conflict) == ["edit_wars", "war_count", "war_rule", "vandalism", "most_reverted"]
    war = properties(conflict["edit_wars"]["items"])
    assert "combatants" in war and "combatant_count" in war
    combatant = properties(war["combatants"]["items"])
    assert set(properties(combatant["reverted"]["items"])) == {"name", "kind", "reverts"}
    assert set(properties(conflict["war_rule"])) == {"reverts", "hours"}
    assert {"acts", "by_bots", "median_seconds"} <= set(properties(conflict["vandalism"]))
    ranked = properties(properties(figures["top_editors"])["by_edits"]["items"])
    assert {"name", "kind", "edits", "share", "added", "first", "last"} <= set(ranked)
    assert schemas["EditorKind"]["enum"] == [kind.value for kind in EditorKind]


def test_plotly_is_served_locally(client: httpx.Client) -> None:
    response = client.get("/static/vendor/plotly.min.js")
    assert response.status_code == 200 and b"plotly" in response.content[:2000].lower()


def test_suggestions_recent_changes_and_random(
    client: httpx.Client, simulator: SimulatorServer
) -> None:
    key = parse_wiki(simulator.api_url).key
    titles = client.get(f"/api/wikis/{key}/suggestions", params={"q": "Alan"}).json()
    assert "Alan Turing" in titles
    changes = client.get(f"/api/wikis/{key}/recent-changes").json()
    assert changes and changes[0]["title"]
    assert client.get(f"/api/wikis/{key}/random").json()


def test_a_queued_job_says_its_place_in_line_and_the_wait(
    client: httpx.Client, wiki_settings: Settings
) -> None:
    from sqlalchemy import update

    from wikivice.jobs.runtime import Runtime
    from wikivice.store import pages
    from wikivice.store.models import FetchJob
    from wikivice.wiki.client import ResolvedPage

    rt = Runtime.create(wiki_settings)  # jobs queued on no queue: no worker takes them
    try:
        site = parse_wiki(wiki_settings.default_wiki)
        with rt.db.write() as conn:
            wiki_id = pages.ensure_wiki(conn, site)
            refs = [
                pages.upsert_page(conn, wiki_id, ResolvedPage(n, 0, f"Line {n}", 100, 5000))
                for n in range(1, 5)
            ]
        done, *queued = (rt.jobs.submit(page.id)[0] for page in refs)
        claim = rt.jobs.claim(done)
        assert claim is not None
        with rt.db.write() as conn:  # it ran for 8 s: what the wait is reckoned by
            conn.execute(update(FetchJob).where(FetchJob.id == done).values(started_at=0.0))
        rt.jobs.finish(claim, "done", total=100)
        with rt.db.write() as conn:
            conn.execute(update(FetchJob).where(FetchJob.id == done).values(finished_at=8.0))
        job = client.get(f"/api/jobs/{queued[2]}").json()
        assert job["status"] == "queued" and job["position"] == 3
        assert job["expected_wait"] == 24.0 and job["place"] == "3rd in line, about 24 s"
        page = client.get(f"/wiki/{site.key}/Line 2")
        assert page.status_code == 200 and "next in line, about 8 s" in page.text
        finished = client.get(f"/api/jobs/{done}").json()
        assert finished["position"] is None and finished["place"] is None
    finally:
        rt.close()
