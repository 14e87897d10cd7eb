"""Which wikis a public server may fetch, and the addresses it may connect to.

Two checks, both needed (a stranger types the wiki URL):
- Before any request, the wiki's host must match `WIKIVICE_ALLOWED_WIKIS` (host patterns;
  by default the Wikimedia projects) or be the operator's default wiki (`WikiPolicy`).
- On every connection, the address actually connected to must be a public one
  (`GuardedBackend`, the network backend of the guarded HTTP pool): a name that resolves
  to a loopback, private, link-local, multicast or reserved address is refused, whatever
  the name (`localhost`, `[::1]`, `2130706433`, `0x7f.1`, a DNS record that changes
  between two lookups). A host the operator named exactly (no wildcard) may be local: a
  wiki on the same machine or network is theirs to allow.

The CLI is run by the machine's own user and uses an unguarded pool: `--wiki` is trusted
there.
"""

from __future__ import annotations

import ipaddress
import socket
import typing
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from fnmatch import fnmatchcase
from urllib.parse import urlsplit

import httpcore

from wikivice.settings import Settings
from wikivice.wiki.errors import AddressRefused, WikiUnreachable
from wikivice.wiki.sites import WikiSite, parse_wiki

RESOLVE_SECONDS = 2.0  # a name that does not resolve by then is reported as such
_resolver = ThreadPoolExecutor(max_workers=8, thread_name_prefix="resolve")
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True)
class HostPattern:
    """`*.wikipedia.org`, `wiki.example.org`, `wiki.example.org:8080`, `[::1]:8765`:
    a host (shell wildcards allowed, matched case-insensitively), and a port if given."""

    host: str
    port: int | None

    @classmethod
    def parse(cls, text: str) -> HostPattern:
        parts = urlsplit("//" + text.strip().lower())
        try:
            port = parts.port
        except ValueError:
            raise ValueError(f"{text!r} is not a host pattern") from None
        host = parts.hostname or ""
        if not host or parts.username is not None or parts.path:
            raise ValueError(f"{text!r} is not a host pattern")
        return cls(host, port)

    @property
    def exact(self) -> bool:
        return not any(c in self.host for c in "*?[")

    def matches(self, host: str, port: int | None) -> bool:
        return fnmatchcase(host, self.host) and self.port in (None, port)


@dataclass(frozen=True)
class WikiPolicy:
    """Which wikis may be fetched: those whose api.php host (and port) matches one of
    `patterns`, and the `extra` sites the operator configured (the default wiki)."""

    patterns: tuple[HostPattern, ...]
    extra: tuple[WikiSite, ...] = ()

    @classmethod
    def parse(cls, patterns: Iterable[str], extra: Iterable[WikiSite] = ()) -> WikiPolicy:
        return cls(tuple(HostPattern.parse(p) for p in patterns if p.strip()), tuple(extra))

    def allows(self, site: WikiSite) -> bool:
        if any(site.api_url == other.api_url for other in self.extra):
            return True
        parts = urlsplit(site.api_url)
        host = (parts.hostname or "").lower()
        return any(p.matches(host, parts.port) for p in self.patterns)

    @property
    def named_hosts(self) -> frozenset[str]:
        """Hosts named exactly (no wildcard): the operator's own, which may be local."""
        named = {p.host for p in self.patterns if p.exact}
        return frozenset(named | {(urlsplit(s.api_url).hostname or "") for s in self.extra})


def is_public(address: Address) -> bool:
    """A globally routable unicast address (IPv4-mapped IPv6 judged as its IPv4)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


class GuardedBackend(httpcore.SyncBackend):
    """httpcore's network backend, connecting only to public addresses (but for the
    hosts in `named_hosts`). The check is on the address connected to, after our own
    lookup, so no second lookup can send the connection elsewhere."""

    def __init__(self, named_hosts: Iterable[str] = ()) -> None:
        self.named_hosts = frozenset(h.lower() for h in named_hosts)

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        if host.lower() in self.named_hosts:
            return super().connect_tcp(host, port, timeout, local_address, socket_options)
        addresses = [a for a in resolve(host, port) if is_public(a)]
        if not addresses:
            raise AddressRefused(host)
        last: Exception | None = None
        for address in addresses:
            try:
                return super().connect_tcp(
                    str(address), port, timeout, local_address, socket_options
                )
            except httpcore.ConnectError as exc:
                last = exc
        assert last is not None
        raise last


def resolve(host: str, port: int) -> list[Address]:
    """The addresses `host` resolves to, within RESOLVE_SECONDS (getaddrinfo has no
    timeout of its own, so it runs on a thread we stop waiting for)."""
    lookup = _resolver.submit(socket.getaddrinfo, host, port, type=socket.SOCK_STREAM)
    try:
        infos = lookup.result(timeout=RESOLVE_SECONDS)
    except FutureTimeout:
        raise WikiUnreachable(host, "the name did not resolve in time") from None
    except (socket.gaierror, UnicodeError):
        raise WikiUnreachable(host, "the name does not resolve") from None
    found: list[Address] = []
    for _family, _type, _proto, _name, sockaddr in infos:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if address not in found:
            found.append(address)
    return found


def policy_of(settings: Settings) -> WikiPolicy:
    """The policy a server's settings set: `allowed_wikis`, and the default wiki."""
    return WikiPolicy.parse(settings.allowed_wiki_patterns, [parse_wiki(settings.default_wiki)])
