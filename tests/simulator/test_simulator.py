"""The simulator over real HTTP (uvicorn in a thread): api.php, rest.php, faults, controls;
and the shape of its package (an acyclic import graph, nothing else of wikivice)."""

from __future__ import annotations

import ast
import graphlib
import gzip
import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

import wikivice.simulator
from wikivice.simulator import REVID_STRIDE, FaultSpec, Simulator, SimulatorServer
from wikivice.simulator.editors import BOTS

ANCHOR = datetime(2026, 1, 1, tzinfo=UTC)
UA = "WikiViceTests/0.1 (https://example.org/wikivice; tests@example.org) httpx"
FULL = "ids|timestamp|user|userid|size|sha1|comment|flags|tags"


@pytest.fixture(scope="module")
def server() -> Iterator[SimulatorServer]:
    with SimulatorServer(Simulator(anchor=ANCHOR)) as running:
        yield running


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    with httpx.Client(headers={"User-Agent": UA}, timeout=30) as http:
        yield http


@pytest.fixture
def fresh() -> Iterator[SimulatorServer]:
    """A server of its own, for tests that change faults, latency or pages."""
    with SimulatorServer(Simulator(anchor=ANCHOR)) as running:
        yield running


def api(client: httpx.Client, server: SimulatorServer, **params: str) -> Any:
    response = client.get(server.api_url, params={"format": "json", "formatversion": "2", **params})
    assert response.status_code == 200, response.text
    return response.json()


def walk(client: httpx.Client, server: SimulatorServer, **params: str) -> tuple[list[Any], int]:
    """Follow `continue` to the end; return every revision and the request count."""
    revisions: list[Any] = []
    cont: dict[str, str] = {}
    requests = 0
    while True:
        data = api(client, server, action="query", prop="revisions", **params, **cont)
        requests += 1
        revisions += data["query"]["pages"][0].get("revisions", [])
        if "continue" not in data:
            assert data["batchcomplete"] is True
            return revisions, requests
        assert "batchcomplete" not in data
        cont = data["continue"]
        assert cont["continue"] == "||" and set(cont) == {"rvcontinue", "continue"}


def truth(server: SimulatorServer, title: str) -> list[dict[str, Any]]:
    history = server.sim.history(title)
    assert history is not None
    return list(history.iter())


@pytest.mark.parametrize("direction", ["newer", "older"])
def test_revisions_continuation_walks_every_revision_once(
    client: httpx.Client, server: SimulatorServer, direction: str
) -> None:
    revisions, requests = walk(
        client, server, titles="Synthetic 1234", rvlimit="100", rvdir=direction, rvprop=FULL
    )
    expected = truth(server, "Synthetic 1234")
    assert requests == 13
    assert revisions == (expected if direction == "newer" else expected[::-1])


def test_revisions_rvlimit_max_pages_by_500_and_reports_limits(
    client: httpx.Client, server: SimulatorServer
) -> None:
    data = api(
        client, server, action="query", prop="revisions", titles="Synthetic 2000",
        rvlimit="max", rvdir="newer", rvprop=FULL,
    )  # fmt: skip
    assert data["limits"] == {"revisions": 500}
    assert len(data["query"]["pages"][0]["revisions"]) == 500
    token = data["continue"]["rvcontinue"]
    nxt = truth(server, "Synthetic 2000")[500]
    stamp = nxt["timestamp"].replace("-", "").replace(":", "").replace("T", "").rstrip("Z")
    assert token == f"{stamp}|{nxt['revid']}"
    revisions, requests = walk(
        client, server, pageids="1002000", rvlimit="max", rvdir="newer", rvprop=FULL
    )
    assert requests == 4 and len({r["revid"] for r in revisions}) == 2000


def test_revisions_content_limit_is_50(client: httpx.Client, server: SimulatorServer) -> None:
    data = api(
        client, server, action="query", prop="revisions", titles="Café", rvlimit="max",
        rvprop="ids|size|content", rvslots="main",
    )  # fmt: skip
    assert data["limits"] == {"revisions": 50}
    revisions = data["query"]["pages"][0]["revisions"]
    assert len(revisions) == 50
    for rev in revisions:
        if "texthidden" not in rev:
            text = rev["slots"]["main"]["content"]
            assert len(text.encode()) == rev["size"]
    data = api(client, server, action="query", prop="revisions", titles="Café", rvlimit="80",
               rvprop="content")  # fmt: skip
    assert "rvlimit may not be over 50" in data["warnings"]["revisions"]["warnings"]


@pytest.mark.parametrize("direction", ["newer", "older"])
def test_revisions_start_and_startid_windows(
    client: httpx.Client, server: SimulatorServer, direction: str
) -> None:
    expected = truth(server, "Synthetic 3000")
    pivot, end = expected[1111], expected[2222]
    newer = direction == "newer"
    start, stop = (pivot, end) if newer else (end, pivot)
    by_time, _ = walk(
        client, server, titles="Synthetic 3000", rvlimit="200", rvdir=direction,
        rvstart=start["timestamp"], rvend=stop["timestamp"], rvprop="ids|timestamp",
    )  # fmt: skip
    lo, hi = start["timestamp"], stop["timestamp"]
    if not newer:
        lo, hi = hi, lo
    wanted = [r["revid"] for r in expected if lo <= r["timestamp"] <= hi]
    got = [r["revid"] for r in by_time]
    assert got == (wanted if newer else wanted[::-1])
    by_id, _ = walk(
        client, server, titles="Synthetic 3000", rvlimit="300", rvdir=direction,
        rvstartid=str(start["revid"]), rvendid=str(stop["revid"]), rvprop="ids",
    )  # fmt: skip
    ids = [r["revid"] for r in expected[1111:2223]]
    assert [r["revid"] for r in by_id] == (ids if newer else ids[::-1])


def test_revisions_rvprop_revids_and_rvuser(client: httpx.Client, server: SimulatorServer) -> None:
    expected = truth(server, "Synthetic 20000")
    hidden = next(r for r in expected if "userhidden" in r)
    anon = next(r for r in expected if r.get("anon"))
    data = api(
        client, server, action="query", prop="revisions", rvprop="ids|user",
        revids=f"{hidden['revid']}|{anon['revid']}|999",
    )  # fmt: skip
    assert data["query"]["badrevids"] == {"999": {"revid": 999, "missing": True}}
    got = sorted(
        data["query"]["pages"][0]["revisions"], key=lambda r: r["revid"] != hidden["revid"]
    )
    shown = {k: v for k, v in hidden.items() if k in ("revid", "parentid", "userhidden")}
    if hidden.get("suppressed"):
        shown["suppressed"] = True
    assert got[0] == shown
    assert got[1] == {k: anon[k] for k in ("revid", "parentid", "user", "anon")}
    latest = api(client, server, action="query", prop="revisions", titles="Synthetic 20000")
    assert set(latest["query"]["pages"][0]["revisions"][0]) <= {
        "revid", "parentid", "minor", "user", "anon", "temp", "userhidden", "timestamp",
        "comment", "commenthidden", "suppressed",
    }  # fmt: skip
    user = expected[-1].get("user", "ClueBot NG")
    mine, _ = walk(
        client, server, titles="Synthetic 20000", rvuser=user, rvlimit="50", rvprop="ids|user"
    )
    assert [r["revid"] for r in mine] == [
        r["revid"] for r in reversed(expected) if r.get("user") == user
    ]


def test_query_normalizes_redirects_and_reports_missing_and_invalid(
    client: httpx.Client, server: SimulatorServer
) -> None:
    data = api(
        client, server, action="query", prop="info", redirects="1",
        titles="synthetic_500|Turing|Nope nope|Foo<bar>|talk:Coffee|S500",
    )  # fmt: skip
    q = data["query"]
    assert q["normalized"] == [
        {"fromencoded": False, "from": "synthetic_500", "to": "Synthetic 500"},
        {"fromencoded": False, "from": "talk:Coffee", "to": "Talk:Coffee"},
    ]
    assert q["redirects"] == [
        {"from": "Turing", "to": "Alan Turing"},
        {"from": "S500", "to": "Synthetic 500"},
    ]
    pages = q["pages"]
    assert pages[0] == {
        "ns": 0, "title": "Nope nope", "missing": True, "contentmodel": "wikitext",
        "pagelanguage": "en", "pagelanguagehtmlcode": "en", "pagelanguagedir": "ltr",
    }  # fmt: skip
    assert pages[1]["ns"] == 1 and pages[1]["missing"] is True
    assert pages[2] == {
        "title": "Foo<bar>",
        "invalidreason": 'The requested page title contains invalid characters: "<".',
        "invalid": True,
    }
    found = {p["title"]: p for p in pages[3:]}
    assert set(found) == {"Synthetic 500", "Alan Turing"}
    history = server.sim.history("Synthetic 500")
    assert history is not None
    assert found["Synthetic 500"]["lastrevid"] == history.latest_revid
    assert found["Synthetic 500"]["length"] == history.revision(499)["size"]
    assert found["Synthetic 500"]["pageid"] == 1_000_500
    plain = api(client, server, action="query", prop="info", titles="Turing")
    assert plain["query"]["pages"][0]["redirect"] is True


def test_errors_look_like_mediawiki(client: httpx.Client, server: SimulatorServer) -> None:
    cases = {
        "invalidparammix": {
            "action": "query",
            "prop": "revisions",
            "titles": "Coffee|Café",
            "rvlimit": "5",
        },
        "badcontinue": {
            "action": "query",
            "prop": "revisions",
            "titles": "Coffee",
            "rvlimit": "5",
            "rvcontinue": "nonsense",
        },
        "badvalue": {"action": "frobnicate"},
        "badinteger": {
            "action": "query",
            "prop": "revisions",
            "titles": "Coffee",
            "rvlimit": "lots",
        },
        "badtimestamp": {
            "action": "query",
            "prop": "revisions",
            "titles": "Coffee",
            "rvstart": "yesterday-ish",
        },
        "nosuchrevid": {"action": "compare", "fromrev": "42", "torelative": "prev"},
    }
    for code, params in cases.items():
        response = client.get(
            server.api_url, params={"format": "json", "formatversion": "2", **params}
        )
        assert response.status_code == 200
        assert response.headers["MediaWiki-API-Error"] == code
        body = response.json()
        assert body["error"]["code"] == code and body["error"]["info"]
        assert "docref" in body["error"] and body["servedby"]


def test_post_form_is_accepted(client: httpx.Client, server: SimulatorServer) -> None:
    response = client.post(
        server.api_url,
        data={
            "action": "query",
            "prop": "info",
            "titles": "Coffee",
            "format": "json",
            "formatversion": "2",
        },
    )
    assert response.json()["query"]["pages"][0]["pageid"] == 604727


def test_extracts_siteinfo_and_lists(client: httpx.Client, server: SimulatorServer) -> None:
    data = api(
        client, server, action="query", prop="extracts", exintro="1", explaintext="1",
        titles="Coffee", meta="siteinfo", siprop="general", list="allusers|random",
        augroup="bot", aulimit="max", rnnamespace="0", rnlimit="5",
    )  # fmt: skip
    q = data["query"]
    assert q["pages"][0]["extract"].startswith("Coffee is ")
    general = q["general"]
    assert general["sitename"] == "Simulated Wikipedia" and general["lang"] == "en"
    assert general["generator"] == "MediaWiki 1.46.0-simulator"
    assert general["articlepath"] == "/wiki/$1" and general["server"] == server.base_url
    assert {u["name"] for u in q["allusers"]} == set(BOTS)
    assert data["limits"] == {"allusers": 500}
    assert len(q["random"]) == 5 and all(r["ns"] == 0 for r in q["random"])
    assert "rncontinue" in data["continue"]


def test_recentchanges_are_newest_first_near_the_anchor(
    client: httpx.Client, server: SimulatorServer
) -> None:
    data = api(
        client, server, action="query", list="recentchanges", rcnamespace="0",
        rctype="edit|new", rcprop="title|timestamp|user|comment|sizes|ids", rclimit="50",
    )  # fmt: skip
    changes = data["query"]["recentchanges"]
    assert len(changes) == 50
    stamps = [c["timestamp"] for c in changes]
    assert stamps == sorted(stamps, reverse=True) and stamps[-1] > "2025-12"
    assert len({c["title"] for c in changes}) > 3
    first = changes[0]
    assert {
        "type",
        "ns",
        "title",
        "pageid",
        "revid",
        "old_revid",
        "rcid",
        "oldlen",
        "newlen",
    } <= set(first)
    more = api(
        client, server, action="query", list="recentchanges", rclimit="50",
        rccontinue=data["continue"]["rccontinue"], rcprop="ids|timestamp",
    )  # fmt: skip
    assert more["query"]["recentchanges"][0]["revid"] not in {c["revid"] for c in changes}


def test_opensearch_suggests_prefixes_and_typos(
    client: httpx.Client, server: SimulatorServer
) -> None:
    def search(text: str) -> list[Any]:
        return list(api(client, server, action="opensearch", search=text, limit="5", namespace="0"))

    found = search("Synthetc 500")
    assert found[0] == "Synthetc 500" and found[1][0] == "Synthetic 500"
    assert found[2] == [""] * len(found[1])
    assert found[3][0] == f"{server.base_url}/wiki/Synthetic_500"
    assert search("Coffe")[1] == ["Coffee"]
    assert search("turi")[1] == ["Alan Turing"]
    assert search("ac/")[3] == [f"{server.base_url}/wiki/AC/DC"]
    assert search("qqqqqqqq")[1] == []
    assert search("Synthetic nothing here")[1] == []  # no completions, and no error


def test_compare_renders_mediawiki_diff_rows(client: httpx.Client, server: SimulatorServer) -> None:
    history = server.sim.history("Coffee")
    assert history is not None
    revid = history.first_revid + 1500
    data = api(
        client, server, action="compare", fromrev=str(revid), torelative="prev",
        prop="diff|ids|title|user|comment|size",
    )  # fmt: skip
    compare = data["compare"]
    assert compare["torevid"] == revid and compare["fromrevid"] == revid - 1
    assert compare["totitle"] == "Coffee" and compare["tosize"] == history.revision(1500)["size"]
    body = compare["body"]
    if body:
        assert body.startswith("<tr>") and 'class="diff-lineno"' in body
        assert "diff-addedline" in body or "diff-deletedline" in body
        assert "<ref" not in body and "&lt;ref" in body  # wikitext is escaped
    wide = api(client, server, action="compare", fromrev=str(history.first_revid + 10),
               torev=str(history.first_revid + 400))["compare"]  # fmt: skip
    assert 'class="diffchange diffchange-inline"' in wide["body"]


def test_rest_history_counts(client: httpx.Client, server: SimulatorServer) -> None:
    base = f"{server.rest_url}/v1/page"
    history = server.sim.history("Synthetic 500")
    assert history is not None
    visible = sum(1 for r in history.iter() if "sha1hidden" not in r)
    response = client.get(f"{base}/Synthetic_500/history/counts/edits")
    assert response.json() == {"count": visible, "limit": False}
    assert "max-age=60" in response.headers["Cache-Control"]
    capped = client.get(f"{base}/Synthetic_40000/history/counts/edits")
    assert capped.json() == {"count": 30000, "limit": True}
    minor = client.get(f"{base}/Synthetic_2100/history/counts/minor")
    assert minor.status_code == 500
    assert minor.json()["errorKey"] == "rest-pagehistorycount-too-many-revisions"
    assert client.get(f"{base}/Synthetic_1990/history/counts/minor").status_code == 200
    slash = client.get(f"{base}/AC%2FDC/history/counts/edits")
    assert slash.status_code == 200 and 0 < slash.json()["count"] <= 900
    unencoded = client.get(f"{base}/AC/DC/history/counts/edits")
    assert unencoded.status_code == 404 and unencoded.json()["errorKey"] == "rest-no-match"
    missing = client.get(f"{base}/No_such_page/history/counts/edits")
    assert missing.status_code == 404
    assert missing.json() == {
        "messageTranslations": {"en": "The specified page (No_such_page) does not exist"},
        "errorKey": "rest-nonexistent-title",
        "httpCode": 404,
        "httpReason": "Not Found",
    }
    cafe = client.get(f"{base}/Caf%C3%A9/history/counts/bot").json()
    assert cafe["limit"] is False and cafe["count"] == history_count(server, "Café", "bot")
    assert client.get(f"{base}/Coffee/history/counts/nonsense").status_code == 400


def history_count(server: SimulatorServer, title: str, kind: str) -> int:
    history = server.sim.history(title)
    assert history is not None
    return history.rest_count(kind)


def test_user_agent_policy(server: SimulatorServer) -> None:
    params = {"action": "query", "meta": "siteinfo", "format": "json"}
    for agent in (
        "",
        "python-httpx/0.28.1",
        "curl/8.5.0",
        "python-requests/2.32",
        "Python-urllib/3.11",
    ):
        response = httpx.get(server.api_url, params=params, headers={"User-Agent": agent})
        assert response.status_code == 403, agent
        assert (
            "Please set a user-agent and respect our robot policy https://w.wiki/4wJS"
            in response.text
        )
    rest = httpx.get(f"{server.rest_url}/v1/page/Coffee/history/counts/edits")
    assert rest.status_code == 403
    ok = httpx.get(server.api_url, params=params, headers={"User-Agent": f"MyTool/1.0 {UA}"})
    assert ok.status_code == 200
    lenient = Simulator(anchor=ANCHOR, enforce_user_agent=False)
    with SimulatorServer(lenient) as other:
        assert httpx.get(other.api_url, params=params).status_code == 200


def test_gzip_is_honoured(client: httpx.Client, server: SimulatorServer) -> None:
    params = {
        "action": "query",
        "prop": "revisions",
        "titles": "Coffee",
        "rvlimit": "50",
        "format": "json",
        "formatversion": "2",
    }
    with client.stream(
        "GET", server.api_url, params=params, headers={"Accept-Encoding": "gzip"}
    ) as r:
        raw = b"".join(r.iter_raw())
        assert r.headers["Content-Encoding"] == "gzip"
    assert json.loads(gzip.decompress(raw))["query"]["pages"][0]["title"] == "Coffee"
    plain = client.get(server.api_url, params=params, headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers


def test_deep_request_in_a_million_revisions_is_fast(
    client: httpx.Client, server: SimulatorServer
) -> None:
    start = 2_000_000 * REVID_STRIDE + 990_001
    params = {
        "action": "query",
        "prop": "revisions",
        "titles": "Synthetic 1000000",
        "rvlimit": "max",
        "rvdir": "newer",
        "rvprop": FULL,
        "rvstartid": str(start),
    }
    started = time.perf_counter()
    data = api(client, server, **params)
    assert time.perf_counter() - started < 0.5
    revisions = data["query"]["pages"][0]["revisions"]
    assert revisions[0]["revid"] == start and len(revisions) == 500


# --- faults, latency, controls (each on a server of its own) -----------------------------
def get(client: httpx.Client, server: SimulatorServer, **params: str) -> httpx.Response:
    query = {"action": "query", "meta": "siteinfo", "format": "json", "formatversion": "2"}
    return client.get(server.api_url, params={**query, **params})


def test_fault_5xx_rotates_and_count_limits_it(
    client: httpx.Client, fresh: SimulatorServer
) -> None:
    fresh.sim.faults = FaultSpec.parse("5xx=1,count=3,retry_after=0")
    statuses = [get(client, fresh) for _ in range(4)]
    assert [r.status_code for r in statuses] == [503, 502, 500, 200]
    assert statuses[0].headers["Retry-After"] == "0"
    assert "Wikimedia Error" in statuses[1].text
    assert fresh.sim.stats.faults["5xx"] == 3


def test_fault_429_and_maxlag(client: httpx.Client, fresh: SimulatorServer) -> None:
    fresh.sim.faults = FaultSpec.parse("429=1,count=1,retry_after=2")
    limited = get(client, fresh)
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "2"
    fresh.sim.faults = FaultSpec.parse("maxlag=1")
    assert "error" not in get(client, fresh).json()  # only requests carrying maxlag
    lagged = get(client, fresh, maxlag="5")
    assert lagged.status_code == 200
    assert lagged.headers["Retry-After"] == "1" and lagged.headers["X-Database-Lag"] == "6"
    assert lagged.headers["MediaWiki-API-Error"] == "maxlag"
    error = lagged.json()["error"]
    assert error["code"] == "maxlag" and error["lag"] == 6 and error["host"] == "10.64.48.35"
    assert error["info"] == "Waiting for 10.64.48.35: 6 seconds lagged."


def test_fault_timeout_truncated_and_malformed(
    client: httpx.Client, fresh: SimulatorServer
) -> None:
    fresh.sim.faults = FaultSpec.parse("timeout=1,hang=5,count=1")
    with pytest.raises(httpx.ReadTimeout):
        client.get(fresh.api_url, params={"action": "query", "format": "json"}, timeout=0.3)
    fresh.sim.closing = True  # let the hanging handler go
    time.sleep(0.1)
    fresh.sim.closing = False
    fresh.sim.faults = FaultSpec.parse("truncated=1,count=1")
    with pytest.raises(httpx.RemoteProtocolError):
        client.get(
            fresh.api_url,
            params={"action": "query", "prop": "revisions", "titles": "Coffee", "rvlimit": "50"},
        )
    fresh.sim.faults = FaultSpec.parse("malformed=1,count=2")
    bodies = [get(client, fresh) for _ in range(2)]
    assert all(b.status_code == 200 for b in bodies)
    for body in bodies:
        with pytest.raises(ValueError):
            body.json()
    assert any("Wikimedia Error" in b.text for b in bodies)
    assert get(client, fresh).json()["batchcomplete"] is True
    assert fresh.sim.stats.faults_injected == 4


def test_faults_hit_rest_but_never_controls(client: httpx.Client, fresh: SimulatorServer) -> None:
    fresh.sim.faults = FaultSpec.parse("5xx=1")
    assert client.get(f"{fresh.rest_url}/v1/page/Coffee/history/counts/edits").status_code == 503
    assert client.get(f"{fresh.base_url}/_simulator/stats").status_code == 200
    response = client.post(f"{fresh.base_url}/_simulator/config", json={"faults": "", "latency": 0})
    assert response.json() == {"latency": 0.0, "faults": ""}
    assert get(client, fresh).status_code == 200


def test_latency_delays_every_answer_and_concurrency_is_counted(
    client: httpx.Client, fresh: SimulatorServer
) -> None:
    fresh.sim.latency = 0.2
    started = time.perf_counter()
    assert get(client, fresh).status_code == 200
    assert time.perf_counter() - started >= 0.2
    fresh.sim.reset_stats()
    fresh.sim.latency = 0.5  # wide enough for three requests to overlap on a busy machine
    ready = threading.Barrier(3)

    def one_request() -> None:
        with httpx.Client(headers={"User-Agent": UA}) as own:  # made before the barrier
            ready.wait(10)
            assert get(own, fresh).status_code == 200

    threads = [threading.Thread(target=one_request) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stats = fresh.sim.stats
    assert stats.requests == 3 and stats.max_concurrent == 3 and stats.in_flight == 0
    assert stats.by_action["query"] == 3 and stats.by_module["meta=siteinfo"] == 3


def test_controls_over_http(client: httpx.Client, fresh: SimulatorServer) -> None:
    base = f"{fresh.base_url}/_simulator"
    before = api(client, fresh, action="query", prop="info", titles="Synthetic 77")
    grown = client.post(f"{base}/grow", json={"title": "Synthetic 77", "count": 3}).json()
    assert grown == {"title": "Synthetic 77", "pageid": 1_000_077, "count": 80,
                     "lastrevid": 1_000_077 * REVID_STRIDE + 80}  # fmt: skip
    after = api(client, fresh, action="query", prop="info", titles="Synthetic 77")
    assert after["query"]["pages"][0]["lastrevid"] == before["query"]["pages"][0]["lastrevid"] + 3
    revisions, _ = walk(client, fresh, titles="Synthetic 77", rvlimit="max", rvprop="ids")
    assert len(revisions) == 80
    assert client.post(f"{base}/grow", json={"title": "Nope", "count": 1}).status_code == 404
    stats = client.get(f"{base}/stats").json()
    assert stats["requests"] == 3 and stats["by_endpoint"] == {"api": 3}
    assert client.post(f"{base}/reset-stats").json() == {"ok": True}
    assert client.get(f"{base}/stats").json()["requests"] == 0
    config = client.post(f"{base}/config", json={"faults": "429=0.5,seed=3"}).json()
    assert config["faults"].startswith("429=0.5")
    assert client.post(f"{base}/config", json={"faults": "bogus=1"}).status_code == 400


# --- the package's shape ----------------------------------------------------------------
PACKAGE = Path(wikivice.simulator.__file__).parent


def _module_name(path: Path) -> str:
    """`api`, `sub.mod`, or "" for the package itself (dotted, relative to PACKAGE)."""
    parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


class _Imports(ast.NodeVisitor):
    """Every import in one module, at any depth (functions included), except those under
    `if TYPE_CHECKING:`, which never run: absolute names, relative ones resolved."""

    def __init__(self, module: str, is_package: bool) -> None:
        here = module.split(".") if module else []
        self.package = here if is_package else here[:-1]
        self.names: list[str] = []  # "wikivice.simulator.api", "wikivice.timeline", ...

    def visit_If(self, node: ast.If) -> None:
        test = node.test
        name = test.id if isinstance(test, ast.Name) else getattr(test, "attr", "")
        for child in node.orelse if name == "TYPE_CHECKING" else [*node.body, *node.orelse]:
            self.visit(child)

    def visit_Import(self, node: ast.Import) -> None:
        self.names += [alias.name for alias in node.names]

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level == 0:
            base = node.module or ""
        else:
            up = self.package[: len(self.package) - (node.level - 1)]
            base = ".".join(["wikivice", "simulator", *up, *filter(None, [node.module])])
        self.names += [f"{base}.{alias.name}" for alias in node.names]


def _import_graph() -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """(the simulator modules each module imports, what it imports of the rest of wikivice).
    `from . import api` and `from .api import handle` both import `api`; the package's
    `__init__` counts only when a name is taken from it (it runs first in any case)."""
    paths = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    inside: dict[str, set[str]] = {}
    outside: dict[str, set[str]] = {}
    for name, path in paths.items():
        visitor = _Imports(name, path.name == "__init__.py")
        visitor.visit(ast.parse(path.read_text(), str(path)))
        inside[name], outside[name] = set(), set()
        for target in visitor.names:
            if target == "wikivice.simulator" or target.startswith("wikivice.simulator."):
                module = target.removeprefix("wikivice.simulator").lstrip(".")
                while module not in paths:  # `api.handle` is a name in module `api`
                    module = module.rpartition(".")[0]
                if module != name:
                    inside[name].add(module)
            elif target == "wikivice" or target.startswith("wikivice."):
                outside[name].add(target)
    return inside, outside


def test_imports_inside_the_package_form_no_cycle() -> None:
    inside, _ = _import_graph()
    assert {"api", "request", "app", "prop_revisions"} <= set(inside)  # the walk found them
    assert "request" in inside["api"]  # and their imports
    try:
        list(graphlib.TopologicalSorter(inside).static_order())
    except graphlib.CycleError as e:
        cycle = " imports ".join(reversed(e.args[1]))  # graphlib lists it importee first
        pytest.fail(f"an import cycle in wikivice.simulator: {cycle}")


def test_imports_reach_nothing_else_of_wikivice() -> None:
    """The simulator stands apart: the core imports it only for --demo, never the reverse."""
    _, outside = _import_graph()
    assert {name: found for name, found in outside.items() if found} == {}
