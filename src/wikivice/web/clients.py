"""Who a request comes from, for the per-client limits (rate limits, job and stream caps).

The address is the one uvicorn gives after `--proxy-headers`: a request from a proxy
named in `WIKIVICE_FORWARDED_ALLOW_IPS` is the client its `X-Forwarded-For` names, any
other is the peer address itself (so a client cannot claim another's address). An IPv6
client is its /64: one household or one server gets a /64 and can pick any address in
it, so a limit per address would be a limit per nothing.
"""

from __future__ import annotations

import ipaddress

from starlette.requests import HTTPConnection

IPV6_PREFIX = 64
KEY_CHARS = 64  # fetch_jobs.requested_by is String(64)


def client_key(request: HTTPConnection) -> str:
    """The client's key: its IPv4 address, its IPv6 /64, or (not an address: a Unix
    socket, a test client) what the server calls it."""
    host = request.client.host if request.client is not None else ""
    return key_for_host(host)


def key_for_host(host: str) -> str:
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return host[:KEY_CHARS] or "unknown"
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:  # ::ffff:192.0.2.1 is 192.0.2.1
            return str(address.ipv4_mapped)
        network = ipaddress.IPv6Network((address, IPV6_PREFIX), strict=False)
        return str(network)
    return str(address)
