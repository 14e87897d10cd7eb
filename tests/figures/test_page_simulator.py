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

import orjson
import pytest
from iptocc import country_code
from pydantic import TypeAdapter

from wikivice.figures.glance import RECENT
from wikivice.figures.page import page_figures
from wikivice.figures.types import PageFigures
from wikivice.jobs.analyses import start_analysis
from wikivice.jobs.runner import run_job
from wikivice.jobs.runtime import Runtime
from wikivice.settings import Settings
from wikivice.simulator import Simulator, SimulatorServer
from wikivice.simulator.editors import BOTS
from wikivice.store.revisions import REVERT_TAGS, REVERT_WINDOW, REVERTED_TAG
from wikivice.wiki.sites import parse_wiki

ANCHOR = datetime(2026, 1, 1, tzinfo=UTC)
NOW = ANCHOR.timestamp()
TITLE = "Synthetic 3000"


@pytest.fixture(scope="module")
def server() -> Iterator[SimulatorServer]:
    with SimulatorServer(Simulator(anchor=ANCHOR)) as running:
        yield running


@pytest.fixture
def figures(server: SimulatorServer, settings: Settings) -> PageFigures:
    rt = Runtime.create(settings.model_copy(update={"default_wiki": server.api_url}))
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
    figures: PageFigures, truth: list[dict[str, Any]]
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


def test_simulated_edges_and_sizes_match(figures: PageFigures, truth: list[dict[str, Any]]) -> None:
    assert figures["first_edit"]["revid"] == truth[0]["revid"]
    assert figures["last_edit"]["revid"] == truth[-1]["revid"]
    assert figures["current_size"] == truth[-1]["size"]
    gaps = [ts(b) - ts(a) for a, b in zip(truth, truth[1:], strict=False)]
    assert figures["median_interval"] == median(gaps)
    deltas = stood(truth)
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
    figures: PageFigures, truth: list[dict[str, Any]]
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
    figures: PageFigures, truth: list[dict[str, Any]]
) -> None:
    # A revision restoring the text of one of the 15 before it (the nearest such, and
    # not the one just before: that is a null edit), or tagged as a revert.
    reverts = 0
    for i, rev in enumerate(truth):
        window = [r.get("sha1") for r in truth[max(0, i - REVERT_WINDOW) : i]]
        sha1 = rev.get("sha1")
        identity = False
        if sha1 is not None and sha1 in window:
            nearest = len(window) - 1 - window[::-1].index(sha1)
            identity = nearest < len(window) - 1
        reverts += identity or bool(REVERT_TAGS & set(rev["tags"]))
    assert figures["reverts"] == reverts > 0


def test_simulated_countries_match_iptocc(
    figures: PageFigures, truth: list[dict[str, Any]]
) -> None:
    ips = [r["user"] for r in truth if kind(r) == "anon"]
    located = Counter(code for code in country_code(ips) if code)
    by_country = {c["code"]: c["edits"] for c in figures["countries"]["by_country"]}
    assert by_country == dict(located)
    assert figures["countries"]["ip_edits"] == len(ips)


def identity_reverts(truth: list[dict[str, Any]]) -> tuple[set[int], set[int]]:
    """(reverting revids, reverted revids) by the identity rule and the revert tags."""
    reverting: set[int] = set()
    reverted: set[int] = set()
    for i, rev in enumerate(truth):
        window = truth[max(0, i - REVERT_WINDOW) : i]
        shas = [r.get("sha1") for r in window]
        sha1 = rev.get("sha1")
        if sha1 is not None and sha1 in shas:
            nearest = len(shas) - 1 - shas[::-1].index(sha1)
            if nearest < len(shas) - 1:
                reverting.add(rev["revid"])
                reverted.update(r["revid"] for r in window[nearest + 1 :])
        if REVERT_TAGS & set(rev["tags"]):
            reverting.add(rev["revid"])
        if REVERTED_TAG in rev["tags"]:
            reverted.add(rev["revid"])
    return reverting, reverted


def stood(truth: list[dict[str, Any]]) -> list[tuple[int, int, int]]:
    """(size change, ts, revid) of every edit after the first that neither reverts nor
    was reverted: the candidates for the largest addition and removal."""
    reverting, reverted = identity_reverts(truth)
    left_out = reverting | reverted
    return [
        (b["size"] - a["size"], ts(b), b["revid"])
        for a, b in zip(truth, truth[1:], strict=False)
        if b["revid"] not in left_out
    ]


def test_simulated_shares_intervals_and_recent_edits_match(
    figures: PageFigures, truth: list[dict[str, Any]]
) -> None:
    n = len(truth)
    kinds = Counter(kind(r) for r in truth)
    assert figures["anonymous_share"] == round((kinds["anon"] + kinds["temp"]) / n, 6)
    assert figures["bot_share"] == round(kinds["bot"] / n, 6)
    assert figures["minor_share"] == round(sum(bool(r.get("minor")) for r in truth) / n, 6)
    assert figures["mean_interval"] == pytest.approx((ts(truth[-1]) - ts(truth[0])) / (n - 1))
    for name, seconds in RECENT.items():
        expected = sum(1 for r in truth if NOW - seconds < ts(r) <= NOW)
        assert figures["recent_edits"][name] == expected, name
    smallest = min(stood(truth), key=lambda d: (d[0], d[1], d[2]))
    assert figures["largest_removal"]["delta"] == smallest[0]
    everything = [b["size"] - a["size"] for a, b in zip(truth, truth[1:], strict=False)]
    assert min(everything) < smallest[0]  # a blanking, undone, is no largest removal


def test_simulated_concentration_matches(figures: PageFigures, truth: list[dict[str, Any]]) -> None:
    counts = sorted(Counter(r["user"] for r in truth if "user" in r).values())
    total, editors = sum(counts), len(counts)
    assert figures["top10_share"] == round(sum(counts[-10:]) / total, 6)
    top_tenth = max(1, -(-editors // 10))
    assert figures["top10pct_share"] == round(sum(counts[-top_tenth:]) / total, 6)
    gini = 2 * sum((i + 1) * x for i, x in enumerate(counts)) / (editors * total)
    assert figures["gini"] == pytest.approx(gini - (editors + 1) / editors, abs=1e-4)
    lorenz = figures["concentration"]["lorenz"]
    assert lorenz["editors"][-1] == 1.0 and lorenz["edits"][-1] == 1.0


def test_simulated_timeline_and_reverted_edits_match(
    figures: PageFigures, truth: list[dict[str, Any]]
) -> None:
    months = Counter(datetime.fromtimestamp(ts(r), UTC).strftime("%Y-%m") for r in truth)
    timeline = figures["timeline"]["months"]
    by_month = dict(zip(timeline["month"], timeline["edits"], strict=True))
    assert {m: c for m, c in by_month.items() if c} == dict(months)
    assert sum(timeline["bot"]) == Counter(kind(r) for r in truth)["bot"]
    reverting, reverted = identity_reverts(truth)
    assert figures["reverts"] == len(reverting)
    assert figures["reverted_edits"] == len(reverted)
    assert sum(timeline["reverts"]) == len(reverting)


def test_simulated_figures_are_page_figures_key_for_key(figures: PageFigures) -> None:
    adapter = TypeAdapter(PageFigures)
    checked = adapter.validate_python(figures, strict=True)
    assert orjson.dumps(adapter.dump_python(checked, mode="json")) == orjson.dumps(figures)
    assert figures["conflict"]["edit_wars"] and figures["countries"]["by_country"]
