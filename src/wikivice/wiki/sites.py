"""Which wiki a user means: a Wikipedia language code or the URL of any MediaWiki api.php.

A wiki has a short key used in our URLs (`/wiki/{key}/{title}`): the language code for
Wikipedia (`en`), otherwise the host and port of its api.php, with the path when it is
not the usual `/w/api.php`, slashes written `~` (`127.0.0.1:8765`,
`wiki.example.org~mediawiki`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import SplitResult, quote, urlsplit

import httpx

# Wikipedia language codes: letters, digits and hyphens (`en`, `zh-min-nan`, `be-tarask`).
LANGUAGE_CODE = re.compile(r"^[a-z][a-z0-9]{1,11}(?:-[a-z0-9]{1,12}){0,3}$")


LANGUAGES_FILE = "languages.txt"
MAX_SPEC_CHARS = 500  # an api.php URL is far shorter; the web checks the same bound
# The width of wikis.key (store/models.py; tests/store/test_pages.py checks they
# agree): a site that does not fit is refused here, not by PostgreSQL. Its URLs are then
# at most 221 characters, well within their columns' 500.
MAX_KEY_CHARS = 200


class WikiSpecError(ValueError):
    """The text names neither a Wikipedia language nor an api.php URL."""


@dataclass(frozen=True)
class WikiSite:
    key: str
    api_url: str
    rest_url: str
    article_url: str  # `$1` stands for the title, as in MediaWiki's $wgArticlePath

    def page_url(self, title: str) -> str:
        return self.article_url.replace("$1", quote(title.replace(" ", "_"), safe="/:(),'!*"))

    def history_url(self, title: str) -> str:
        return self.index_url(title=title.replace(" ", "_"), action="history")

    def diff_url(self, revid: int) -> str:
        return self.index_url(diff=str(revid))

    def contributions_url(self, user: str) -> str:
        return self.page_url(f"Special:Contributions/{user}")

    def index_url(self, **params: str) -> str:
        base = self.api_url.rsplit("/", 1)[0] + "/index.php"
        query = "&".join(f"{k}={quote(v, safe=':/')}" for k, v in params.items())
        return f"{base}?{query}"


LANGUAGES_HEADER = """\
# Wikipedia language codes (subdomains of wikipedia.org), one per line: the open
# wikis and the closed ones (read-only, their histories still there). From Wikimedia's
# site matrix, {when}; refresh with `wikivice languages --refresh`.
"""


def languages_path() -> Path:
    """The language list shipped with the package."""
    return Path(__file__).parent / LANGUAGES_FILE


def write_languages(codes: list[str], path: Path, when: str) -> None:
    """Write a language list as the package ships it (`when`: the matrix's date)."""
    path.write_text(LANGUAGES_HEADER.format(when=when) + "".join(f"{c}\n" for c in codes))
    wikipedia_languages.cache_clear()


@cache
def wikipedia_languages() -> frozenset[str]:
    """The Wikipedia language codes shipped with the package (`languages.txt`, refreshed
    by `wikivice languages --refresh`): a code is known before any request is sent."""
    text = languages_path().read_text(encoding="utf-8")
    return frozenset(
        line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


def parse_wiki(spec: str) -> WikiSite:
    """`en` → English Wikipedia; `https://host/w/api.php` → that wiki. A language code
    must be one of Wikipedia's (`languages.txt`); a URL may carry no user or password."""
    spec = spec.strip()
    if not spec.isprintable() or len(spec) > MAX_SPEC_CHARS:
        raise WikiSpecError("a wiki is a language code or a URL of printable characters")
    if LANGUAGE_CODE.match(spec):
        if spec not in wikipedia_languages():
            raise WikiSpecError(f"{spec!r} is not the code of a Wikipedia language")
        host = f"{spec}.wikipedia.org"
        return WikiSite(
            key=spec,
            api_url=f"https://{host}/w/api.php",
            rest_url=f"https://{host}/w/rest.php",
            article_url=f"https://{host}/wiki/$1",
        )
    try:
        parts = urlsplit(spec)
    except ValueError:  # an unclosed `[`, or brackets around what is no IPv6 address
        raise WikiSpecError(f"{spec!r} is not a URL: check its host") from None
    if parts.username is not None or parts.password is not None:
        raise WikiSpecError("a wiki's URL may not carry a user name or password")
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise WikiSpecError(
            f"{spec!r} is neither a Wikipedia language code (like 'en') "
            "nor the URL of a MediaWiki api.php (like 'https://en.wikipedia.org/w/api.php')"
        )
    path = parts.path.rstrip("/")
    if not path.endswith("api.php"):
        raise WikiSpecError(f"{spec!r} does not end in api.php: give the URL of the wiki's api.php")
    script_dir = path[: -len("/api.php")]
    host = _host_and_port(spec, parts)
    # Keys appear as one path segment in our URLs: no slashes.
    key = host if script_dir == "/w" else f"{host}{script_dir.replace('/', '~')}"
    origin = f"{parts.scheme}://{host}"
    # MediaWiki's default layout: index.php and rest.php beside api.php; short article
    # URLs under /wiki/ when the scripts live in /w (Wikimedia's layout).
    article = f"{origin}/wiki/$1" if script_dir == "/w" else f"{origin}{script_dir}/index.php/$1"
    site = WikiSite(
        key=key,
        api_url=f"{origin}{path}",
        rest_url=f"{origin}{script_dir}/rest.php",
        article_url=article,
    )
    if len(key) > MAX_KEY_CHARS:
        raise WikiSpecError("this wiki's URL is too long: give the URL of its api.php")
    return site


def _host_and_port(spec: str, parts: SplitResult) -> str:
    """The URL's host, lower case and in ASCII (an internationalised name as its IDNA
    A-label: what DNS is asked, and one spelling per host for our keys and the
    allow-list), with its port if the URL gives one. A port that is no number from 1
    to 65535, or a host that is no valid name or address, is refused here: before
    anything else (the allow-list, the HTTP client) trips over it."""
    refused = WikiSpecError(f"{spec!r} is not a URL a wiki can have: check its host and port")
    try:
        port = parts.port
        url = httpx.URL(f"{parts.scheme}://{parts.netloc}/")
        url.host  # noqa: B018 -- decoding A-labels is what checks them (`xn--a` is none)
        host = url.raw_host.decode("ascii").lower()
    except (ValueError, httpx.InvalidURL):  # idna's errors are ValueErrors
        raise refused from None
    if not host or port == 0:
        raise refused
    if ":" in host:  # an IPv6 address
        host = f"[{host}]"
    return host if port is None else f"{host}:{port}"
