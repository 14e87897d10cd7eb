"""The history explorer over a real uvicorn and the simulator: its JSON API (pages,
filters against the simulator's own rows, 422s, hostile input), the article page's
server-rendered first page, and the diff after a hidden text (issue 12 parts 3 and 4)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx
import pytest
from markupsafe import escape
from sqlalchemy import update

from support import read_events
from wikivice.settings import Settings
from wikivice.simulator import SimulatorServer
from wikivice.simulator.lists import TAG_DISPLAY_NAMES
from wikivice.store.database import Database
from wikivice.store.models import Revision


def analysed(client: httpx.Client, title: str) -> str:
    body = client.post("/api/analyses", json={"title": title}).json()
    if body["events_url"]:
        assert read_events(client, body["events_url"])[-1].event == "done"
    page = body["page"]
    return f"/api/pages/{quote(page['wiki'], safe=':')}/{page['title'].replace(' ', '_')}"


def truth_rows(simulator: SimulatorServer, title: str) -> list[dict[str, Any]]:
    """The simulator's own rows, newest first."""
    history = simulator.sim.history(title)
    assert history is not None
    return list(reversed(history.rows(0, history.count)))


def every(client: httpx.Client, url: str, **params: Any) -> list[dict[str, Any]]:
    """Every revision the API lists for `params`, page after page."""
    found: list[dict[str, Any]] = []
    body = client.get(url, params={**params, "limit": 200}).json()
    found += body["revisions"]
    while body["older_url"]:
        body = client.get(body["older_url"]).json()
        found += body["revisions"]
    return found


def test_history_lists_every_revision_newest_first_page_by_page(
    client: httpx.Client, simulator: SimulatorServer
) -> None:
    api = analysed(client, "Synthetic 700") + "/revisions"
    truth = truth_rows(simulator, "Synthetic 700")
    first = client.get(api).json()
    assert [r["revid"] for r in first["revisions"]] == [r["revid"] for r in truth[:50]]
    assert first["newer"] is None and first["older"] is not None
    second = client.get(api, params={"before": first["older"]}).json()
    assert [r["revid"] for r in second["revisions"]] == [r["revid"] for r in truth[50:100]]
    back = client.get(api, params={"after": second["newer"]}).json()
    assert back["revisions"] == first["revisions"]
    assert [r["revid"] for r in every(client, api)] == [r["revid"] for r in truth]
    newest = first["revisions"][0]
    assert newest["diff_url"].endswith(f"diff={truth[0]['revid']}")
    assert newest["timestamp"] == truth[0]["timestamp"]


@pytest.mark.parametrize(
    ("params", "keep"),
    [
        ({"kind": "anon"}, lambda r: "anon" in r),
        (
            {"kind": ["anon", "bot"]},
            lambda r: (
                "anon" in r
                or r.get("user", "").endswith("Bot")
                or r.get("user") in ("ClueBot NG", "AnomieBOT", "Citation bot")
            ),
        ),  # fmt: skip
        ({"tag": "mw-rollback"}, lambda r: "mw-rollback" in r["tags"]),
        ({"min_change": 1000}, None),
        ({"q": "RV"}, lambda r: "rv" in (r.get("comment") or "").lower()),
        ({"from": "2020-01-01", "to": "2020-12-31"}, lambda r: r["timestamp"].startswith("2020")),
    ],
)
def test_history_filters_match_the_wikis_rows(
    client: httpx.Client, simulator: SimulatorServer, params: dict[str, Any], keep: Any
) -> None:
    api = analysed(client, "Synthetic 700") + "/revisions"
    truth = truth_rows(simulator, "Synthetic 700")
    found = every(client, api, **params)
    if keep is None:  # size change: against the sizes the wiki listed
        sizes = {r["revid"]: r["size"] for r in truth}
        keep = lambda r: r["size"] - sizes.get(r["parentid"], 0) >= 1000  # noqa: E731
    expected = [r["revid"] for r in truth if keep(r)]
    if params.get("kind") == ["anon", "bot"]:  # bots by the wiki's bot list, not by name
        assert {r["kind"] for r in found} <= {"anon", "bot"}
        assert {r["revid"] for r in found} >= {r["revid"] for r in truth if "anon" in r}
        return
    assert [r["revid"] for r in found] == expected and expected


def test_history_tags_carry_the_wikis_display_names_as_text(client: httpx.Client) -> None:
    api = analysed(client, "Synthetic 700") + "/revisions"
    labels = {t["name"]: t["label"] for r in every(client, api) for t in r["tags"]}
    assert labels["mw-manual-revert"] == "Manual revert"
    assert labels["visualeditor"] == "Visual edit"  # a link in the wiki's HTML
    assert labels["wikieditor"] == "wikieditor"  # hidden there: its name
    for name, label in labels.items():
        assert "<" not in label and ">" not in label, name
        assert name in TAG_DISPLAY_NAMES


# Every filter refused, said in the words of the article page's form (its labels), for
# the JSON API and the page alike.
LOST = "does not lead to a page of this history: go back to its first page."
REFUSALS = [
    ({"kind": "robot"}, "“Editors” must be one of user, bot, anon, temp, hidden."),
    ({"reverts": "maybe"}, "“Reverts” must be one of reverted, revert, any, none."),
    ({"min_change": "ten"}, "“Size change at least” must be a whole number."),
    ({"min_change": "1.5"}, "“Size change at least” must be a whole number."),
    ({"max_change": "abc"}, "“Size change at most” must be a whole number."),
    ({"max_change": str(10**12)}, "“Size change at most” must be at most 100,000,000."),
    ({"min_change": str(-(10**12))}, "“Size change at least” must be at least −100,000,000."),
    (
        {"min_change": 100, "max_change": -100},
        "“Size change at least” (100) is more than “at most” (−100).",
    ),
    ({"from": "2020-13-01"}, "“From” must be a day, as YYYY-MM-DD (2024-01-31)."),
    ({"to": "yesterday"}, "“To” must be a day, as YYYY-MM-DD (2024-01-31)."),
    ({"from": "2021-01-01", "to": "2020-01-01"}, "“From” (2021-01-01) is after “To” (2020-01-01)."),
    ({"before": "yesterday"}, f"“Older →” {LOST}"),
    ({"after": "9" * 61}, f"“← Newer” {LOST}"),
    ({"before": "1-1", "after": "2-2"}, "Ask for older revisions or newer ones, not both."),
    ({"limit": 0}, "“Revisions per page” must be at least 1."),
    ({"limit": 501}, "“Revisions per page” must be at most 500."),
    ({"q": "a\x00b"}, "“Summary contains” cannot contain a NUL character."),
    ({"q": "x" * 256}, "“Summary contains” can be at most 255 characters long."),
    ({"editor": "x" * 300}, "“Editor” can be at most 255 characters long."),
    ({"tag": "a\x00b"}, "“Tag” cannot contain a NUL character."),
    (
        {"min_change": "x", "to": "y"},
        "“Size change at least” must be a whole number. “To” must be a day, as YYYY-MM-DD "
        "(2024-01-31).",
    ),
]


def test_history_refuses_invalid_filters_with_422_in_plain_words(client: httpx.Client) -> None:
    api = analysed(client, "Synthetic 300") + "/revisions"
    for params, says in REFUSALS:
        response = client.get(api, params=params)
        assert response.status_code == 422, params
        assert response.json() == {"detail": says, "suggestions": []}, params  # ErrorOut


def test_article_page_says_refused_filters_in_plain_words(client: httpx.Client, key: str) -> None:
    analysed(client, "Synthetic 300")
    for params, says in REFUSALS:
        page = client.get(f"/wiki/{key}/Synthetic_300", params=params)
        assert page.status_code == 200, params
        said = f'id="history-error" role="alert">These filters cannot be used: {escape(says)}</p>'
        assert said in page.text, params


def test_history_refuses_a_bad_title_as_any_route_does(client: httpx.Client, key: str) -> None:
    # Only the query string is said in the form's words: the path is no field of it.
    response = client.get(f"/api/pages/{key}/{'T' * 256}/revisions", params={"limit": 0})
    assert response.status_code == 422 and response.json()["detail"].startswith("path.title")


@pytest.mark.parametrize(
    "params",
    [
        {"q": "<script>alert(1)</script>"},
        {"q": "%_\\'\""},
        {"editor": "'; DROP TABLE revisions; --"},
        {"tag": '"]'},
        {"tag": "\U0001f600"},
        {"editor": "\u202eevil"},
        {"q": "\ud800"},  # a lone surrogate, sent as UTF-8 garbage
        {"from": "0001-01-01", "to": "9999-12-31"},  # the ends of the calendar
        {"before": f"{2**63 - 1}-{2**63 - 1}"},
    ],
)
def test_history_takes_hostile_filters_as_plain_text(
    client: httpx.Client, params: dict[str, str]
) -> None:
    api = analysed(client, "Synthetic 300") + "/revisions"
    query = "&".join(
        f"{k}={quote(v.encode('utf-8', 'surrogatepass'), safe='')}" for k, v in params.items()
    )
    response = client.get(f"{api}?{query}")
    assert response.status_code in (200, 422), response.text
    if response.status_code == 422:
        return
    for r in response.json()["revisions"]:  # `<script>` is one of the simulator's summaries
        assert params.get("q", "").lower() in (r["comment"] or "").lower()


def test_history_of_a_page_not_analysed_is_404(client: httpx.Client, key: str) -> None:
    response = client.get(f"/api/pages/{key}/Never_analysed/revisions")
    assert response.status_code == 404 and "not been analysed" in response.json()["detail"]


def test_history_is_in_the_openapi_schema_with_its_model(client: httpx.Client) -> None:
    schema = client.get("/openapi.json").json()
    operation = schema["paths"]["/api/pages/{wiki}/{title}/revisions"]["get"]
    names = {p["name"] for p in operation["parameters"]}
    assert {"before", "after", "editor", "kind", "tag", "reverts", "q", "from", "to"} <= names
    ok = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok["$ref"].endswith("/HistoryOut")


def test_article_page_renders_the_first_history_page_without_javascript(
    client: httpx.Client, key: str, simulator: SimulatorServer
) -> None:
    analysed(client, "Synthetic 700")
    truth = truth_rows(simulator, "Synthetic 700")
    html = client.get(f"/wiki/{key}/Synthetic_700").text
    assert 'id="history"' in html and 'method="get"' in html
    assert html.count('class="history-row') == 50
    assert f'data-revid="{truth[0]["revid"]}"' in html
    page = client.get(f"/wiki/{key}/Synthetic_700", params={"kind": "anon", "limit": 5}).text
    assert page.count('class="history-row') == 5
    assert "kind-anon" in page and 'href="/wiki/' in page and "before=" in page
    refused = client.get(f"/wiki/{key}/Synthetic_700", params={"min_change": "x"})
    assert refused.status_code == 200 and 'id="history-error"' in refused.text
    assert "“Size change at least” must be a whole number." in refused.text


def test_diff_after_a_hidden_text_says_so(
    client: httpx.Client, simulator: SimulatorServer, wiki_settings: Settings
) -> None:
    api = analysed(client, "Synthetic 700")
    rows = truth_rows(simulator, "Synthetic 700")[::-1]
    hidden = next(i for i, r in enumerate(rows) if "sha1hidden" in r)
    own = client.get(f"{api}/diffs/{rows[hidden]['revid']}")
    assert own.status_code == 200 and own.json()["hidden"] and own.json()["notice"]
    after = client.get(f"{api}/diffs/{rows[hidden + 1]['revid']}")
    assert after.status_code == 200
    body = after.json()
    assert body["parent_hidden"] and not body["hidden"] and body["lines"] == []
    assert "earlier text is hidden" in body["notice"]
    assert body["parent_revid"] == rows[hidden]["revid"]
    # Not known here (hidden on the wiki after the fetch): the wiki's answer says it.
    db = Database(wiki_settings.sqlalchemy_url)
    try:
        with db.write() as conn:
            conn.execute(
                update(Revision).where(Revision.revid == rows[hidden]["revid"]).values(hidden=0)
            )
    finally:
        db.dispose()
    asked = simulator.sim.stats.by_action.get("compare", 0)
    late = client.get(f"{api}/diffs/{rows[hidden + 1]['revid']}")
    assert late.status_code == 200 and late.json()["parent_hidden"]
    assert simulator.sim.stats.by_action.get("compare", 0) == asked + 1


def test_recent_edits_carry_summaries_as_links_and_tags_display_names(
    client: httpx.Client, simulator: SimulatorServer
) -> None:
    api = analysed(client, "Synthetic 2000")
    body = client.get(f"{api}/recent-edits").json()
    edits = body["edits"] + [body["incident"]]
    article = simulator.api_url.replace("/w/api.php", "/wiki/")
    linked = [e for e in edits if "[[" in (e["comment"] or "")]
    assert linked  # the incident: a revert's summary links the editor it reverted
    for edit in linked:
        assert any((p["href"] or "").startswith(article) for p in edit["summary"])
        assert "[[" not in "".join(p["text"] for p in edit["summary"] if p["href"])
    for edit in edits:
        labels = dict(zip(edit["tags"], edit["tag_labels"], strict=True))
        assert labels.get("mw-rollback", "Rollback") == "Rollback"
        assert all("<" not in label for label in labels.values())
