"""The simulator's formatversion=1 (MediaWiki's default), as mwclient 0.11 and raw clients
see it: the benchmark's "what a Python user would reach for" path."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import mwclient
import pytest
import requests

from wikivice.simulator import FaultSpec, SimulatorServer

UA = "WikiViceTests/0.1 (https://example.org/wikivice; tests@example.org)"
FULL = "ids|timestamp|user|userid|size|sha1|comment|flags|tags"
TITLE = "Synthetic 1234"


@pytest.fixture
def site(simulator: SimulatorServer) -> Iterator[Any]:
    wiki = mwclient.Site(
        f"127.0.0.1:{simulator.port}", path="/w/", scheme="http", clients_useragent=UA
    )
    yield wiki
    wiki.connection.close()


def raw(server: SimulatorServer, **params: str) -> httpx.Response:
    """A request as a formatversion-unaware client sends it: format=json, nothing more."""
    with httpx.Client(headers={"User-Agent": UA}) as client:
        response = client.get(server.api_url, params={"format": "json", **params})
    assert response.status_code == 200, response.text
    return response


def as_mwclient_sees_it(row: dict[str, Any]) -> dict[str, Any]:
    """A ground-truth (formatversion=2) row in formatversion=1 and after mwclient: flags
    present as "" only when true, the timestamp parsed."""
    out = {k: "" if v is True else v for k, v in row.items() if v is not False}
    out["timestamp"] = time.strptime(row["timestamp"], "%Y-%m-%dT%H:%M:%SZ")
    return out


def test_mwclient_walks_a_history_exactly(site: Any, simulator: SimulatorServer) -> None:
    assert site.version[:2] == (1, 46) and site.logged_in is False
    assert site.namespaces[1] == "Talk" and site.namespaces[4] == "Wikipedia"
    page = site.pages[TITLE]
    history = simulator.sim.history(TITLE)
    assert history is not None
    assert page.exists and page.pageid == history.pageid
    assert page.revision == history.latest_revid and page.protection == {}
    simulator.sim.reset_stats()
    got = [dict(r) for r in page.revisions(api_chunk_size=500, dir="newer", prop=FULL)]
    assert simulator.sim.stats.by_module["prop=revisions"] == 3  # 500 + 500 + 234
    expected = [as_mwclient_sees_it(row) for row in history.iter()]
    assert len(got) == 1234 and got == expected
    kinds = {k for row in got for k, v in row.items() if v == ""}
    assert kinds >= {"minor", "anon", "temp", "userhidden", "commenthidden", "sha1hidden"}
    assert not any(row.get("minor") is False for row in got)
    hidden = next(row for row in got if "userhidden" in row)
    assert "user" not in hidden and "userid" not in hidden


def test_mwclient_missing_page_does_not_exist(site: Any) -> None:
    missing = site.pages["No such page, really"]
    assert missing.exists is False and missing.pageid is None
    assert list(missing.revisions(api_chunk_size=500)) == []
    assert site.pages["Turing"].redirect is True


def test_mwclient_still_meets_the_user_agent_policy(simulator: SimulatorServer) -> None:
    with requests.Session() as bare:  # no clients_useragent: python-requests/x.y alone
        with pytest.raises(requests.HTTPError, match="403"):
            mwclient.Site(f"127.0.0.1:{simulator.port}", scheme="http", pool=bare)
    assert simulator.sim.stats.forbidden == 1


def test_formatversion_1_pages_are_keyed_and_booleans_are_empty_strings(
    simulator: SimulatorServer,
) -> None:
    response = raw(
        simulator, action="query", prop="info", inprop="protection",
        titles="Foo<bar>|synthetic_1234|Nope nope|Special:Random|Talk:Nope|Turing",
    )  # fmt: skip
    data = response.json()
    assert data["batchcomplete"] == ""
    q = data["query"]
    assert q["normalized"] == [{"from": "synthetic_1234", "to": TITLE}]
    pages = q["pages"]
    # ApiPageSet's fake ids: invalid first, then special, then missing by namespace.
    assert list(pages) == ["-3", "-4", "-1", "-2", "1001234", "90000001"]
    assert pages["-3"]["title"] == "Nope nope" and pages["-3"]["missing"] == ""
    assert pages["-3"]["restrictiontypes"] == ["create"]
    assert pages["-4"] == {**pages["-3"], "ns": 1, "title": "Talk:Nope"}
    assert pages["-1"]["invalid"] == "" and pages["-1"]["title"] == "Foo<bar>"
    assert pages["-2"] == {"ns": -1, "title": "Special:Random", "special": ""}
    assert pages["1001234"]["pageid"] == 1001234 and "missing" not in pages["1001234"]
    assert pages["1001234"]["protection"] == []
    assert pages["90000001"]["title"] == "Turing" and pages["90000001"]["redirect"] == ""
    v2 = httpx.get(
        simulator.api_url,
        params={"format": "json", "formatversion": "2", "action": "query", "titles": "Nope nope"},
        headers={"User-Agent": UA},
    ).json()
    assert v2["batchcomplete"] is True and v2["query"]["pages"][0]["missing"] is True


def test_formatversion_1_revisions_and_userinfo(simulator: SimulatorServer) -> None:
    history = simulator.sim.history(TITLE)
    assert history is not None
    response = raw(
        simulator, action="query", prop="revisions", titles=TITLE, rvlimit="500",
        rvprop=FULL, rvdir="newer", meta="userinfo", uiprop="groups|hasmsg",
    )  # fmt: skip
    assert response.content.isascii() and b"\\u" in response.content  # non-ASCII escaped
    data = response.json()
    assert data["continue"] == {"rvcontinue": data["continue"]["rvcontinue"], "continue": "||"}
    assert "batchcomplete" not in data
    assert data["query"]["userinfo"] == {"id": 0, "name": "127.0.0.1", "anon": "", "groups": ["*"]}
    revisions = data["query"]["pages"]["1001234"]["revisions"]
    truth = list(history.iter(0, 500))
    for got, row in zip(revisions, truth, strict=True):
        assert got == {k: "" if v is True else v for k, v in row.items() if v is not False}
    utf8 = raw(simulator, action="query", prop="revisions", titles=TITLE, rvlimit="500",
               rvprop=FULL, rvdir="newer", utf8="1")  # fmt: skip
    assert not utf8.content.isascii()
    assert utf8.json()["query"]["pages"] == data["query"]["pages"]
    content = raw(simulator, action="query", prop="revisions", titles=TITLE,
                  rvprop="content", rvslots="main").json()  # fmt: skip
    main = content["query"]["pages"]["1001234"]["revisions"][0]["slots"]["main"]
    assert main["*"] == history.content(history.count - 1) and "content" not in main


def test_formatversion_1_siteinfo_and_errors(simulator: SimulatorServer) -> None:
    site = raw(simulator, action="query", meta="siteinfo", siprop="general|namespaces").json()
    general, spaces = site["query"]["general"], site["query"]["namespaces"]
    assert general["generator"].startswith("MediaWiki 1.") and general["writeapi"] == ""
    assert "rtl" not in general and "readonly" not in general
    assert spaces["0"] == {"id": 0, "case": "first-letter", "content": "", "*": ""}
    assert spaces["1"]["*"] == "Talk" and spaces["1"]["subpages"] == ""
    error = raw(simulator, action="frobnicate")
    assert error.headers["MediaWiki-API-Error"] == "badvalue"
    assert set(error.json()["error"]) == {"code", "info", "*"}
    unknown = raw(simulator, action="query", formatversion="3")
    assert unknown.json()["error"]["code"] == "badvalue"
    assert "formatversion" in unknown.json()["error"]["info"]
    simulator.sim.faults = FaultSpec.parse("maxlag=1,count=1")  # the fixture resets it
    lagged = raw(simulator, action="query", meta="siteinfo", maxlag="5")
    assert lagged.headers["MediaWiki-API-Error"] == "maxlag"
    assert set(lagged.json()["error"]) == {"code", "host", "lag", "info", "type", "*"}
