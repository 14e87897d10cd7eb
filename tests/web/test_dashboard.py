"""The dashboard's web surface over a real uvicorn: the fragment's sections, recent
edits and diffs, the lead, exports, editor pages, compare, and hostile strings escaped
wherever they appear (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Iterator
from urllib.parse import quote

import httpx
import orjson
import pytest
from markupsafe import escape
from sqlalchemy import update

from factories import History
from support import SECTIONS, LiveServer, read_events
from wikivice.figures.charts import CHARTS
from wikivice.settings import Settings
from wikivice.simulator import FaultSpec, SimulatorServer, content
from wikivice.simulator.editors import HOSTILE_COMMENTS, HOSTILE_USERS
from wikivice.store.database import Database
from wikivice.store.models import Wiki
from wikivice.web.app import create_app

# The year table is an HTML table (readable, copyable), not a plotly one.
SHOWN_CHARTS = [key for key in CHARTS if key != "year_table"]


def analysed(client: httpx.Client, title: str) -> str:
    """Analyse `title` through the API, wait for its job; the page's /api/pages base."""
    body = client.post("/api/analyses", json={"title": title}).json()
    if body["events_url"]:
        assert read_events(client, body["events_url"])[-1].event == "done"
    page = body["page"]
    return f"/api/pages/{page['wiki']}/{page['title'].replace(' ', '_')}"


def test_dashboard_shows_every_section_chart_and_download(client: httpx.Client, key: str) -> None:
    analysed(client, "Synthetic 700")
    html = client.get(f"/wiki/{key}/Synthetic_700").text
    for section in SECTIONS:
        assert f'id="{section}"' in html, section
    charts = re.findall(r'<div class="chart" id="chart-(\w+)"', html)
    assert sorted(charts) == sorted(SHOWN_CHARTS)  # each once, in its section
    assert html.count('class="chart-data"') == len(SHOWN_CHARTS)
    assert 'id="year-table"' in html and 'id="top-editors"' in html
    assert 'id="countries-table"' in html and 'id="edit-wars"' in html
    api = f"/api/pages/{key}/Synthetic_700"  # web/urls.py keeps the `:` of a port
    for suffix in ("/revisions.csv", "/revisions.json", "/stats", "/recent-edits", "/extract"):
        assert f'"{api}{suffix}"' in html, suffix
    assert re.search(r'src="/static/js/\w+/article\.js"', html) and "/static/dashboard.css" in html
    fragment = client.get(f"/dashboard/{key}/Synthetic_700").text
    assert all(f'id="{section}"' in fragment for section in SECTIONS)


def test_recent_edits_are_the_newest_twenty_with_the_latest_incident(
    client: httpx.Client, simulator: SimulatorServer
) -> None:
    api = analysed(client, "Synthetic 700")
    truth = simulator.sim.history("Synthetic 700")
    assert truth is not None
    body = client.get(f"{api}/recent-edits").json()
    revids = [edit["revid"] for edit in body["edits"]]
    assert revids == [truth.latest_revid - i for i in range(20)]
    latest = body["edits"][0]
    assert latest["diff_url"].endswith(f"index.php?diff={truth.latest_revid}")
    if latest["user"] is not None:
        assert latest["editor_url"] == f"/editor/{body['wiki']}/{quote(latest['user'], safe='')}"
    incident = body["incident"]
    assert incident is not None and incident["badges"]
    assert {"revert", "reverted", "vandalism"} & set(incident["badges"])
    for who in incident["undid"]:
        assert who["editor_url"] == f"/editor/{body['wiki']}/{quote(who['name'], safe='')}"


def test_diff_is_plain_lines_fetched_from_the_wiki_once(
    client: httpx.Client, simulator: SimulatorServer
) -> None:
    api = analysed(client, "Synthetic 700")
    truth = simulator.sim.history("Synthetic 700")
    assert truth is not None
    revid = truth.latest_revid
    before = simulator.sim.stats.by_action.get("compare", 0)
    diff = client.get(f"{api}/diffs/{revid}")
    assert diff.status_code == 200
    body = diff.json()
    assert body["revid"] == revid and body["parent_revid"] == revid - 1 and not body["hidden"]
    assert {line["kind"] for line in body["lines"]} <= {"hunk", "context", "added", "removed"}
    assert "<td" not in diff.text and "diffchange" not in diff.text  # no wiki HTML passed on
    assert client.get(f"{api}/diffs/{revid}").json() == body
    assert simulator.sim.stats.by_action.get("compare", 0) == before + 1


def test_diff_of_a_revision_not_stored_or_not_a_number_is_refused(client: httpx.Client) -> None:
    api = analysed(client, "Synthetic 300")
    missing = client.get(f"{api}/diffs/12345")
    assert missing.status_code == 404 and "no stored revision 12345" in missing.json()["detail"]
    assert client.get(f"{api}/diffs/abc").status_code == 422
    assert client.get(f"{api}/diffs/0").status_code == 422
    unknown = client.get(api.replace("Synthetic_300", "Never_analysed") + "/diffs/1")
    assert unknown.status_code == 404 and "not been analysed" in unknown.json()["detail"]


def test_diff_from_a_failing_wiki_is_a_502_with_a_message(
    client: httpx.Client, simulator: SimulatorServer
) -> None:
    api = analysed(client, "Synthetic 300")
    truth = simulator.sim.history("Synthetic 300")
    assert truth is not None
    simulator.sim.faults = FaultSpec.parse("5xx=1,retry_after=0")
    response = client.get(f"{api}/diffs/{truth.latest_revid - 3}")
    assert response.status_code == 502
    assert response.json()["detail"].startswith("The wiki could not answer")


def test_extract_is_the_lead_as_plain_text_with_links(
    client: httpx.Client, simulator: SimulatorServer
) -> None:
    api = analysed(client, "Synthetic 300")
    truth = simulator.sim.history("Synthetic 300")
    assert truth is not None
    body = client.get(f"{api}/extract").json()
    assert body["extract"] == content.lead(truth.title, truth.seed, plain=True)
    assert body["url"].endswith("/wiki/Synthetic_300")
    assert body["history_url"].endswith("title=Synthetic_300&action=history")


def test_exports_stream_every_revision_as_named_files(client: httpx.Client) -> None:
    api = analysed(client, "Synthetic 700")
    response = client.get(f"{api}/revisions.csv")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert 'filename="Synthetic_700-revisions.csv"' in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == 700 and rows[0]["revid"] < rows[-1]["revid"]
    data = client.get(f"{api}/revisions.json")
    assert 'filename="Synthetic_700-revisions.json"' in data.headers["content-disposition"]
    body = orjson.loads(data.content)
    assert body["title"] == "Synthetic 700" and len(body["revisions"]) == 700
    assert [r["revid"] for r in body["revisions"]] == [int(r["revid"]) for r in rows]
    missing = client.get(api.replace("700", "701") + "/revisions.csv")
    assert missing.status_code == 404


def test_editor_page_and_json_list_their_edits_here(client: httpx.Client, key: str) -> None:
    api = analysed(client, "Synthetic 700")
    top = client.get(f"{api}/stats").json()["top_editors"]["by_edits"][0]
    name = quote(top["name"], safe="")
    page = client.get(f"/editor/{key}/{name}")
    assert page.status_code == 200
    assert str(escape(top["name"])) in page.text and 'id="contributions-link"' in page.text
    assert "Special:Contributions/" in page.text and f"/wiki/{key}/Synthetic_700" in page.text
    profile = client.get(f"/api/editors/{key}/{name}").json()
    assert profile["totals"]["edits"] == top["edits"] and profile["editor"]["kind"] == top["kind"]
    assert profile["articles"][0]["dashboard_url"] == f"/wiki/{key}/Synthetic_700"
    assert len(profile["latest"]) == min(50, top["edits"])


def test_editor_never_seen_is_a_404_page_and_json(client: httpx.Client, key: str) -> None:
    analysed(client, "Synthetic 300")
    page = client.get(f"/editor/{key}/Nobody%20at%20all")
    assert page.status_code == 404 and "No edits by this editor here" in page.text
    api = client.get(f"/api/editors/{key}/Nobody")
    assert api.status_code == 404 and "no edits by “Nobody”" in api.json()["detail"]
    assert client.get("/api/editors/no-such-wiki!/Nobody").status_code == 404


# -- editor pages over a stored history ------------------------------------------------

# A registered user, an IPv4 and an IPv6 editor, and a temporary account.
EDITORS = ("Maple of the Elm 38", "203.0.113.7", "2001:db8::7", "~2025-31415-92")
# The wiki's display names of the tags (`list=tags`), as a fetch stores them.
TAG_LABELS = {"mw-reverted": "Reverted", "visualeditor-wikitext": "2017 wikitext editor"}


def editors_history() -> History:
    """Each of EDITORS edits "Alan Turing"; Alice reverts the last one. The first edit
    (361 bytes removed, reverted) has a section and a wikilink in its summary."""
    history = History("Alan Turing")
    history.edit("Alice", "2025-01-01T00:00:00Z", 1000)
    history.edit(EDITORS[0], "2025-02-01T00:00:00Z", 639, tags=tuple(TAG_LABELS))
    history.rows[-1]["comment"] = "/* Etymology */ removed [[promotional]] wording"
    for i, name in enumerate(EDITORS[1:], 2):
        history.edit(name, f"2025-02-0{i}T00:00:00Z", 1100 + i)
    history.edit("Alice", "2025-03-01T00:00:00Z", reverts=1)
    return history


@pytest.fixture
def stored(settings: Settings, db: Database) -> Iterator[httpx.Client]:
    """The app over a database holding `editors_history` and its wiki's tag names (wiki
    `en`; only pages that never ask the wiki are visited)."""
    editors_history().store(db)
    with db.write() as conn:
        names = orjson.dumps(TAG_LABELS).decode()
        conn.execute(update(Wiki).where(Wiki.key == "en").values(tag_names=names))
    with LiveServer(create_app(settings, worker=False)) as live:
        with httpx.Client(base_url=live.url, timeout=30) as http:
            yield http


@pytest.mark.parametrize("name", EDITORS)
def test_editor_page_and_json_take_underscores_for_spaces(stored: httpx.Client, name: str) -> None:
    # MediaWiki's user names are titles: `Maple_of_the_Elm_38` is `Maple of the Elm 38`.
    for typed in {name, name.replace(" ", "_"), f"_{name.replace(' ', '__')}_"}:
        page = stored.get(f"/editor/en/{quote(typed, safe='')}")
        assert page.status_code == 200, typed
        assert f'<h1 id="editor-name"><bdi>{escape(name)}</bdi></h1>' in page.text
        profile = stored.get(f"/api/editors/en/{quote(typed, safe='')}")
        assert profile.status_code == 200, typed
        assert profile.json()["editor"]["name"] == name and profile.json()["totals"]["edits"] == 1
    missing = stored.get("/api/editors/en/Maple_of_the_Elm_39")
    assert missing.status_code == 404 and "“Maple of the Elm 39”" in missing.json()["detail"]


def test_editor_page_lists_edits_as_the_article_history_does(stored: httpx.Client) -> None:
    page = stored.get("/editor/en/Maple_of_the_Elm_38").text
    history = stored.get("/dashboard/en/Alan_Turing").text
    latest = stored.get("/api/editors/en/Maple_of_the_Elm_38").json()["latest"][0]
    assert latest["tag_labels"] == ["Reverted", "2017 wikitext editor"]
    revid = latest["revid"]
    edit = edit_item(page, revid)
    # The summary, size change and tags exactly as the history list shows them.
    assert edit_part(edit, "comment") == edit_part(edit_item(history, revid), "comment")
    assert (
        '<a class="autocomment" href="https://en.wikipedia.org/wiki/Alan_Turing#Etymology"' in edit
    )
    assert '>→Etymology:</a> removed <a class="wikilink"' in edit
    assert "/*" not in edit and "[[" not in edit
    assert '<span class="delta down" title="639 bytes after">−361</span>' in edit
    assert '<span class="tag" title="mw-reverted">Reverted</span>' in edit
    assert '<span class="tag" title="visualeditor-wikitext">2017 wikitext editor</span>' in edit
    assert '<a class="wiki-diff"' in edit and 'data-title="Alan Turing"' in edit
    assert 'id="editor-edits" data-wiki="en"' in page and "/editor.js" in page


def edit_item(html: str, revid: int) -> str:
    """The `<li>` of the edit `revid` in a list of edits."""
    found = re.search(rf'<li class="[^"]*" data-revid="{revid}".*?</li>', html, re.S)
    assert found is not None, revid
    return found.group(0)


def edit_part(item: str, part: str) -> str:
    found = re.search(rf'<p class="{part}".*?</p>', item, re.S)
    assert found is not None, part
    return found.group(0)


def test_compare_shows_two_analysed_articles_side_by_side(client: httpx.Client, key: str) -> None:
    analysed(client, "Synthetic 700")
    analysed(client, "Synthetic 300")
    page = client.get("/compare", params={"wiki": key, "a": "Synthetic 700", "b": "synthetic_300"})
    assert page.status_code == 200
    assert 'id="compare-table"' in page.text and 'id="chart-compare_edits"' in page.text
    chart = re.search(r'class="chart-data"[^>]*>(.*?)</script>', page.text, re.S)
    assert chart is not None
    traces = orjson.loads(chart.group(1))["figure"]["data"]
    assert [t["name"] for t in traces] == ["Synthetic 700", "Synthetic 300"]
    assert sum(traces[0]["y"]) == 700 and sum(traces[1]["y"]) == 300


def test_compare_says_where_a_redirect_led_and_when_both_are_one_article(
    client: httpx.Client, key: str
) -> None:
    # A review: `a=Alan Turing&b=Turing` compared the article with itself without a word.
    analysed(client, "Cafe")  # a redirect to Café: both titles now find it
    same = client.get("/compare", params={"wiki": key, "a": "café", "b": "Cafe"}).text
    assert 'id="compare-table"' in same
    assert "“café” and “Cafe” both lead to “Café”: this compares the article with itself." in (
        html.unescape(same)
    )
    assert html.unescape(same).count('class="muted redirected">from “Cafe”') == 1  # café: its own
    analysed(client, "Synthetic 300")
    apart = client.get("/compare", params={"wiki": key, "a": "Synthetic_300", "b": "Cafe"}).text
    assert 'id="same-article"' not in apart and "redirected" in apart


def test_compare_says_which_article_is_not_analysed_yet(client: httpx.Client, key: str) -> None:
    analysed(client, "Synthetic 300")
    page = client.get("/compare", params={"wiki": key, "a": "Synthetic 300", "b": "Synthetic 12"})
    assert page.status_code == 200 and 'id="not-analysed-1"' in page.text
    assert (
        f'href="/wiki/{key}/Synthetic_12"' in page.text and 'data-title="Synthetic 12"' in page.text
    )
    assert 'id="start-comparison"' in page.text  # the button that analyses it (no JS needed)
    assert 'id="chart-compare_edits"' not in page.text
    form = client.get("/compare")
    assert form.status_code == 200 and 'id="compare-form"' in form.text
    assert client.get("/compare", params={"wiki": "not a wiki", "a": "X"}).status_code == 422


def test_compare_analyses_what_it_needs_then_compares(client: httpx.Client, key: str) -> None:
    analysed(client, "Synthetic 300")
    params = {"wiki": key, "a": "Synthetic 300", "b": "Synthetic 13"}
    started = client.post("/compare", data=params)
    assert started.status_code == 303
    assert (
        started.headers["location"]
        == "/compare?wiki=" + key + "&a=Synthetic%20300&b=Synthetic%2013"
    )
    page = client.get(started.headers["location"]).text
    # Its job is followed (data-job-url), or it has finished already.
    assert "data-job-url=" in page or 'id="compare-table"' in page
    analysed(client, "Synthetic 13")  # joins the same job and waits for it
    done = client.get("/compare", params=params).text
    assert 'id="compare-table"' in done and 'id="pending"' not in done


def test_compare_starts_nothing_for_an_invalid_title(client: httpx.Client, key: str) -> None:
    analysed(client, "Synthetic 300")
    params = {"wiki": key, "a": "Synthetic 300", "b": "<img src=x>"}
    page = client.get("/compare", params=params).text
    assert "is not a valid title" in page and 'id="start-comparison"' not in page
    assert "<img src=x>" not in page
    assert client.post("/compare", data=params).status_code == 303


def test_compare_of_a_missing_article_says_so_in_plain_words(
    client: httpx.Client, key: str
) -> None:
    params = {"wiki": key, "a": "Synthetic 300", "b": "Coffe"}  # no such article
    answer = client.post("/compare", data=params, headers={"Accept": "text/html"})
    assert answer.status_code == 404, answer.text[:300]
    assert "Coffe" in answer.text and "Coffee" in answer.text  # named, with a suggestion
    assert "Traceback" not in answer.text


# -- hostile strings -------------------------------------------------------------------

HOSTILE_TITLE = "Q&A \"quoted\" 'title'"


def hostile_history() -> History:
    """Every hostile user name of the simulator among the top editors and in an edit
    war, with its hostile edit summaries."""
    history = History(HOSTILE_TITLE)
    history.edit("Alice", "2020-01-01T00:00:00Z", 100)
    for i, name in enumerate(HOSTILE_USERS):
        history.edit(name, f"2020-02-0{i + 1}T00:00:00Z", 200 + i)
        history.edit(name, f"2020-02-0{i + 1}T01:00:00Z", 300 + i)
        history.edit("Alice", f"2020-02-0{i + 1}T02:00:00Z", reverts=1)
    for i, name in enumerate(HOSTILE_USERS):  # a war: reverts back and forth on 1 March
        history.edit(name, f"2020-03-01T0{i}:00:00Z", reverts=1)
    for row, comment in zip(history.rows, HOSTILE_COMMENTS * 4, strict=False):
        row["comment"] = comment
    return history


def assert_escaped(html: str, strings: tuple[str, ...], *, shown: bool = True) -> None:
    for raw in strings:
        if raw != str(escape(raw)):
            assert raw not in html, raw
        if shown:
            assert str(escape(raw)) in html, raw


@pytest.fixture
def hostile(settings: Settings, db: Database) -> Iterator[httpx.Client]:
    """The app over a database holding the hostile history (on wiki `en`: only pages
    that never ask the wiki are visited)."""
    hostile_history().store(db)
    with LiveServer(create_app(settings, worker=False)) as live:
        with httpx.Client(base_url=live.url, timeout=30) as http:
            yield http


def test_hostile_strings_are_escaped_on_the_dashboard(hostile: httpx.Client) -> None:
    slug = quote(HOSTILE_TITLE.replace(" ", "_"))
    html = hostile.get(f"/dashboard/en/{slug}").text
    assert 'id="top-editors"' in html
    assert_escaped(html, HOSTILE_USERS)
    assert_escaped(html, (HOSTILE_TITLE,))
    for data in re.findall(r'class="chart-data"[^>]*>(.*?)</script>', html, re.S):
        assert "<" not in data and ">" not in data  # names travel as \u003c in chart JSON


def test_hostile_strings_are_escaped_on_editor_pages(hostile: httpx.Client) -> None:
    for name in HOSTILE_USERS:
        page = hostile.get(f"/editor/en/{quote(name, safe='')}")
        assert page.status_code == 200, name
        assert_escaped(page.text, (name, HOSTILE_TITLE))
        assert_escaped(page.text, HOSTILE_COMMENTS, shown=False)
        assert (
            hostile.get(f"/api/editors/en/{quote(name, safe='')}").json()["editor"]["name"] == name
        )


def test_hostile_strings_are_escaped_on_the_compare_page(hostile: httpx.Client) -> None:
    asked = "<img src=x onerror=alert(1)>"
    page = hostile.get("/compare", params={"wiki": "en", "a": HOSTILE_TITLE, "b": asked})
    assert page.status_code == 200
    assert_escaped(page.text, (HOSTILE_TITLE, asked))
    assert_escaped(page.text, HOSTILE_USERS, shown=False)


def test_hostile_strings_reach_the_csv_as_plain_cells(hostile: httpx.Client) -> None:
    slug = quote(HOSTILE_TITLE.replace(" ", "_"))
    response = hostile.get(f"/api/pages/en/{slug}/revisions.csv")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert {r["user"] for r in rows} == {"Alice", *HOSTILE_USERS}
    assert {r["comment"] for r in rows} == set(HOSTILE_COMMENTS)
