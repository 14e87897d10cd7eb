"""The process's HTTP plumbing shared by every `MediaWiki` client: one connection pool,
the per-host slots that keep all of a process's jobs to Wikimedia's limit, and a TLS
context that loads its certificates only when first needed."""

from __future__ import annotations

import os
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import httpx

from wikivice.settings import Settings
from wikivice.wiki.sites import WikiSite

if TYPE_CHECKING:
    from wikivice.wiki.client import MediaWiki, RetryListener


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


@dataclass
class WikiClients:
    """Process-wide HTTP plumbing shared by every `MediaWiki`: one connection pool, and
    per-host slots so that all jobs of a process together keep to Wikimedia's limit."""

    settings: Settings
    http: httpx.Client = field(init=False)
    _slots: dict[str, threading.BoundedSemaphore] = field(default_factory=dict, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    def __post_init__(self) -> None:
        self.http = httpx.Client(
            verify=_LazyCertificates(ssl.PROTOCOL_TLS_CLIENT),
            headers={"User-Agent": self.settings.user_agent, "Accept-Encoding": "gzip"},
            timeout=self.settings.request_timeout,
            follow_redirects=True,
            limits=httpx.Limits(max_connections=32, max_keepalive_connections=16),
        )

    def slots(self, host: str) -> threading.BoundedSemaphore:
        with self._lock:
            slot = self._slots.get(host)
            if slot is None:
                slot = threading.BoundedSemaphore(self.settings.max_concurrent_requests)
                self._slots[host] = slot
            return slot

    def client(
        self,
        site: WikiSite,
        *,
        listener: RetryListener | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> MediaWiki:
        from wikivice.wiki.client import MediaWiki

        return MediaWiki(self, site, listener=listener, sleep=sleep)

    def close(self) -> None:
        self.http.close()
