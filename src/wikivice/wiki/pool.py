"""The process's HTTP plumbing shared by every `MediaWiki` client: one connection pool,
the per-host slots that keep all of a process's jobs to Wikimedia's limit, and a TLS
context that loads its certificates only when first needed."""

from __future__ import annotations

import os
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpcore
import httpx

from wikivice.settings import Settings
from wikivice.wiki.errors import WikiNotAllowed, WikiUnavailable
from wikivice.wiki.guard import GuardedBackend, WikiPolicy
from wikivice.wiki.sites import WikiSite
from wikivice.wiki.transport import RetryListener, Tries

if TYPE_CHECKING:
    from wikivice.wiki.client import MediaWiki


class _LazyCertificates(ssl.SSLContext):
    """A verifying TLS context (hostname and chain checked, as httpx's default) that
    reads its CA bundle on the first TLS connection rather than at start-up: reading it
    is a tenth of the CLI's start-up, and a wiki served over plain HTTP never needs it.
    The bundle is httpx's: SSL_CERT_FILE or SSL_CERT_DIR if set, else certifi's."""

    _loaded = False
    _lock = threading.Lock()

    def wrap_socket(self, *args: Any, **kwargs: Any) -> ssl.SSLSocket:
        if not self._loaded:
            with self._lock:
                if not self._loaded:
                    self._load()
                    self._loaded = True
        return super().wrap_socket(*args, **kwargs)

    def _load(self) -> None:
        if os.environ.get("SSL_CERT_FILE"):
            self.load_verify_locations(cafile=os.environ["SSL_CERT_FILE"])
        elif os.environ.get("SSL_CERT_DIR"):
            self.load_verify_locations(capath=os.environ["SSL_CERT_DIR"])
        else:
            import certifi

            self.load_verify_locations(cafile=certifi.where())


class WikiClients:
    """Process-wide HTTP plumbing shared by every `MediaWiki`: one connection pool, and
    the per-host slots that keep all requests to one host to Wikimedia's limit.

    `guard` (the web app and the workers, which fetch what strangers typed): connect only
    to public addresses but for the hosts the operator named (`guard.GuardedBackend`).
    Without it (the CLI, run by the machine's own user) any address is reached."""

    def __init__(self, settings: Settings, *, guard: WikiPolicy | None = None) -> None:
        self.settings = settings
        self.guard = guard
        self._slots: dict[str, threading.BoundedSemaphore] = {}
        self._lock = threading.Lock()
        verify = _LazyCertificates(ssl.PROTOCOL_TLS_CLIENT)
        limits = httpx.Limits(max_connections=32, max_keepalive_connections=16)
        self.http = httpx.Client(
            verify=verify,
            headers={"User-Agent": settings.user_agent, "Accept-Encoding": "gzip"},
            timeout=settings.request_timeout,
            follow_redirects=False,  # the transport follows those within the host only
            limits=limits,
            trust_env=guard is None,  # a proxy from the environment would skip the guard
            transport=_guarded_transport(verify, limits, guard) if guard else None,
        )

    @contextmanager
    def slot(self, host: str, timeout: float) -> Iterator[None]:
        """One of the host's request slots, held for one request; raises
        `WikiUnavailable` if none frees within `timeout` seconds."""
        with self._lock:
            slots = self._slots.get(host)
            if slots is None:
                slots = threading.BoundedSemaphore(self.settings.max_concurrent_requests)
                self._slots[host] = slots
        if not slots.acquire(timeout=timeout):
            raise WikiUnavailable(f"{host} is busy with other requests of this service")
        try:
            yield
        finally:
            slots.release()

    def client(
        self,
        site: WikiSite,
        *,
        listener: RetryListener | None = None,
        sleep: Callable[[float], None] = time.sleep,
        quick: bool = False,
    ) -> MediaWiki:
        """A client of `site`. `quick`: one short try (`lookup_timeout`), for a person
        waiting on a web request; otherwise the retries of `max_retries`. A guarded pool
        raises `WikiNotAllowed` for a wiki its policy does not allow (before any request)."""
        from wikivice.wiki.client import MediaWiki

        if self.guard is not None and not self.guard.allows(site):
            raise WikiNotAllowed(urlsplit(site.api_url).netloc)
        settings = self.settings
        if quick:
            tries = Tries(1, settings.lookup_timeout, 0.0)
        else:
            tries = Tries(
                settings.max_retries + 1,
                settings.request_timeout,
                settings.max_retry_wait,
                listener,
                sleep,
            )
        return MediaWiki(self, site, tries)

    def close(self) -> None:
        self.http.close()


def _guarded_transport(
    verify: ssl.SSLContext, limits: httpx.Limits, policy: WikiPolicy
) -> httpx.HTTPTransport:
    """httpx's transport over a connection pool whose network backend checks every
    address it connects to (httpx has no parameter for the backend: its pool is
    replaced; tests/wiki/test_pool.py fails if an upgrade breaks this)."""
    transport = httpx.HTTPTransport(verify=verify, limits=limits, trust_env=False)
    transport._pool = httpcore.ConnectionPool(
        ssl_context=verify,
        max_connections=limits.max_connections,
        max_keepalive_connections=limits.max_keepalive_connections,
        keepalive_expiry=limits.keepalive_expiry,
        network_backend=GuardedBackend(policy.named_hosts),
    )
    return transport
