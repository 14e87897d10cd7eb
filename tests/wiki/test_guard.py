"""Which wikis a public server may fetch, and the addresses it may connect to: a listener
on a local address must receive no connection at all, whatever the name leads there."""

from __future__ import annotations

import ipaddress
import socket
import threading
from collections.abc import Iterator

import httpcore
import pytest

from support import Listener
from wikivice.settings import WIKIMEDIA_HOSTS
from wikivice.wiki.errors import AddressRefused, WikiUnreachable
from wikivice.wiki.guard import (
    GuardedBackend,
    HostPattern,
    WikiPolicy,
    is_public,
    resolve,
)
from wikivice.wiki.sites import parse_wiki


@pytest.fixture
def listener() -> Iterator[Listener]:
    found = Listener()
    yield found
    found.close()


def test_the_default_policy_allows_wikimedia_projects_only() -> None:
    policy = WikiPolicy.parse(WIKIMEDIA_HOSTS)
    allowed = ["en", "zh-min-nan", "https://de.wiktionary.org/w/api.php",
               "https://commons.wikimedia.org/w/api.php", "https://www.wikidata.org/w/api.php",
               "https://WWW.MediaWiki.org/w/api.php"]  # fmt: skip
    refused = ["https://wikipedia.org.evil.example/w/api.php",
               "https://evilwikipedia.org/w/api.php", "https://wikidata.org/w/api.php",
               "http://127.0.0.1:8765/w/api.php", "https://10.0.0.1/w/api.php"]  # fmt: skip
    assert [policy.allows(parse_wiki(s)) for s in allowed] == [True] * len(allowed)
    assert [policy.allows(parse_wiki(s)) for s in refused] == [False] * len(refused)


def test_a_pattern_with_a_port_allows_that_port_only() -> None:
    policy = WikiPolicy.parse(["127.0.0.1:8765", "wiki.example.org"])
    assert policy.allows(parse_wiki("http://127.0.0.1:8765/w/api.php"))
    assert not policy.allows(parse_wiki("http://127.0.0.1:8766/w/api.php"))
    assert policy.allows(parse_wiki("https://wiki.example.org:8443/w/api.php"))  # any port
    assert policy.named_hosts == {"127.0.0.1", "wiki.example.org"}


def test_the_operators_default_wiki_is_allowed_and_named() -> None:
    local = parse_wiki("http://192.168.1.20/mediawiki/api.php")
    policy = WikiPolicy.parse(WIKIMEDIA_HOSTS, [local])
    assert policy.allows(local)
    assert "192.168.1.20" in policy.named_hosts
    assert not any("*" in host for host in policy.named_hosts)  # wildcards name nobody


@pytest.mark.parametrize("text", ["", "user@host", "host/path", "host:port", "host:99999"])
def test_what_is_not_a_host_pattern_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="host pattern"):
        HostPattern.parse(text)


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.0.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.1",
        "255.255.255.255",
        "::1",
        "fe80::1",
        "fc00::1",
        "::ffff:127.0.0.1",
        "ff02::1",
        "2001:db8::1",
    ],  # fmt: skip
)
def test_local_private_and_reserved_addresses_are_not_public(address: str) -> None:
    assert not is_public(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["8.8.8.8", "208.80.154.224", "2620:0:861:ed1a::1"])
def test_global_unicast_addresses_are_public(address: str) -> None:
    assert is_public(ipaddress.ip_address(address))


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "localhost", "::1", "2130706433", "0x7f.1", "127.1", "0177.0.0.1"]
)
def test_no_spelling_of_loopback_gets_a_connection(listener: Listener, host: str) -> None:
    with pytest.raises(AddressRefused, match="not lead to a public address"):
        GuardedBackend().connect_tcp(host, listener.port, timeout=1)
    assert listener.accepted == 0


def test_a_host_the_operator_named_may_be_local(listener: Listener) -> None:
    stream = GuardedBackend(["127.0.0.1"]).connect_tcp("127.0.0.1", listener.port, timeout=1)
    stream.close()
    for _ in range(20):
        if listener.accepted:
            break
        threading.Event().wait(0.05)
    assert listener.accepted == 1


def test_the_check_is_on_the_address_resolved_not_the_name(
    listener: Listener, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A public-looking name whose DNS answer is loopback (rebinding): refused, once
    # resolved, before any connection.
    real = socket.getaddrinfo

    def rebinding(host: str, *args: object, **kwargs: object) -> object:
        if host == "wiki.rebind.example":
            return real("127.0.0.1", *args, **kwargs)  # type: ignore[arg-type]
        return real(host, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    with pytest.raises(AddressRefused):
        GuardedBackend().connect_tcp("wiki.rebind.example", listener.port, timeout=1)
    assert listener.accepted == 0


def test_a_name_that_does_not_resolve_says_so_quickly() -> None:
    with pytest.raises(WikiUnreachable, match="cannot reach nowhere.invalid: the name does not"):
        resolve("nowhere.invalid", 443)


def test_a_refused_connection_is_httpcores_connect_error() -> None:
    # A public address that refuses: the usual transport error, retried by the client.
    backend = GuardedBackend(["127.0.0.1"])
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    with pytest.raises(httpcore.ConnectError):
        backend.connect_tcp("127.0.0.1", closed_port, timeout=1)
