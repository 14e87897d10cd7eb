"""The MediaWiki client over real HTTP against the simulator."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from support import make_settings
from wikivice.settings import Settings
from wikivice.simulator import FaultSpec, SimulatorServer
from wikivice.wiki.client import MediaWiki
from wikivice.wiki.errors import (
    InvalidTitle,
    PageMissing,
    WikiRejected,
    WikiUnavailable,
    WikiUnreachable,
)
from wikivice.wiki.pool import WikiClients
from wikivice.wiki.sites import parse_wiki
from wikivice.wiki.transport import RetryNotice


@pytest.fixture
def client_settings(tmp_path: Path, simulator: SimulatorServer) -> Settings:
    return make_settings(tmp_path, default_wiki=simulator.api_url)


@pytest.fixture
def wikis(client_settings: Settings) -> Iterator[WikiClients]:
    wikis = WikiClients(client_settings)
    yield wikis
    wikis.close()


@pytest.fixture
def notices() -> list[RetryNotice]:
    return []


@pytest.fixture
def wiki(wikis: WikiClients, simulator: SimulatorServer, notices: list[RetryNotice]) -> MediaWiki:
    return wikis.client(
        parse_wiki(simulator.api_url), listener=notices.append, sleep=lambda s: None
    )


def test_resolve_normalizes_the_title(wiki: MediaWiki) -> None:
    page = wiki.resolve("synthetic_500")
    assert page.title == "Synthetic 500"
    assert page.normalized_from == "synthetic 500"
    assert page.redirected_from is None
    assert page.site_name == "Simulated Wikipedia"


def test_resolve_follows_redirects(wiki: MediaWiki, simulator: SimulatorServer) -> None:
    page = wiki.resolve("Turing")
    assert page.title == "Alan Turing"
    assert page.redirected_from == "Turing"
    history = simulator.sim.history("Alan Turing")
    assert history is not None
    assert page.pageid == history.pageid and page.latest_revid == history.latest_revid


def test_resolve_missing_title_suggests_others(wiki: MediaWiki) -> None:
    with pytest.raises(PageMissing) as caught:
        wiki.resolve("Coffe")
    assert "Coffee" in caught.value.suggestions


@pytest.mark.parametrize("title", ["A[b]", "x|y", "  ", "a" * 300, "{{x}}"])
def test_resolve_invalid_title_is_refused(wiki: MediaWiki, title: str) -> None:
    with pytest.raises(InvalidTitle):
        wiki.resolve(title)


def test_resolve_invalid_title_reported_by_the_wiki(wiki: MediaWiki) -> None:
    with pytest.raises(InvalidTitle, match="colon"):
        wiki.resolve("::Coffee")


def test_iter_revisions_follows_continue_to_the_last_page(
    wiki: MediaWiki, simulator: SimulatorServer
) -> None:
    history = simulator.sim.history("Synthetic 1234")
    assert history is not None
    batches = list(wiki.iter_revisions(history.pageid))
    assert [len(b.revisions) for b in batches] == [500, 500, 234]
    assert batches[-1].continue_params is None
    assert all(b.continue_params for b in batches[:-1])
    got = [r["revid"] for b in batches for r in b.revisions]
    assert got == [r["revid"] for r in history.iter()]


def test_a_walk_frees_each_answer_without_the_garbage_collector(
    wiki: MediaWiki, simulator: SimulatorServer
) -> None:
    # httpx's responses sit in reference cycles, freed only when the collector runs
    # (rarely, in a wikivice process: `cli.interpreter.tune_interpreter`): none may hold its body.
    history = simulator.sim.history("Synthetic 20000")
    assert history is not None
    gc.collect()
    gc.disable()
    try:
        assert sum(1 for _ in wiki.iter_revisions(history.pageid)) == 40
        kept = [o for o in gc.get_objects() if isinstance(o, httpx.Response)]
        bodies = sum(len(getattr(r, "_content", b"")) for r in kept)
    finally:
        gc.enable()
    assert len(kept) >= 40  # the cycles are there (else this test proves nothing)
    assert bodies == 0, f"{bodies:,} bytes of answers wait for the garbage collector"


def test_iter_revisions_resumes_from_a_checkpoint(
    wiki: MediaWiki, simulator: SimulatorServer
) -> None:
    history = simulator.sim.history("Synthetic 1234")
    assert history is not None
    first = next(wiki.iter_revisions(history.pageid))
    rest = list(wiki.iter_revisions(history.pageid, resume=first.continue_params))
    got = [r["revid"] for r in first.revisions] + [r["revid"] for b in rest for r in b.revisions]
    assert got == [r["revid"] for r in history.iter()]


def test_edit_count_says_when_it_is_capped(wiki: MediaWiki) -> None:
    small = wiki.edit_count("Synthetic 2000")
    assert small is not None and not small.capped and small.count <= 2000
    big = wiki.edit_count("Synthetic 40000")
    assert big is not None and big.capped and big.count == 30000


def test_newest_timestamps_are_the_latest_revisions_newest_first(
    wiki: MediaWiki, simulator: SimulatorServer
) -> None:
    history = simulator.sim.history("Synthetic 40000")
    assert history is not None
    got = wiki.newest_timestamps(history.pageid, limit=1_200)
    assert got == [history.timestamp(i) for i in range(39_999, 38_799, -1)]
    small = simulator.sim.history("Synthetic 300")
    assert small is not None
    assert len(wiki.newest_timestamps(small.pageid)) == 300


def test_edit_count_of_a_title_with_a_slash(wiki: MediaWiki, simulator: SimulatorServer) -> None:
    count = wiki.edit_count("AC/DC")
    history = simulator.sim.history("AC/DC")
    assert history is not None and count is not None
    assert count.count == history.rest_count("edits")


@pytest.mark.parametrize(
    "kind", ["5xx", "429", "maxlag", "truncated", "malformed"], ids=lambda k: f"fault-{k}"
)
def test_a_passing_fault_is_retried(
    wiki: MediaWiki, simulator: SimulatorServer, notices: list[RetryNotice], kind: str
) -> None:
    simulator.sim.faults = FaultSpec.parse(f"{kind}=1,count=2,retry_after=0")
    history = simulator.sim.history("Synthetic 700")
    assert history is not None
    batches = list(wiki.iter_revisions(history.pageid))
    assert sum(len(b.revisions) for b in batches) == 700
    assert len(notices) == 2
    assert {n.reason for n in notices} <= {"5xx", "429", "maxlag", "garbled", "unreachable"}


def test_retry_after_is_honoured(
    wikis: WikiClients, simulator: SimulatorServer, notices: list[RetryNotice]
) -> None:
    waits: list[float] = []
    wiki = wikis.client(parse_wiki(simulator.api_url), listener=notices.append, sleep=waits.append)
    simulator.sim.faults = FaultSpec.parse("429=1,count=1,retry_after=7")
    wiki.resolve("Coffee")
    assert waits == [0.5]  # asked for 7 s; the tests' max_retry_wait caps it at 0.5 s
    assert notices[0].reason == "429"


def test_a_timeout_is_retried(client_settings: Settings, simulator: SimulatorServer) -> None:
    quick = WikiClients(client_settings.model_copy(update={"request_timeout": 0.3}))
    wiki = quick.client(parse_wiki(simulator.api_url), sleep=lambda s: None)
    simulator.sim.faults = FaultSpec.parse("timeout=1,count=1,hang=2")
    try:
        assert wiki.resolve("Coffee").title == "Coffee"
    finally:
        quick.close()


def test_a_lasting_fault_fails_clearly_after_the_budget(
    wiki: MediaWiki, simulator: SimulatorServer
) -> None:
    simulator.sim.faults = FaultSpec.parse("5xx=1,retry_after=0")
    with pytest.raises(WikiUnavailable, match=r"after 4 tries \(last: HTTP 5\d\d\)"):
        wiki.resolve("Coffee")
    assert simulator.sim.stats.requests == 4


def test_an_unreachable_wiki_fails_clearly(wikis: WikiClients) -> None:
    wiki = wikis.client(parse_wiki("http://127.0.0.1:9/w/api.php"), sleep=lambda s: None)
    with pytest.raises(WikiUnavailable, match=r"\(last: the connection was refused\)$"):
        wiki.resolve("Coffee")


def test_one_quick_try_says_plainly_that_the_wiki_cannot_be_reached(
    wikis: WikiClients,
) -> None:
    wiki = wikis.client(parse_wiki("http://127.0.0.1:9/w/api.php"), quick=True)
    with pytest.raises(WikiUnreachable) as caught:
        wiki.resolve("Coffee")
    assert str(caught.value) == "cannot reach 127.0.0.1: the connection was refused"
    assert wiki.requests == 1


def test_a_refused_user_agent_is_not_retried(
    client_settings: Settings, simulator: SimulatorServer
) -> None:
    rude = WikiClients(client_settings)
    rude.http.headers["User-Agent"] = "python-httpx/0.28"
    wiki = rude.client(parse_wiki(simulator.api_url), sleep=lambda s: None)
    try:
        with pytest.raises(WikiRejected, match="403") as refused:
            wiki.resolve("Coffee")
    finally:
        rude.close()
    assert simulator.sim.stats.requests == 1
    # What the wiki wrote back is not passed on (it could be anyone's server).
    assert str(refused.value).endswith("refused the request (HTTP 403)")
    assert "robot policy" not in str(refused.value)


def test_an_address_that_is_not_api_php_is_refused_clearly(
    wikis: WikiClients, simulator: SimulatorServer
) -> None:
    elsewhere = simulator.api_url.replace("/w/api.php", "/wiki/api.php")
    wiki = wikis.client(parse_wiki(elsewhere), sleep=lambda s: None)
    with pytest.raises(WikiRejected, match=r"no such address \(HTTP 404\)"):
        wiki.resolve("Coffee")


def test_maxlag_is_sent_with_background_requests(
    wiki: MediaWiki, simulator: SimulatorServer
) -> None:
    simulator.sim.faults = FaultSpec.parse("maxlag=1,retry_after=0")
    wiki.resolve("Coffee")  # a person is waiting: no maxlag, so no maxlag error
    with pytest.raises(WikiUnavailable, match="lagged"):
        next(wiki.iter_revisions(1))


def test_tag_names_are_the_display_names_as_text(wiki: MediaWiki) -> None:
    names = wiki.tag_names()
    assert names["mw-manual-revert"] == "Manual revert"
    assert names["visualeditor"] == "Visual edit"  # the wiki wraps it in a link
    assert names["wikieditor"] == "wikieditor"  # hidden on the wiki: its name
    assert all("<" not in shown for shown in names.values())


def test_first_sight_resolves_and_brings_the_first_batch_in_one_request(
    wiki: MediaWiki, simulator: SimulatorServer
) -> None:
    history = simulator.sim.history("Synthetic 1234")
    assert history is not None
    simulator.sim.reset_stats()
    sight = wiki.first_sight("synthetic_1234")
    assert simulator.sim.stats.requests == 1
    assert sight.page.title == "Synthetic 1234" and sight.page.pageid == history.pageid
    assert sight.page.normalized_from == "synthetic 1234"  # as cleaned, then normalized
    assert len(sight.batch.revisions) == 500 and sight.batch.continue_params
    # Its continuation is a checkpoint like any other: the walk goes on exactly.
    rest = list(wiki.iter_revisions(history.pageid, resume=sight.batch.continue_params))
    got = [r["revid"] for r in sight.batch.revisions] + [
        r["revid"] for b in rest for r in b.revisions
    ]
    assert got == [r["revid"] for r in history.iter()]


def test_first_sight_of_a_short_history_is_all_of_it(wiki: MediaWiki) -> None:
    sight = wiki.first_sight("Synthetic 42")
    assert len(sight.batch.revisions) == 42 and sight.batch.continue_params is None


def test_first_sight_of_a_missing_page_suggests_others(wiki: MediaWiki) -> None:
    with pytest.raises(PageMissing) as caught:
        wiki.first_sight("Coffe")
    assert "Coffee" in caught.value.suggestions
