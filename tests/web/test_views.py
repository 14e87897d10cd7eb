"""The pages people see, over a real uvicorn (HTML; the browser tests drive them).

A GET shows what is stored and asks no wiki; the forms that analyse post (issue 10)."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import httpx
import pytest
from sqlalchemy import update

from support import LiveServer, job_rows, read_events
from wikivice.settings import Settings
from wikivice.simulator import FaultSpec, SimulatorServer
from wikivice.store.database import Database
from wikivice.store.models import Page
from wikivice.web.app import create_app
from wikivice.wiki.sites import parse_wiki


def analysed(client: httpx.Client, title: str) -> None:
    """Analyse `title` through the API and wait for its job."""
    body = client.post("/api/analyses", json={"title": title}).json()
    if body["events_url"]:
        assert read_events(client, body["events_url"])[-1].event == "done"


def form_of(html: str, opening: str) -> str:
    """The first form whose opening tag starts with `opening`, to its end ("" if none)."""
    start = html.find(opening)
    return "" if start < 0 else html[start : html.index("</form>", start)]


def offered(html: str, wiki: str, title: str) -> bool:
    """Whether the page offers the button that posts `wiki` and `title` to /analyse."""
    form = form_of(html, '<form class="post-button" method="post" action="/analyse">')
    return (
        f'name="wiki" value="{wiki}"' in form
        and f'name="title" value="{title}"' in form
        and 'id="analyse"' in form
    )


def test_home_has_search_and_a_strict_content_policy(client: httpx.Client, key: str) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert 'id="search"' in page.text and f'value="{key}"' in page.text
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "connect-src 'self'" in policy


def test_home_search_and_random_are_forms_that_post(client: httpx.Client) -> None:
    html = client.get("/").text
    search = re.search(r'<form id="search"[^>]*>', html)
    assert search is not None and 'method="post"' in search.group(0)
    assert 'action="/search"' in search.group(0)
    assert re.search(r'<button type="submit"[^>]*id="random" formaction="/random"', html)
    header = client.get("/compare").text  # the header's search box, on any other page
    assert re.search(r'<form class="mini-search" action="/search" method="post"', header)


def test_search_form_posts_then_goes_to_the_article(
    client: httpx.Client, key: str, wiki_settings: Settings, simulator: SimulatorServer
) -> None:
    simulator.sim.latency = 0.3  # its job outlasts the page's first load
    response = client.post("/search", data={"wiki": key, "title": "synthetic_900"})
    assert response.status_code == 303
    assert response.headers["location"] == f"/wiki/{key}/Synthetic_900"
    article = client.get(response.headers["location"])
    assert article.status_code == 200
    assert 'id="progress"' in article.text and "Synthetic 900" in article.text
    assert job_rows(wiki_settings) == 1


def test_another_wiki_s_address_wins_over_the_picker(
    client: httpx.Client, key: str, simulator: SimulatorServer
) -> None:
    home = client.get("/").text
    assert 'name="wiki_url"' in home and "Another wiki" in home
    # The picker says "en"; the address field names the simulator: the simulator is used.
    response = client.post(
        "/search", data={"wiki": "en", "wiki_url": simulator.api_url, "title": "synthetic_901"}
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/wiki/{key}/Synthetic_901"
    # Left empty, the picker's wiki is used; a wrong address is a clear 4xx, not a 500.
    empty = client.post("/search", data={"wiki": key, "wiki_url": " ", "title": "synthetic_902"})
    assert empty.headers["location"] == f"/wiki/{key}/Synthetic_902"
    bad = client.post("/search", data={"wiki": key, "wiki_url": "not a wiki", "title": "x"})
    assert 400 <= bad.status_code < 500 and "wiki" in bad.text.lower()


def test_search_form_without_a_title_goes_home(client: httpx.Client, key: str) -> None:
    response = client.post("/search", data={"wiki": key, "title": "  "})
    assert response.status_code == 303 and response.headers["location"] == "/"


def test_search_shows_where_a_redirect_came_from(
    client: httpx.Client, key: str, simulator: SimulatorServer
) -> None:
    response = client.post("/search", data={"wiki": key, "title": "Turing"})
    assert response.headers["location"] == f"/wiki/{key}/Alan_Turing?redirected_from=Turing"
    page = client.get(response.headers["location"])
    assert "Redirected from “Turing”" in page.text
    analysed(client, "Alan Turing")  # joins the job, to its end
    # Stored under another spelling: a redirect found in our database alone.
    simulator.sim.reset_stats()
    moved = client.get(f"/wiki/{key}/alan_Turing")
    assert moved.status_code == 301
    assert moved.headers["location"] == f"/wiki/{key}/Alan_Turing?redirected_from=alan_Turing"
    # A redirect's title followed once is remembered: its page leads to the article's.
    direct = client.get(f"/wiki/{key}/Turing")
    assert direct.status_code == 301
    assert direct.headers["location"] == f"/wiki/{key}/Alan_Turing?redirected_from=Turing"
    # A redirect never followed here: only the wiki knows where it leads.
    other = client.get(f"/wiki/{key}/Ada_Byron")
    assert other.status_code == 200 and offered(other.text, key, "Ada Byron")
    assert simulator.sim.stats.requests == 0


def test_missing_article_page_suggests_others_one_click_each(
    client: httpx.Client, key: str, wiki_settings: Settings
) -> None:
    response = client.post("/search", data={"wiki": key, "title": "Coffe"})
    assert response.status_code == 404
    assert "No such article" in response.text
    suggestion = form_of(response.text, '<form class="post-button as-link"')
    assert 'action="/search"' in suggestion and f'name="wiki" value="{key}"' in suggestion
    assert 'name="title" value="Coffee"' in suggestion and ">Coffee</button>" in suggestion
    assert job_rows(wiki_settings) == 0


def test_invalid_title_page_says_why(client: httpx.Client, key: str) -> None:
    response = client.post("/search", data={"wiki": key, "title": "A[b]"})
    assert response.status_code == 422
    assert "not a valid title" in response.text


def test_analysed_article_renders_its_dashboard_at_once(client: httpx.Client, key: str) -> None:
    analysed(client, "Synthetic 400")
    page = client.get(f"/wiki/{key}/Synthetic_400")
    assert page.status_code == 200
    assert 'id="progress"' not in page.text and 'id="not-analysed"' not in page.text
    assert 'id="dashboard-body"' in page.text
    assert 'id="fetched-ago">Fetched less than a minute ago.' in page.text
    assert 'id="refresh"' not in page.text  # fresh: nothing to refresh
    fragment = client.get(f"/dashboard/{key}/Synthetic_400")
    assert fragment.status_code == 200 and 'id="dashboard-body"' in fragment.text


def test_unknown_address_is_a_page_not_a_trace(client: httpx.Client) -> None:
    response = client.get("/nothing/here")
    assert response.status_code == 404
    assert "nothing at this address" in response.text
    assert "Traceback" not in response.text


# -- a GET changes nothing -------------------------------------------------------------


def test_article_page_of_an_unknown_title_asks_nothing_and_offers_to_analyse(
    client: httpx.Client, key: str, simulator: SimulatorServer, wiki_settings: Settings
) -> None:
    page = client.get(f"/wiki/{key}/Synthetic_77")
    assert page.status_code == 200
    assert 'id="not-analysed"' in page.text and offered(page.text, key, "Synthetic 77")
    assert "Analyse “Synthetic 77”" in page.text
    assert 'id="progress"' not in page.text and 'id="dashboard-body"' not in page.text
    # Never seen: shown as typed (only the wiki could say it is missing).
    typed = client.get(f"/wiki/{key}/no_such_page_at_all")
    assert typed.status_code == 200 and offered(typed.text, key, "no such page at all")
    invalid = client.get(f"/wiki/{key}/A%7CB")  # what no wiki accepts: said here
    assert invalid.status_code == 422 and "not a valid title" in invalid.text
    assert simulator.sim.stats.requests == 0
    assert job_rows(wiki_settings) == 0


def test_search_get_asks_nothing_and_offers_to_analyse(
    client: httpx.Client, key: str, simulator: SimulatorServer, wiki_settings: Settings
) -> None:
    page = client.get("/search", params={"wiki": key, "title": "Synthetic 78"})
    assert page.status_code == 200 and offered(page.text, key, "Synthetic 78")
    # A missing title is not looked up either: the Analyse button will say so.
    missing = client.get("/search", params={"wiki": key, "title": "Coffe"})
    assert missing.status_code == 200 and offered(missing.text, key, "Coffe")
    assert simulator.sim.stats.requests == 0
    assert job_rows(wiki_settings) == 0


def test_search_get_of_a_stored_title_goes_to_its_page(
    client: httpx.Client, key: str, simulator: SimulatorServer
) -> None:
    analysed(client, "Synthetic 79")
    simulator.sim.reset_stats()
    response = client.get("/search", params={"wiki": key, "title": "synthetic_79"})
    assert response.status_code == 303
    assert response.headers["location"] == f"/wiki/{key}/Synthetic_79"
    assert simulator.sim.stats.requests == 0


def test_search_get_of_a_wiki_never_used_names_it_as_the_link_did(
    client: httpx.Client, simulator: SimulatorServer
) -> None:
    # An api.php URL with no key here yet: the offer posts the URL back as it came.
    other = simulator.api_url.replace("127.0.0.1", "localhost")
    page = client.get("/search", params={"wiki": other, "title": "Synthetic 5"})
    assert page.status_code == 200 and offered(page.text, other, "Synthetic 5")
    assert simulator.sim.stats.requests == 0


def test_random_get_asks_nothing_and_shows_a_button(
    client: httpx.Client, key: str, simulator: SimulatorServer, wiki_settings: Settings
) -> None:
    page = client.get("/random", params={"wiki": key}, follow_redirects=False)
    assert page.status_code == 200
    form = form_of(page.text, '<form class="post-button" method="post" action="/random">')
    assert f'name="wiki" value="{key}"' in form and 'id="random"' in form
    assert simulator.sim.stats.requests == 0
    assert job_rows(wiki_settings) == 0


def test_stale_article_shows_what_is_stored_and_offers_a_refresh(
    wiki_settings: Settings, simulator: SimulatorServer, key: str
) -> None:
    stale = wiki_settings.model_copy(update={"fresh_seconds": 0.0})
    with LiveServer(create_app(stale)) as live, httpx.Client(base_url=live.url) as client:
        analysed(client, "Synthetic 600")
        simulator.sim.reset_stats()
        page = client.get(f"/wiki/{key}/Synthetic_600")
        assert page.status_code == 200 and 'id="dashboard-body"' in page.text
        assert 'id="progress"' not in page.text  # no refresh started by a GET
        assert 'id="fetched-ago">Fetched less than a minute ago.' in page.text
        refresh = form_of(page.text, '<form class="post-button secondary" method="post"')
        assert 'action="/analyse"' in refresh and 'id="refresh"' in refresh
        assert 'name="title" value="Synthetic 600"' in refresh
        assert simulator.sim.stats.requests == 0 and job_rows(stale) == 1
        # The button: unchanged on the wiki, so one look and no job.
        posted = client.post("/analyse", data={"wiki": key, "title": "Synthetic 600"})
        assert posted.status_code == 303
        assert posted.headers["location"] == f"/wiki/{key}/Synthetic_600"
        assert simulator.sim.stats.requests == 1 and job_rows(stale) == 1


def test_article_fetched_days_ago_says_so_and_offers_a_refresh(
    client: httpx.Client, key: str, wiki_settings: Settings, simulator: SimulatorServer
) -> None:
    analysed(client, "Synthetic 601")
    database = Database(wiki_settings.sqlalchemy_url)
    with database.write() as conn:  # as if fetched three days ago
        days = 3 * 86_400
        conn.execute(
            update(Page).values(
                fetched_at=Page.fetched_at - days, resolved_at=Page.resolved_at - days
            )
        )
    database.dispose()
    simulator.sim.reset_stats()
    page = client.get(f"/wiki/{key}/Synthetic_601").text
    assert 'id="fetched-ago">Fetched 3 days ago.' in page and 'id="refresh"' in page
    assert 'id="progress"' not in page
    assert simulator.sim.stats.requests == 0 and job_rows(wiki_settings) == 1


def test_refresh_of_a_changed_article_shows_the_stored_dashboard_while_it_runs(
    wiki_settings: Settings, own_simulator: SimulatorServer
) -> None:
    site = parse_wiki(own_simulator.api_url)
    stale = wiki_settings.model_copy(update={"fresh_seconds": 0.0, "default_wiki": site.api_url})
    with LiveServer(create_app(stale)) as live, httpx.Client(base_url=live.url) as client:
        analysed(client, "Synthetic 600")
        own_simulator.sim.grow("Synthetic 600", 25)
        posted = client.post(
            "/analyse", data={"wiki": site.key, "title": "Synthetic 600"}, follow_redirects=True
        )
        assert posted.status_code == 200 and 'id="stale-notice"' in posted.text
        assert 'id="dashboard-body"' in posted.text and 'id="refresh"' not in posted.text
        job_id = posted.text.split("/api/jobs/")[1].split("/events")[0]
        assert read_events(client, f"/api/jobs/{job_id}/events")[-1].event == "done"
        assert 'data-revisions="625"' in client.get(f"/wiki/{site.key}/Synthetic_600").text
        assert job_rows(stale) == 2


# -- the forms work without JavaScript -------------------------------------------------


def test_analyse_form_without_javascript_starts_exactly_one_job(
    client: httpx.Client, key: str, wiki_settings: Settings
) -> None:
    offer = client.get(f"/wiki/{key}/Synthetic_81")
    assert offered(offer.text, key, "Synthetic 81")
    form = {"wiki": key, "title": "Synthetic 81"}  # what the browser posts
    page = client.post("/analyse", data=form, follow_redirects=True)
    assert page.status_code == 200 and str(page.url).endswith(f"/wiki/{key}/Synthetic_81")
    assert 'id="progress"' in page.text and 'id="not-analysed"' not in page.text
    again = client.post("/analyse", data=form, follow_redirects=True)  # a second click joins
    assert again.status_code == 200
    assert job_rows(wiki_settings) == 1


def test_random_form_analyses_a_random_article(
    client: httpx.Client, key: str, wiki_settings: Settings
) -> None:
    response = client.post("/random", data={"wiki": key})
    assert response.status_code == 303
    assert response.headers["location"].startswith(f"/wiki/{key}/")
    page = client.get(response.headers["location"])
    assert page.status_code == 200 and 'id="progress"' in page.text
    assert job_rows(wiki_settings) == 1


def test_retry_button_is_a_form_that_posts(client: httpx.Client, key: str) -> None:
    page = client.post("/analyse", data={"wiki": key, "title": "Synthetic 82"})
    html = client.get(page.headers["location"]).text
    retry = form_of(html, '<form class="post-button" id="retry-form" method="post"')
    assert 'action="/analyse"' in retry and 'name="title" value="Synthetic 82"' in retry
    assert '<button type="submit" id="retry">Try again</button>' in retry


@pytest.mark.parametrize(
    ("body", "headers", "status"),
    [
        ('{"title": "Synthetic 83"}', {"Content-Type": "application/json"}, 415),
        ("title=" + "x" * 9000, {}, 413),
        ("title=" + "x" * 1001, {}, 422),
        ("title=Synthetic+83&" + "&".join(f"f{i}=1" for i in range(20)), {}, 422),
        (b"title=\xff", {}, 422),
    ],
    ids=["not-a-form", "too-large", "title-too-long", "too-many-fields", "not-utf-8"],
)
def test_bad_forms_get_a_clear_page(
    client: httpx.Client,
    wiki_settings: Settings,
    body: str | bytes,
    headers: dict[str, str],
    status: int,
) -> None:
    form = {"Content-Type": "application/x-www-form-urlencoded", **headers}
    response = client.post("/analyse", content=body, headers=form)
    assert response.status_code == status
    assert 'id="problem"' in response.text and "Traceback" not in response.text
    assert job_rows(wiki_settings) == 0


def polled(
    client: httpx.Client, location: str, done: Callable[[httpx.Response], bool]
) -> httpx.Response:
    """GET `location` until `done` says so (its job runs in the server meanwhile), for
    at most 20 s; the last answer."""
    deadline = time.monotonic() + 20
    while not done(page := client.get(location)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return page


def test_the_form_answers_before_the_wiki_for_a_title_never_seen(
    client: httpx.Client, key: str, simulator: SimulatorServer
) -> None:
    """On a wiki known here, a new title's page (and job) exist before the wiki is asked:
    the form answers even while the wiki fails every request, and the job says why."""
    analysed(client, "Synthetic 20")  # the wiki known here, and its bot accounts
    simulator.sim.faults = FaultSpec.parse("5xx=1,retry_after=0")
    response = client.post("/search", data={"wiki": key, "title": "Synthetic 460"})
    assert response.status_code == 303
    assert response.headers["location"] == f"/wiki/{key}/Synthetic_460"
    page = client.get(response.headers["location"])
    assert page.status_code == 200 and 'id="progress"' in page.text
    simulator.sim.faults = FaultSpec.parse("")
    again = client.post("/search", data={"wiki": key, "title": "Synthetic 461"})
    assert again.headers["location"] == f"/wiki/{key}/Synthetic_461"
    dashboard = polled(client, again.headers["location"], lambda r: "dashboard-body" in r.text)
    assert 'id="dashboard-body"' in dashboard.text and "461" in dashboard.text


def test_a_new_title_the_wiki_has_no_article_of_answers_404_with_suggestions(
    client: httpx.Client, key: str
) -> None:
    analysed(client, "Synthetic 20")
    response = client.post("/search", data={"wiki": key, "title": "Coffe"})
    assert response.status_code == 303  # the job asks the wiki, and the page says
    text = polled(client, response.headers["location"], lambda r: r.status_code == 404).text
    assert "has no article called “Coffe”" in text and "No such article" in text
    suggestion = form_of(text, '<form class="post-button as-link"')
    assert 'name="title" value="Coffee"' in suggestion and ">Coffee</button>" in suggestion


def test_a_new_title_that_redirects_leads_to_the_page_it_redirects_to(
    client: httpx.Client, key: str
) -> None:
    analysed(client, "Synthetic 20")
    response = client.post("/search", data={"wiki": key, "title": "Turing"})
    assert response.headers["location"] == f"/wiki/{key}/Turing"
    moved = polled(client, response.headers["location"], lambda r: r.status_code == 301)
    assert moved.headers["location"] == f"/wiki/{key}/Alan_Turing?redirected_from=Turing"
