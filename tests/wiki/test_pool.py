"""`WikiClients`, the HTTP plumbing every `MediaWiki` client of a process shares: per-host
slots (Wikimedia asks for at most `max_concurrent_requests` at once), the User-Agent its
policy requires, redirects, and closing."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from support import Listener, make_settings
from wikivice.settings import Settings
from wikivice.simulator import FaultSpec, SimulatorServer, user_agent_allowed
from wikivice.wiki.client import MediaWiki
from wikivice.wiki.errors import AddressRefused
from wikivice.wiki.guard import WikiPolicy
from wikivice.wiki.pool import WikiClients
from wikivice.wiki.sites import parse_wiki

# Wikimedia's User-Agent policy: `client/version (contact) library/version`.
POLICY_AGENT = re.compile(r"^[\w.-]+/\S+ \((?P<contact>[^()]+)\) httpx/\S+$")


@pytest.fixture
def pool_settings(tmp_path: Path, simulator: SimulatorServer) -> Settings:
    return make_settings(tmp_path, default_wiki=simulator.api_url)


@pytest.fixture
def wikis(pool_settings: Settings) -> Iterator[WikiClients]:
    wikis = WikiClients(pool_settings)
    yield wikis
    wikis.close()


def resolve_at_once(clients: list[MediaWiki], title: str = "Coffee") -> None:
    """Every client resolves `title` at the same time, each from a thread of its own
    (as the jobs of a worker do)."""
    with ThreadPoolExecutor(len(clients)) as pool:
        for future in [pool.submit(client.resolve, title) for client in clients]:
            future.result(timeout=30)


@pytest.mark.parametrize("limit", [1, 2, 3])
def test_slots_bound_the_requests_to_one_host_across_clients(
    tmp_path: Path, simulator: SimulatorServer, limit: int
) -> None:
    simulator.sim.latency = 0.1
    wikis = WikiClients(make_settings(tmp_path, max_concurrent_requests=limit))
    site = parse_wiki(simulator.api_url)
    try:
        # A client per caller: the slots are the process's, not the client's.
        resolve_at_once([wikis.client(site) for _ in range(2 * limit + 2)])
    finally:
        wikis.close()
    assert simulator.sim.stats.requests == 2 * limit + 2
    assert simulator.sim.stats.max_concurrent == limit  # reached, never exceeded


def test_slots_of_different_hosts_are_not_shared(
    tmp_path: Path, simulator: SimulatorServer
) -> None:
    # One simulator under two host names: each name has its own two slots, so the
    # simulator sees four requests at once.
    simulator.sim.latency = 0.2
    wikis = WikiClients(make_settings(tmp_path, max_concurrent_requests=2))
    hosts = [simulator.api_url, simulator.api_url.replace("127.0.0.1", "localhost")]
    try:
        resolve_at_once([wikis.client(parse_wiki(url)) for url in hosts for _ in range(4)])
    finally:
        wikis.close()
    assert simulator.sim.stats.max_concurrent == 4


def test_slots_are_given_back_after_failed_requests(
    tmp_path: Path, simulator: SimulatorServer
) -> None:
    wikis = WikiClients(make_settings(tmp_path, max_concurrent_requests=1))
    wiki = wikis.client(parse_wiki(simulator.api_url), sleep=lambda s: None)
    simulator.sim.faults = FaultSpec.parse("5xx=1,count=2,retry_after=0")
    done = threading.Event()

    def resolve_twice() -> None:
        wiki.resolve("Coffee")  # two failures, then an answer: three turns of the one slot
        wiki.resolve("Café")
        done.set()

    thread = threading.Thread(target=resolve_twice, daemon=True)
    try:
        thread.start()
        assert done.wait(10), "a failed request kept its slot"
    finally:
        wikis.close()
    assert simulator.sim.stats.requests == 4


def test_requests_carry_the_policy_user_agent(
    wikis: WikiClients, pool_settings: Settings, simulator: SimulatorServer
) -> None:
    sent: list[httpx.Headers] = []
    wikis.http.event_hooks["request"].append(lambda request: sent.append(request.headers))
    wiki = wikis.client(parse_wiki(simulator.api_url))
    wiki.resolve("Coffee")
    wiki.edit_count("Coffee")  # the REST API too
    assert len(sent) == 2
    assert {headers["User-Agent"] for headers in sent} == {pool_settings.user_agent}
    assert {headers["Accept-Encoding"] for headers in sent} == {"gzip"}
    assert simulator.sim.stats.forbidden == 0


def test_user_agent_names_the_client_the_contact_and_the_library(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, contact="https://example.org/ops; ops@example.org")
    agent = settings.user_agent
    match = POLICY_AGENT.match(agent)
    assert match is not None, agent
    assert agent.startswith("wikivice/")
    assert match["contact"] == "https://example.org/ops; ops@example.org"
    assert f"httpx/{httpx.__version__}" in agent
    assert user_agent_allowed(agent)  # as Wikimedia's servers judge it


def test_close_closes_the_connection_pool(wikis: WikiClients, simulator: SimulatorServer) -> None:
    wiki = wikis.client(parse_wiki(simulator.api_url))
    wiki.resolve("Coffee")
    wikis.close()
    assert wikis.http.is_closed
    with pytest.raises(RuntimeError, match="closed"):
        wiki.resolve("Coffee")
    assert simulator.sim.stats.requests == 1


def test_a_guarded_pool_reaches_no_local_address(pool_settings: Settings) -> None:
    listener = Listener()
    guarded = WikiClients(pool_settings, guard=WikiPolicy.parse(["127.0.0.*"]))
    try:
        wiki = guarded.client(parse_wiki(f"http://127.0.0.1:{listener.port}/w/api.php"))
        with pytest.raises(AddressRefused):
            wiki.resolve("Coffee")
        assert wiki.requests == 1  # refused at once: nothing to retry
    finally:
        guarded.close()
        listener.close()
    assert listener.accepted == 0


def test_a_guarded_pool_reaches_the_hosts_the_operator_named(
    pool_settings: Settings, simulator: SimulatorServer
) -> None:
    policy = WikiPolicy.parse(["127.0.0.1"])
    guarded = WikiClients(pool_settings, guard=policy)
    try:
        assert guarded.client(parse_wiki(simulator.api_url)).resolve("Coffee").title == "Coffee"
    finally:
        guarded.close()
