"""The process's HTTP plumbing shared by every `MediaWiki` client: one connection pool,
the per-host slots that keep all of a process's jobs to Wikimedia's limit, and a TLS
context that loads its certificates only when first needed."""

from __future__ import annotations

import logging
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

from wikivice import metrics
from wikivice.settings import Settings
from wikivice.wiki.errors import SlotsBusy, WikiNotAllowed
from wikivice.wiki.guard import GuardedBackend, WikiPolicy
from wikivice.wiki.politeness import Lease, LocalSlots, Slots
from wikivice.wiki.sites import WikiSite
from wikivice.wiki.transport import RetryListener, Tries

if TYPE_CHECKING:
    from wikivice.wiki.client import MediaWiki

log = logging.getLogger(__name__)
SLOT_LOOK = 1.0  # seconds of one look for a free slot (a job's stop is seen between)


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

    def __init__(
        self, settings: Settings, *, guard: WikiPolicy | None = None, slots: Slots | None = None
    ) -> None:
        self.settings = settings
        self.guard = guard
        # In-process slots until the runtime hands over the service's (`jobs.runtime`).
        self.slots: Slots = slots or LocalSlots(settings.max_concurrent_requests)
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

    def take_slot(self, host: str, tries: Tries) -> Lease:
        """A lease of one of the host's request slots across the service.
        Raises `SlotsBusy` if none frees within `tries.slot_wait` seconds; while
        waiting, tells `tries.on_wait` once and lets `tries.sleep` stop a job."""
        waited = 0.0
        told = False
        asked = time.perf_counter()
        slots = self.slots
        while (token := slots.take(host, SLOT_LOOK)) is None:
            waited += SLOT_LOOK
            if tries.slot_wait is not None and waited >= tries.slot_wait:
                raise SlotsBusy(host)
            if not told and tries.on_wait is not None:
                tries.on_wait(host)
                told = True
            tries.sleep(0)
        metrics.SLOT_WAIT_SECONDS.labels(host).observe(time.perf_counter() - asked)
        return Lease(slots, host, token)

    def give_slot(self, lease: Lease) -> None:
        try:
            lease.give()
        except Exception:  # the lease expires on its own
            log.warning("could not give back a slot of %s", lease.host, exc_info=True)

    @contextmanager
    def slot(self, host: str, tries: Tries) -> Iterator[None]:
        """One of the host's request slots, held for one request (`take_slot`)."""
        lease = self.take_slot(host, tries)
        try:
            yield
        finally:
            self.give_slot(lease)

    def client(
        self,
        site: WikiSite,
        *,
        listener: RetryListener | None = None,
        sleep: Callable[[float], None] = time.sleep,
        on_wait: Callable[[str], None] | None = None,
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
            wait = settings.lookup_timeout
            tries = Tries(1, settings.lookup_timeout, 0.0, slot_wait=wait)
        else:
            tries = Tries(
                settings.max_retries + 1,
                settings.request_timeout,
                settings.max_retry_wait,
                listener,
                sleep,
                on_wait=on_wait,
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
