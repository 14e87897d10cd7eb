"""Edit wars and vandalism undone on simulated pages, against their ground truth.

Each page is fetched over HTTP from the simulator and ingested as in production; the
expected figures are computed here, from the revisions exactly as the API serves them
(no database, no ingest), by the rules that figures/reverts.py and figures/conflict.py
document; and both are checked against what the simulator meant each revision to be
(`SyntheticHistory.intent`): its planned wars are the wars, its planned vandalism is
vandalism undone.
"""

from __future__ import annotations

import threading
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime
from statistics import median
from typing import Any, NamedTuple

import pytest

from wikivice.figures.page import page_figures
from wikivice.figures.reverts import MUCH_REMOVED, VANDALISM_MARKS
from wikivice.figures.types import PageFigures
from wikivice.jobs.analyses import start_analysis
from wikivice.jobs.runner import run_job
from wikivice.jobs.runtime import Runtime
from wikivice.settings import Settings
from wikivice.simulator import Simulator, SimulatorServer, SyntheticHistory
from wikivice.simulator.editors import BOTS
from wikivice.store.revisions import REVERT_TAGS, REVERT_WINDOW
from wikivice.wiki.sites import parse_wiki

ANCHOR = datetime(2026, 1, 1, tzinfo=UTC)
WINDOW = 24 * 3600
Row = dict[str, Any]


class Page(NamedTuple):
    figures: PageFigures
    rows: list[Row]
    history: SyntheticHistory


@pytest.fixture(scope="module")
def server() -> Iterator[SimulatorServer]:
    with SimulatorServer(Simulator(anchor=ANCHOR)) as running:
        yield running


@pytest.fixture(params=["Edit war", "Alan Turing", "Synthetic 3000"])
def page(request: pytest.FixtureRequest, server: SimulatorServer, settings: Settings) -> Page:
    title = request.param
    rt = Runtime.create(settings.model_copy(update={"default_wiki": server.api_url}))
    try:
        analysis = start_analysis(rt, parse_wiki(server.api_url), title, enqueue=False)
        assert analysis.job_id is not None
        assert run_job(rt, analysis.job_id, threading.Event()) is not None
        with rt.db.read() as conn:
            figures = page_figures(conn, analysis.page.id, ANCHOR.timestamp())
    finally:
        rt.close()
    history = server.sim.history(title)
    assert history is not None
    return Page(figures, list(history.iter()), history)


def ts(row: Row) -> int:
    """The revision's time in epoch seconds (kept in the row: the rules below ask often)."""
    if "_ts" not in row:
        when = datetime.strptime(row["timestamp"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        row["_ts"] = int(when.timestamp())
    return int(row["_ts"])


def kind(row: Row) -> str:
    if row.get("userhidden"):
        return "hidden"
    if row.get("anon"):
        return "anon"
    if row.get("temp") or row["user"].startswith("~2"):
        return "temp"
    return "bot" if row["user"] in BOTS else "user"


def undo_pairs(rows: list[Row]) -> list[tuple[int, int]]:
    """(revert index, undone index): an identity revert undoes the revisions after the
    nearest earlier one with its sha1 (within 15, not the one just before), each edit
    only by the first revert to undo it; a revert known only by its tag, its parent."""
    undone_by: dict[int, int] = {}
    pairs: list[tuple[int, int]] = []
    for i, row in enumerate(rows):
        shas = [r.get("sha1") for r in rows[max(0, i - REVERT_WINDOW) : i]]
        start = i - len(shas)
        found = []
        if row.get("sha1") is not None and row["sha1"] in shas:
            nearest = len(shas) - 1 - shas[::-1].index(row["sha1"])
            if nearest < len(shas) - 1:
                found = [start + n for n in range(nearest + 1, len(shas))]
                found = [n for n in found if undone_by.setdefault(n, i) == i]
        if not found and REVERT_TAGS & set(row["tags"]) and i:
            found = [i - 1]
        pairs.extend((i, n) for n in found)
    return pairs


def vandalism(rows: list[Row], revert: int, undone: int) -> bool:
    by, edit = rows[revert], rows[undone]
    if edit.get("user") is not None and edit.get("user") == by.get("user"):
        return False
    if kind(by) == "bot":
        return True
    if any(mark in tag.lower() for tag in edit["tags"] for mark in VANDALISM_MARKS):
        return True
    removed = (rows[undone - 1]["size"] if undone else 0) - edit["size"]
    return kind(edit) in ("anon", "temp") and (
        "mw-rollback" in by["tags"] or removed >= MUCH_REMOVED or 0 < removed >= edit["size"]
    )


def acts_of_vandalism(rows: list[Row]) -> dict[int, int]:
    """Undone edit → the first revert that undid it, for the acts of vandalism."""
    acts: dict[int, int] = {}
    for revert, undone in undo_pairs(rows):
        if vandalism(rows, revert, undone):
            acts.setdefault(undone, revert)
    return acts


def wars(rows: list[Row]) -> list[list[tuple[int, str, str]]]:
    """The wars, each as (revert index, its editor, whom it undid), most reverts first."""
    edges: list[tuple[int, str, str]] = []
    for revert, undone in undo_pairs(rows):
        a, b = rows[revert].get("user"), rows[undone].get("user")
        if a is None or b is None or a == b or "bot" in (kind(rows[revert]), kind(rows[undone])):
            continue
        if not vandalism(rows, revert, undone) and (revert, a, b) not in edges:
            edges.append((revert, a, b))
    mutual = [
        e
        for e in edges
        if any((f[1], f[2]) == (e[2], e[1]) and abs(ts(rows[f[0]]) - ts(rows[e[0]])) <= WINDOW
               for f in edges)
    ]  # fmt: skip
    # Wars: the connected groups of mutual reverts sharing an editor, at most a day apart.
    periods: list[list[tuple[int, str, str]]] = []
    left = list(mutual)
    while left:
        group, todo = [left.pop(0)], 0
        while todo < len(group):
            e = group[todo]
            todo += 1
            near = [
                f for f in left
                if {e[1], e[2]} & {f[1], f[2]} and abs(ts(rows[f[0]]) - ts(rows[e[0]])) <= WINDOW
            ]  # fmt: skip
            group += near
            left = [f for f in left if f not in near]
        periods.append(sorted(group))
    found = [p for p in periods if max(peaks(rows, p).values()) >= 3]
    return sorted(found, key=lambda p: (-len({e[0] for e in p}), ts(rows[p[0][0]])))


def peaks(rows: list[Row], war: list[tuple[int, str, str]]) -> dict[str, int]:
    made: dict[str, set[int]] = defaultdict(set)
    for revert, editor, _ in war:
        made[editor].add(revert)
    return {
        editor: max(
            sum(1 for r in reverts if 0 <= ts(rows[r]) - ts(rows[first]) <= WINDOW)
            for first in reverts
        )
        for editor, reverts in made.items()
    }


def described(rows: list[Row], war: list[tuple[int, str, str]]) -> dict[str, Any]:
    start, end = ts(rows[war[0][0]]), ts(rows[war[-1][0]])
    made: dict[str, set[int]] = defaultdict(set)
    undid: dict[str, Counter[str]] = defaultdict(Counter)
    for revert, editor, other in war:
        made[editor].add(revert)
        undid[editor][other] += 1
    top = peaks(rows, war)
    combatants = sorted(
        ((-len(made[e]), e, top[e], sorted((-n, o) for o, n in undid[e].items())) for e in made),
    )
    return {
        "start": start,
        "end": end,
        "reverts": len({r for r, _, _ in war}),
        "edits": sum(1 for r in rows if start <= ts(r) <= end),
        "combatants": [
            (e, -n, peak, [(o, -k) for k, o in them]) for n, e, peak, them in combatants
        ],
    }


def test_simulated_vandalism_undone_matches_the_ground_truth(page: Page) -> None:
    figures, rows, history = page
    acts = acts_of_vandalism(rows)
    times = [ts(rows[revert]) - ts(rows[undone]) for undone, revert in acts.items()]
    by_bots = sum(1 for revert in acts.values() if kind(rows[revert]) == "bot")
    assert figures["conflict"]["vandalism"] == {
        "acts": len(acts),
        "by_bots": by_bots,
        "bot_share": round(by_bots / len(acts), 6),
        "median_seconds": float(median(times)),
        "much_removed": MUCH_REMOVED,
    }
    # Every vandal the simulator planned was undone as vandalism (unless its name, or
    # a text that the rollback's identity rests on, is hidden).
    planned = {
        i
        for i in range(len(rows))
        if history.intent(i) == "vandalism"
        and kind(rows[i]) in ("anon", "temp")
        and not any("sha1hidden" in r for r in rows[max(0, i - REVERT_WINDOW) : i + 4])
    }
    assert planned and planned <= set(acts)
    assert by_bots > 0 and figures["conflict"]["vandalism"]["median_seconds"] < 15 * 60


def test_simulated_edit_wars_match_the_ground_truth(page: Page) -> None:
    figures, rows, history = page
    expected = wars(rows)
    conflict = figures["conflict"]
    assert conflict["war_count"] == len(expected) > 0
    assert conflict["war_rule"] == {"reverts": 3, "hours": 24}
    for war, truth in zip(conflict["edit_wars"], expected, strict=False):
        want = described(rows, truth)
        assert war["start"] == datetime.fromtimestamp(want["start"], UTC).strftime(
            "%Y-%m-%dT%H:%M:%SZ"
        )
        assert (war["reverts"], war["edits"]) == (want["reverts"], want["edits"])
        assert war["combatant_count"] == len(want["combatants"])
        got = [
            (c["name"], c["reverts"], c["peak"], [(o["name"], o["reverts"]) for o in c["reverted"]])
            for c in war["combatants"]
        ]
        assert got == want["combatants"][: len(got)]
    assert len(conflict["edit_wars"]) == min(5, len(expected))


def test_simulated_edit_wars_are_the_planned_wars(page: Page) -> None:
    _, rows, history = page
    intents = [history.intent(i) for i in range(len(rows))]
    # Every war revert found is one the simulator planned as such: no vandalism
    # cleanup, no bot, no patroller.
    for war in wars(rows):
        assert all(intents[revert] == "war revert" for revert, _, _ in war)
    # And every planned war in which one editor reverts 3 times, with no name hidden,
    # is found.
    found = {revert for war in wars(rows) for revert, _, _ in war}
    runs: list[list[int]] = []
    for i, intent in enumerate(intents):
        if intent == "war edit":
            runs.append([])
        elif intent == "war revert":
            runs[-1].append(i)
    fierce = [
        run
        for run in runs
        if all("user" in rows[i] for i in [run[0] - 1, *run])
        and max(Counter(rows[i]["user"] for i in run).values()) >= 3
    ]
    assert fierce and all(set(run) <= found for run in fierce)
