"""The simulator's ground truth: histories, titles, editors and fault decisions (no HTTP)."""

from __future__ import annotations

import collections
import ipaddress
import re
import time
from datetime import UTC, datetime
from typing import Any

import pytest
from iptocc import country_code

from wikivice.simulator import REVID_STRIDE, FaultSpec, Simulator, SyntheticHistory
from wikivice.simulator.catalog import InvalidTitle, normalize
from wikivice.simulator.editors import (
    _V4_RANGES,
    _V6_RANGES,
    BOTS,
    HOSTILE_COMMENTS,
    HOSTILE_USERS,
    ip_address,
    user_name,
)
from wikivice.simulator.faults import FaultInjector
from wikivice.simulator.history import INTENTS

ANCHOR = datetime(2026, 1, 1, tzinfo=UTC)
ANCHOR_TS = int(ANCHOR.timestamp())
REVERTS = {"mw-rollback", "mw-undo", "mw-manual-revert"}


@pytest.fixture(scope="module")
def sim() -> Simulator:
    return Simulator(anchor=ANCHOR)


@pytest.fixture(scope="module")
def big(sim: Simulator) -> list[dict[str, Any]]:
    history = sim.history("Synthetic 100000")
    assert history is not None
    return list(history.iter())


def page(sim: Simulator, title: str) -> SyntheticHistory:
    history = sim.history(title)
    assert history is not None, title
    return history


@pytest.mark.parametrize("n", [1, 2, 63, 64, 65, 500, 4321])
def test_history_ids_and_timestamps_follow_the_scheme(sim: Simulator, n: int) -> None:
    history = page(sim, f"Synthetic {n}")
    rows = list(history.iter())
    assert len(rows) == history.count == n
    assert history.pageid == 1_000_000 + n
    for i, row in enumerate(rows):
        assert row["revid"] == history.pageid * REVID_STRIDE + i + 1
        assert row["parentid"] == (rows[i - 1]["revid"] if i else 0)
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", row["timestamp"])
    stamps = [r["timestamp"] for r in rows]
    assert stamps == sorted(stamps)
    assert stamps[0] >= "2001-01-15" and stamps[-1] < "2026-01-01T00:00:00Z"


def test_history_is_deterministic_across_simulators(sim: Simulator) -> None:
    other = Simulator(anchor=ANCHOR)
    for title in ("Synthetic 777", "Coffee", "AC/DC"):
        assert list(page(sim, title).iter()) == list(page(other, title).iter())
    reseeded = Simulator(anchor=ANCHOR, seed=1)
    assert list(page(reseeded, "Synthetic 777").iter()) != list(page(sim, "Synthetic 777").iter())


def test_revision_matches_iter_and_is_a_copy(sim: Simulator) -> None:
    history = page(sim, "Synthetic 300")
    rows = list(history.iter(100, 200))
    assert rows == [history.revision(i) for i in range(100, 200)]
    history.revision(5)["tags"].append("mutated")
    assert "mutated" not in history.revision(5)["tags"]
    with pytest.raises(IndexError):
        history.revision(300)


def test_history_deep_revision_costs_the_same_as_a_shallow_one(sim: Simulator) -> None:
    history = page(sim, "Synthetic 1000000")
    started = time.perf_counter()
    shallow = history.rows(0, 500)
    shallow_cost = time.perf_counter() - started
    started = time.perf_counter()
    deep = history.rows(990_000, 990_500)
    deep_cost = time.perf_counter() - started
    assert len(shallow) == len(deep) == 500
    assert deep_cost < max(0.1, shallow_cost * 5)
    assert deep[0]["revid"] == history.pageid * REVID_STRIDE + 990_001


def test_history_editor_mix_is_realistic(big: list[dict[str, Any]]) -> None:
    n = len(big)
    anon = [r for r in big if r.get("anon")]
    bots = [r for r in big if r.get("user") in BOTS]
    assert 0.20 <= len(anon) / n <= 0.30
    assert 0.05 <= len(bots) / n <= 0.10
    assert all(r["userid"] == 0 for r in anon)
    registered = collections.Counter(
        r["user"] for r in big if "user" in r and not r.get("anon") and r["user"] not in BOTS
    )
    top = sum(c for _, c in registered.most_common(10))
    assert top / sum(registered.values()) > 0.3  # a few editors make most edits
    assert len(registered) > 1000


def test_history_temporary_accounts_only_from_2025(big: list[dict[str, Any]]) -> None:
    temps = [r for r in big if r.get("temp")]
    assert temps
    for r in temps:
        assert r["timestamp"] >= "2025-01-01"
        assert re.fullmatch(r"~\d{4}-\d{5}-\d{2}", r["user"]) and r["userid"] > 0
        assert r["user"][1:5] == r["timestamp"][:4] and "anon" not in r
    assert not any(r.get("user", "").startswith("~") for r in big if r["timestamp"] < "2025")


def test_history_ips_come_from_several_countries(big: list[dict[str, Any]]) -> None:
    ips = {r["user"] for r in big if r.get("anon")}
    assert any(":" in ip for ip in ips) and any("." in ip for ip in ips)
    countries = collections.Counter(country_code(sorted(ips)))
    assert None not in countries
    assert len(countries) >= 10


def test_editor_ranges_are_allocated_to_their_countries() -> None:
    for prefix, cc, _w in _V4_RANGES:
        net = ipaddress.ip_network(f"{prefix}/16")
        assert {country_code(str(net[h])) for h in (1, 4097, 33333, 65534)} == {cc}, prefix
    for prefix, cc, _w in _V6_RANGES:
        hi, lo = prefix.split(":")
        net = ipaddress.ip_network(f"{hi}:{lo}::/32")
        assert {country_code(str(net[h])) for h in (1, 2**70 + 5, 2**95 + 9)} == {cc}, prefix
    assert ip_address(12345) == ip_address(12345)
    v6 = next(ip_address(k) for k in range(100) if ":" in ip_address(k))
    assert v6 == v6.upper() and "::" not in v6 and len(v6.split(":")) == 8


def test_user_names_are_distinct_per_user_number() -> None:
    names = {user_name(g) for g in range(0, 400_000, 7)}
    assert len(names) == len(range(0, 400_000, 7))


def test_history_identity_reverts_restore_sha1_and_size(big: list[dict[str, Any]]) -> None:
    reverts = 0
    for i, row in enumerate(big):
        if REVERTS.isdisjoint(row["tags"]) or "sha1hidden" in row:
            continue
        earlier = [big[i - d] for d in range(2, 16) if i - d >= 0]
        assert any(
            e.get("sha1") == row["sha1"] and e["size"] == row["size"] for e in earlier
        ) or any("sha1hidden" in e for e in earlier)
        assert "mw-reverted" in big[i - 1]["tags"]
        reverts += 1
    assert reverts > 1000
    sha1s = collections.Counter(r.get("sha1") for r in big if "sha1" in r)
    assert sha1s.most_common(1)[0][1] > 2  # repeated content


def test_history_vandalism_is_rolled_back_by_cluebot_within_minutes(
    big: list[dict[str, Any]],
) -> None:
    quick = 0
    for i, row in enumerate(big):
        if row.get("user") == "ClueBot NG" and "mw-rollback" in row["tags"]:
            vandal = big[i - 1]
            assert vandal.get("anon") or vandal.get("temp") or "userhidden" in vandal
            gap = _seconds(row["timestamp"]) - _seconds(vandal["timestamp"])
            quick += gap <= 15 * 60
    assert quick > 500
    blanked = [r for r in big if r["size"] == 0]
    assert blanked and all("mw-blank" in r["tags"] for r in blanked)


def test_edit_war_page_has_bursts_of_reverts(sim: Simulator) -> None:
    rows = list(page(sim, "Edit war").iter())
    bursts = 0
    run: list[dict[str, Any]] = []
    for row in rows:
        if "mw-undo" in row["tags"] or "mw-manual-revert" in row["tags"]:
            run.append(row)
            continue
        if len(run) >= 5:
            users = {r.get("user") for r in run}
            span = _seconds(run[-1]["timestamp"]) - _seconds(run[0]["timestamp"])
            if len(users) <= 3 and span < 12 * 3600:
                bursts += 1
        run = []
    assert bursts >= 5


def test_history_hidden_fields_are_absent_and_rare(big: list[dict[str, Any]]) -> None:
    n = len(big)
    for flag, gone in (("userhidden", ("user", "userid")), ("commenthidden", ("comment",))):
        hidden = [r for r in big if r.get(flag)]
        assert 0.0005 < len(hidden) / n < 0.006, flag
        assert all(not any(g in r for g in gone) for r in hidden)
    sha1hidden = [r for r in big if r.get("sha1hidden")]
    assert sha1hidden and all("sha1" not in r for r in sha1hidden)
    assert any(r.get("suppressed") for r in big)
    assert all(isinstance(r["tags"], list) and isinstance(r["minor"], bool) for r in big)


@pytest.mark.parametrize("title", ["Synthetic 500", "Synthetic 731", "Synthetic 90000", "Coffee"])
def test_history_holds_every_hostile_string(sim: Simulator, title: str) -> None:
    rows = list(page(sim, title).iter(0, 500))
    comments = {r.get("comment") for r in rows}
    users = {r.get("user") for r in rows}
    assert set(HOSTILE_COMMENTS) <= comments
    assert set(HOSTILE_USERS) <= users
    assert any(len(c.encode()) >= 500 for c in comments if c)
    assert any("\U0001d518" in u for u in users if u)  # astral 𝔘


def test_history_sizes_grow_and_content_matches(sim: Simulator) -> None:
    history = page(sim, "Photosynthesis")
    rows = list(history.iter())
    assert rows[-1]["size"] > rows[0]["size"] * 3
    for i in (0, 1, 2, 57, 600, history.count - 1):
        assert len(history.content(i).encode()) == rows[i]["size"]
    reverted = next(
        i for i, r in enumerate(rows) if "mw-undo" in r["tags"] and "sha1hidden" not in r
    )
    twin = next(
        j
        for j in range(reverted - 2, reverted - 16, -1)
        if rows[j].get("sha1") == rows[reverted]["sha1"]
    )
    assert history.content(twin) == history.content(reverted)


def test_history_hour_of_day_rhythm(big: list[dict[str, Any]]) -> None:
    hours = collections.Counter(int(r["timestamp"][11:13]) for r in big)
    assert sum(hours[h] for h in range(15, 21)) > 1.8 * sum(hours[h] for h in range(2, 8))


def test_count_at_or_before_agrees_with_timestamps(sim: Simulator) -> None:
    history = page(sim, "Synthetic 3000")
    stamps = [history.timestamp(i) for i in range(history.count)]
    for i in (0, 1, 63, 64, 65, 1500, 2999):
        t = stamps[i]
        assert history.count_at_or_before(t) == sum(1 for s in stamps if s <= t)
        assert history.count_at_or_before(t - 1) == sum(1 for s in stamps if s < t)
    assert history.count_at_or_before(0) == 0
    assert history.count_at_or_before(ANCHOR_TS) == 3000


def test_grow_adds_revisions_after_the_latest() -> None:
    sim = Simulator(anchor=ANCHOR)
    history = page(sim, "Synthetic 130")
    before = list(history.iter())
    grown = sim.grow("synthetic_130", 40)
    assert grown is history and history.count == 170
    rows = list(history.iter())
    assert rows[:128] == before[:128]  # whole blocks before the growth never change
    assert [r["revid"] for r in rows] == [history.pageid * REVID_STRIDE + i + 1 for i in range(170)]
    assert all(rows[i]["timestamp"] > before[-1]["timestamp"] for i in range(130, 170))
    assert sim.history("Synthetic 130") is history  # pinned, the growth is kept
    reverted_late = [
        r for r in before if "mw-reverted" in r["tags"] and r["revid"] > before[-1]["revid"] - 20
    ]
    for r in reverted_late:  # mw-reverted only shows once its revert exists
        idx = r["revid"] - history.first_revid
        assert "mw-reverted" in rows[idx]["tags"]


def test_rest_counts_follow_mediawiki_rules(sim: Simulator) -> None:
    history = page(sim, "Synthetic 5000")
    rows = list(history.iter())
    visible = [r for r in rows if "sha1hidden" not in r]
    assert history.rest_count("edits") == len(visible)
    assert history.rest_count("anonymous") == sum(1 for r in visible if r.get("anon"))
    assert history.rest_count("minor") == sum(1 for r in visible if r["minor"])
    assert history.rest_count("reverted") == sum(1 for r in visible if REVERTS & set(r["tags"]))
    editors = {r["user"] for r in visible if "user" in r}
    assert history.rest_count("editors") == len(editors)
    assert 100 < history.rest_count("edits", limit=100) < len(visible)  # stops early


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("synthetic_500", (0, "Synthetic 500")),
        ("  Synthetic   500 ", (0, "Synthetic 500")),
        ("café", (0, "Café")),
        (":Coffee", (0, "Coffee")),
        ("talk:coffee", (1, "Talk:Coffee")),
        ("Tom &amp; Jerry", (0, "Tom & Jerry")),
        ("AC/DC", (0, "AC/DC")),
        ("Coffee\u200e", (0, "Coffee")),
    ],
)
def test_normalize_like_mediawiki(raw: str, expected: tuple[int, str]) -> None:
    assert normalize(raw) == expected


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("Foo#bar", 'invalid characters: "#"'),
        ("A<b>", 'invalid characters: "<"'),
        ("x[y]", 'invalid characters: "["'),
        ("{x}", 'invalid characters: "{"'),
        ("100%25", 'invalid characters: "%25"'),
        ("   ", "empty or contains only the name of a namespace"),
        ("Talk:", "empty or contains only the name of a namespace"),
        ("::Coffee", "invalid colon at the beginning"),
        ("x" * 256, "too long"),
        ("../etc", "relative path"),
    ],
)
def test_normalize_rejects_invalid_titles(raw: str, reason: str) -> None:
    with pytest.raises(InvalidTitle) as info:
        normalize(raw)
    assert reason in info.value.reason


def test_catalog_pages_and_searches(sim: Simulator) -> None:
    catalog = sim.catalog
    assert sim.history("Synthetic 0") is None and sim.history("Synthetic 2000001") is None
    assert sim.history("Synthetic 2000000") is not None
    assert sim.history("Turing") is None  # a redirect, not a content page
    assert catalog.page("Turing") is not None
    assert catalog.prefix_search("Synthetc 500", 3) == [
        "Synthetic 500",
        "Synthetic 5000",
        "Synthetic 5001",
    ]
    assert catalog.prefix_search("Coffe", 5) == ["Coffee"]
    assert catalog.prefix_search("cafe", 5) == ["Café"]
    assert catalog.prefix_search("Turin", 5) == ["Alan Turing"]
    assert "Coffee" in catalog.prefix_search("Cofee", 5)


def test_fault_spec_parses_the_grammar() -> None:
    spec = FaultSpec.parse(
        "5xx=0.1, 429=0.05,maxlag=0.2,timeout=0.01,truncated=0.02,malformed=0.02,"
        "seed=42,retry_after=0,hang=2.5,after=3,count=7"
    )
    assert spec.rates["5xx"] == 0.1 and spec.rates["malformed"] == 0.02
    assert (spec.seed, spec.retry_after, spec.hang, spec.after, spec.count) == (42, 0, 2.5, 3, 7)
    assert FaultSpec.parse(str(spec)) == spec
    assert not FaultSpec.parse("").active
    for bad in ("5xx=2", "boom=1", "5xx", "seed=-1", "count=1.5", "429=x"):
        with pytest.raises(ValueError):
            FaultSpec.parse(bad)


def test_fault_decisions_are_reproducible_and_bounded() -> None:
    spec = FaultSpec.parse("5xx=0.3,429=0.3,maxlag=0.5,seed=9")
    runs = []
    for _ in range(2):
        injector = FaultInjector(spec)
        runs.append([injector.decide(has_maxlag=i % 2 == 0) for i in range(200)])
    assert runs[0] == runs[1]
    assert {"5xx", "429", "maxlag", None} == set(runs[0])
    assert all(k != "maxlag" for i, k in enumerate(runs[0]) if i % 2)
    injector = FaultInjector(FaultSpec.parse("5xx=1,after=2,count=3"))
    assert [injector.decide(has_maxlag=False) for _ in range(7)] == [
        None,
        None,
        "5xx",
        "5xx",
        "5xx",
        None,
        None,
    ]
    assert [injector.next_5xx() for _ in range(4)] == [503, 502, 500, 503]


def _seconds(stamp: str) -> int:
    return int(datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp())


def test_edit_war_page_wars_are_editors_reverting_each_other(sim: Simulator) -> None:
    history = page(sim, "Edit war")
    rows = list(history.iter())
    intents = [history.intent(i) for i in range(len(rows))]
    assert set(intents) <= set(INTENTS) and intents[0] == "creation"
    runs: list[list[int]] = []
    for i, intent in enumerate(intents):
        if intent == "war edit":
            runs.append([i])
        elif intent == "war revert":
            runs[-1].append(i)
    assert len(runs) >= 5
    for run in runs:
        who = [rows[i].get("user") for i in run]
        undid = {(who[n], who[n - 1]) for n in range(1, len(run))}  # each undoes the last
        assert {(b, a) for a, b in undid} == undid  # and is undone by whom it undid
        assert 2 <= len(set(who)) <= 3 and all("mw-rollback" not in rows[i]["tags"] for i in run)
    vandalism = [i for i, intent in enumerate(intents) if intent == "vandalism"]
    assert vandalism and all(intents[i + 1] in ("vandalism", "rollback") for i in vandalism)
