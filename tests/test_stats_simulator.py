"""The figures of a simulated page against its ground truth.

`Synthetic 3000` is fetched over HTTP from the simulator and ingested as in production
(`start_analysis` + `run_job`); the expected values are computed here from
`SyntheticHistory.iter()`, the revisions exactly as the API serves them, without the
database or ingest's derived columns.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from statistics import median
from typing import Any

import pytest
from iptocc import country_code

from wikivice.analyses import start_analysis
from wikivice.runner import run_job
from wikivice.runtime import Runtime
from wikivice.settings import Settings
from wikivice.simulator import Simulator, SimulatorServer
from wikivice.simulator.editors import BOTS
from wikivice.stats import page_figures
from wikivice.wikis import parse_wiki

ANCHOR = datetime(2026, 1, 1, tzinfo=UTC)
NOW = ANCHOR.timestamp()
TITLE = "Synthetic 3000"
REVERT_TAGS = {"mw-undo", "mw-rollback", "mw-manual-revert"}


@pytest.fixture(scope="module")
def server() -> Iterator[SimulatorServer]:
    with SimulatorServer(Simulator(anchor=ANCHOR)) as running:
        yield running


@pytest.fixture
def figures(server: SimulatorServer, settings: Settings) -> dict[str, Any]:
    rt = Runtime.create(settings)
    try:
        analysis = start_analysis(rt, parse_wiki(server.api_url), TITLE, enqueue=False)
        assert analysis.job_id is not None
        assert run_job(rt, analysis.job_id, threading.Event()) is not None
        with rt.db.read() as conn:
            return page_figures(conn, analysis.page.id, NOW)
    finally:
        rt.close()


@pytest.fixture(scope="module")
def truth(server: SimulatorServer) -> list[dict[str, Any]]:
    history = server.sim.history(TITLE)
    assert history is not None
    return list(history.iter())


def ts(rev: dict[str, Any]) -> int:
    return int(
        datetime.strptime(rev["timestamp"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp()
    )


def kind(rev: dict[str, Any]) -> str:
    if rev.get("userhidden"):
        return "hidden"
    if rev.get("anon"):
        return "anon"
    if rev.get("temp") or rev["user"].startswith("~2"):
        return "temp"
    return "bot" if rev["user"] in BOTS else "user"


def test_simulated_counts_match_the_ground_truth(
    figures: dict[str, Any], truth: list[dict[str, Any]]
) -> None:
    kinds = Counter(kind(r) for r in truth)
    named = {r["user"] for r in truth if "user" in r}
    assert figures["edits"] == len(truth) == 3000
    assert figures["editors"] == len(named)
    assert figures["ip_edits"] == kinds["anon"]
    assert figures["temp_edits"] == kinds["temp"]
    assert figures["bot_edits"] == kinds["bot"]
    assert figures["hidden_user_edits"] == kinds["hidden"]
    assert figures["ip_editors"] == len({r["user"] for r in truth if kind(r) == "anon"})
    assert figures["minor_edits"] == sum(bool(r.get("minor")) for r in truth)
    assert kinds["anon"] > 0 and kinds["bot"] > 0  # the page exercises what it checks


def test_simulated_edges_and_sizes_match(
    figures: dict[str, Any], truth: list[dict[str, Any]]
) -> None:
    assert figures["first_edit"]["revid"] == truth[0]["revid"]
    assert figures["last_edit"]["revid"] == truth[-1]["revid"]
    assert figures["current_size"] == truth[-1]["size"]
    gaps = [ts(b) - ts(a) for a, b in zip(truth, truth[1:], strict=False)]
    assert figures["median_interval"] == median(gaps)
    deltas = [
        (b["size"] - a["size"], ts(b), b["revid"]) for a, b in zip(truth, truth[1:], strict=False)
    ]
    largest = max(deltas, key=lambda d: (d[0], -d[1], -d[2]))
    assert (figures["largest_addition"]["delta"], figures["largest_addition"]["revid"]) == (
        largest[0],
        largest[2],
    )
    years = Counter(datetime.fromtimestamp(ts(r), UTC).year for r in truth)
    assert {y["year"]: y["edits"] for y in figures["years"]} == dict(years)
    last_of_year = {datetime.fromtimestamp(ts(r), UTC).year: r["size"] for r in truth}
    assert {y["year"]: y["size"] for y in figures["years"]} == last_of_year


def test_simulated_heatmap_and_top_editor_match(
    figures: dict[str, Any], truth: list[dict[str, Any]]
) -> None:
    cells = Counter(
        (datetime.fromtimestamp(ts(r), UTC).weekday(), datetime.fromtimestamp(ts(r), UTC).hour)
        for r in truth
    )
    grid = figures["heatmap"]["edits"]
    assert {(d, h): grid[d][h] for d in range(7) for h in range(24) if grid[d][h]} == dict(cells)
    counts = Counter(r["user"] for r in truth if "user" in r)
    top = figures["top_editors"]["by_edits"][0]
    assert top["edits"] == max(counts.values())
    assert counts[top["name"]] == top["edits"]


def test_simulated_reverts_match_the_identity_rule(
    figures: dict[str, Any], truth: list[dict[str, Any]]
) -> None:
    # A revision restoring the text of one of the 15 before it (the nearest such, and
    # not the one just before: that is a null edit), or tagged as a revert.
    reverts = 0
    for i, rev in enumerate(truth):
        window = [r.get("sha1") for r in truth[max(0, i - 15) : i]]
        sha1 = rev.get("sha1")
        identity = False
        if sha1 is not None and sha1 in window:
            nearest = len(window) - 1 - window[::-1].index(sha1)
            identity = nearest < len(window) - 1
        reverts += identity or bool(REVERT_TAGS & set(rev["tags"]))
    assert figures["reverts"] == reverts > 0


def test_simulated_countries_match_iptocc(
    figures: dict[str, Any], truth: list[dict[str, Any]]
) -> None:
    ips = [r["user"] for r in truth if kind(r) == "anon"]
    located = Counter(code for code in country_code(ips) if code)
    by_country = {c["code"]: c["edits"] for c in figures["countries"]["by_country"]}
    assert by_country == dict(located)
    assert figures["countries"]["ip_edits"] == len(ips)
