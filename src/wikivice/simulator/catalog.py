"""Which titles exist on the simulated wiki, and how titles are normalized.

- `Synthetic N` (1 <= N <= 2,000,000, no leading zeros) has exactly N revisions and
  page id `1,000,000 + N`.
- `NAMED_PAGES` are demo articles backed by the same generator with their own size,
  age and editing habits; `REDIRECTS` point at them (and at a few Synthetic pages).
  Redirect pages exist too (one revision each, page ids from 90,000,001).
- Everything else in the main namespace is missing; other namespaces are empty.

`normalize()` follows MediaWikiTitleCodec: HTML entities decoded, bidi marks dropped,
underscores and Unicode spaces collapsed to one space and trimmed, one leading colon
dropped (a second is invalid), namespace prefixes recognised, first letter upper-cased,
and the same invalid-title reasons (illegal characters, empty, too long, relative).
"""

from __future__ import annotations

import difflib
import html
import random
import re
import threading
import unicodedata
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime

from .editors import mix
from .history import Profile, SyntheticHistory

__all__ = ["NAMED_PAGES", "REDIRECTS", "Catalog", "InvalidTitle", "PageSpec", "normalize"]

SYNTHETIC_MAX = 2_000_000
SYNTHETIC_PAGEID_BASE = 1_000_000
NAMESPACES: dict[int, str] = {
    -2: "Media",
    -1: "Special",
    0: "",
    1: "Talk",
    2: "User",
    3: "User talk",
    4: "Wikipedia",
    5: "Wikipedia talk",
    6: "File",
    7: "File talk",
    8: "MediaWiki",
    9: "MediaWiki talk",
    10: "Template",
    11: "Template talk",
    12: "Help",
    13: "Help talk",
    14: "Category",
    15: "Category talk",
}
_NS_BY_NAME = {name.lower(): ns for ns, name in NAMESPACES.items() if name}
_NS_BY_NAME |= {"project": 4, "project talk": 5, "image": 6, "image talk": 7, "wp": 4}


@dataclass(frozen=True)
class PageSpec:
    title: str
    pageid: int
    count: int
    profile: Profile = Profile()
    created: str | None = None  # ISO date; None: `profile.years` before the anchor


NAMED_PAGES: tuple[PageSpec, ...] = (
    PageSpec("Alan Turing", 1208, 4000, Profile(final_size=112_000, war=0.08), "2001-10-19"),
    PageSpec("Coffee", 604727, 2500, Profile(final_size=95_000), "2001-11-05"),
    PageSpec("Edit war", 311, 1500, Profile(war=0.5, revert=0.04, final_size=30_000)),
    PageSpec("AC/DC", 5201, 900, Profile(final_size=120_000, anon=0.3), "2002-02-25"),
    PageSpec("Café", 6045, 300, Profile(final_size=14_000), "2004-03-02"),
    PageSpec("Main Page", 15580374, 5000, Profile(anon=0.0, vandal=0.0, bot=0.02), "2002-01-26"),
    PageSpec("Photosynthesis", 24544, 1200, Profile(final_size=85_000), "2001-09-30"),
    PageSpec("Ada Lovelace", 4066, 2200, Profile(final_size=70_000), "2001-09-11"),
    PageSpec("Python (programming language)", 23862, 6000, Profile(final_size=160_000)),
    PageSpec("São Paulo", 390875, 3000, Profile(final_size=180_000), "2003-06-14"),
    PageSpec("Zürich", 34273, 700, Profile(final_size=60_000), "2002-08-01"),
    PageSpec("Justin Bieber", 23680998, 3000, Profile(anon=0.35, vandal=0.09), "2009-05-02"),
    PageSpec("Tom & Jerry", 30875, 600, Profile(final_size=40_000)),
    PageSpec("Ender's Game", 9542, 400, Profile(final_size=45_000)),
    PageSpec("Simulated Summit", 81000001, 150, Profile(years=5 / 365.25, breaking=True)),
    PageSpec("Lonely stub", 81000002, 1, Profile(final_size=900, years=3)),
)
REDIRECTS: dict[str, str] = {
    "Turing": "Alan Turing",
    "Ada Byron": "Ada Lovelace",
    "Kaffee": "Coffee",
    "Acdc": "AC/DC",
    "AC-DC": "AC/DC",
    "Cafe": "Café",
    "Sao Paulo": "São Paulo",
    "Zurich": "Zürich",
    "Python language": "Python (programming language)",
    "Bieber": "Justin Bieber",
    "S500": "Synthetic 500",
    "S100k": "Synthetic 100000",
}
_REDIRECT_IDS = {title: 90_000_001 + i for i, title in enumerate(REDIRECTS)}
_SYNTHETIC = re.compile(r"Synthetic ([1-9][0-9]{0,6})")


class InvalidTitle(ValueError):
    """A title MediaWiki would reject; `reason` is its `invalidreason` text."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


_BIDI = re.compile("[\u200e\u200f\u202a-\u202e]")
_SPACES = re.compile("[ _\u00a0\u1680\u180e\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+")
_ENTITY = re.compile(r"&(#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")
# MediaWiki's Title::getTitleInvalidRegex(): outside $wgLegalTitleChars, %XX, &entity;
_ILLEGAL = re.compile(
    r"[^ %!\"$&'()*,\-./0-9:;=?@A-Z\\^_`a-z~+\u0080-\U0010ffff]"
    r"|%[0-9A-Fa-f]{2}|&[A-Za-z0-9\u0080-\U0010ffff]+;"
)
_RELATIVE = re.compile(r"^\.\.?(/|$)|/\.\.?(/|$)")


def normalize(raw: str) -> tuple[int, str]:
    """(namespace, canonical title) for `raw`, or raise InvalidTitle."""
    text = _ENTITY.sub(lambda m: html.unescape(m.group(0)), raw)
    text = unicodedata.normalize("NFC", _BIDI.sub("", text))
    key = _SPACES.sub("_", text).strip("_")
    ns = 0
    if key.startswith(":"):  # an initial colon means the main namespace
        key = key[1:].strip("_")
    elif ":" in key:
        prefix, rest = key.split(":", 1)
        found = _NS_BY_NAME.get(prefix.replace("_", " ").strip().lower())
        if found is not None:
            ns, key = found, rest.strip("_")
    if key.startswith(":"):
        raise InvalidTitle("The requested page title contains an invalid colon at the beginning.")
    if not key:
        raise InvalidTitle(
            "The requested page title is empty or contains only the name of a namespace."
        )
    bad = _ILLEGAL.search(key)
    if bad:
        raise InvalidTitle(
            f'The requested page title contains invalid characters: "{bad.group(0)}".'
        )
    if _RELATIVE.search(key):
        raise InvalidTitle(
            "Title has relative path. Relative page titles (./, ../) are invalid, because they "
            "will often be unreachable when handled by user's browser."
        )
    if "~~~" in key:
        raise InvalidTitle("The requested page title contains invalid magic tilde sequence (~~~).")
    if len(key.encode()) > 255:
        raise InvalidTitle(
            "The requested page title is too long. It must be no longer than 255 bytes in "
            "UTF-8 encoding."
        )
    first = key[0].upper()
    if len(first) == 1:  # $wgCapitalLinks; 'ß' stays 'ß' as in MediaWiki
        key = first + key[1:]
    title = key.replace("_", " ")
    return ns, (f"{NAMESPACES[ns]}:{title}" if ns else title)


def _fold(text: str) -> str:
    """Case- and accent-insensitive key, as CirrusSearch's prefix search matches."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


class Catalog:
    """Titles, page ids and their histories for one simulator (seed and anchor)."""

    def __init__(self, *, seed: int, anchor: int, cache: int = 128) -> None:
        self.seed, self.anchor = seed, anchor
        self._specs = {s.title: s for s in NAMED_PAGES}
        self._by_id = {s.pageid: s.title for s in NAMED_PAGES}
        self._by_id |= {pid: title for title, pid in _REDIRECT_IDS.items()}
        self._cache: OrderedDict[str, SyntheticHistory] = OrderedDict()
        self._capacity = cache
        self._pinned: dict[str, SyntheticHistory] = {}  # grown pages are never evicted
        self._lock = threading.Lock()
        self._index = sorted(
            {(_fold(t), t) for t in self._specs} | {(_fold(r), t) for r, t in REDIRECTS.items()}
        )

    def page(self, title: str) -> SyntheticHistory | None:
        """The page stored under canonical main-namespace `title` (redirects included)."""
        with self._lock:
            found = self._pinned.get(title) or self._cache.get(title)
            if found is not None:
                if title in self._cache:
                    self._cache.move_to_end(title)
                return found
        made = self._make(title)
        if made is not None:
            with self._lock:
                made = self._pinned.get(title) or self._cache.setdefault(title, made)
                while len(self._cache) > self._capacity:
                    self._cache.popitem(last=False)
        return made

    def page_by_id(self, pageid: int) -> SyntheticHistory | None:
        n = pageid - SYNTHETIC_PAGEID_BASE
        if 1 <= n <= SYNTHETIC_MAX:
            return self.page(f"Synthetic {n}")
        title = self._by_id.get(pageid)
        return self.page(title) if title else None

    def pin(self, history: SyntheticHistory) -> None:
        with self._lock:
            self._pinned[history.title] = history

    @property
    def grown(self) -> list[SyntheticHistory]:
        return list(self._pinned.values())

    def _make(self, title: str) -> SyntheticHistory | None:
        seed = mix(self.seed, title)
        m = _SYNTHETIC.fullmatch(title)
        if m and int(m.group(1)) <= SYNTHETIC_MAX:
            n = int(m.group(1))
            profile = Profile(
                final_size=8_000 + seed % 150_000,
                years=4 + seed % 1700 / 100,
                war=0.04 + seed % 5 / 50,
            )
            pid = SYNTHETIC_PAGEID_BASE + n
            return SyntheticHistory(title, pid, n, seed=seed, anchor=self.anchor, profile=profile)
        spec = self._specs.get(title)
        if spec is not None:
            created = (
                int(datetime.fromisoformat(spec.created).replace(tzinfo=UTC).timestamp())
                if spec.created
                else None
            )
            return SyntheticHistory(
                title, spec.pageid, spec.count, seed=seed, anchor=self.anchor,
                created=created, profile=spec.profile,
            )  # fmt: skip
        target = REDIRECTS.get(title)
        if target is not None:
            return SyntheticHistory(
                title, _REDIRECT_IDS[title], 1, seed=seed, anchor=self.anchor,
                profile=Profile(years=8 + seed % 5), redirect_to=target,
            )  # fmt: skip
        return None

    # -- search ------------------------------------------------------------------
    def prefix_search(self, text: str, limit: int) -> list[str]:
        """Opensearch: case/accent-insensitive prefix match over named pages, their
        redirects (shown as the target) and Synthetic N; fuzzy when nothing matches."""
        query = _fold(_SPACES.sub(" ", text).strip())
        if not query or limit <= 0:
            return []
        found = self._prefix(query, limit)
        if not found:  # CirrusSearch's fuzzy fallback for typos
            found = self._fuzzy(query, limit)
        return found[:limit]

    def _prefix(self, query: str, limit: int) -> list[str]:
        out: list[str] = []
        for key, title in self._index:
            if key.startswith(query) and title not in out:
                out.append(title)
        out.sort(key=lambda t: (_fold(t) != query, -self._weight(t)))
        if "synthetic ".startswith(query) or query.startswith("synthetic "):
            digits = query[len("synthetic ") :] if query.startswith("synthetic ") else ""
            if not digits or digits.isdigit():  # "synthetic nothing" completes to nothing
                out += _synthetic_completions(digits, limit - len(out))
        return out

    def _fuzzy(self, query: str, limit: int) -> list[str]:
        word, _, number = query.rpartition(" ")
        if number.isdigit() and difflib.SequenceMatcher(None, word, "synthetic").ratio() > 0.7:
            return self._prefix(f"synthetic {number.lstrip('0')}", limit)
        keys = {key[: len(query) + 1]: title for key, title in reversed(self._index)}
        close = difflib.get_close_matches(query, list(keys), n=limit, cutoff=0.7)
        return list(dict.fromkeys(keys[c] for c in close))

    def _weight(self, title: str) -> int:
        spec = self._specs.get(title)
        return spec.count if spec else 0

    def random_pages(self, rng: random.Random, n: int) -> list[SyntheticHistory]:
        """Random content pages: named ones and Synthetic N (list=random)."""
        out: list[SyntheticHistory] = []
        named = [s.title for s in NAMED_PAGES]
        while len(out) < n:
            if rng.random() < 0.5:
                title = rng.choice(named)
            else:
                title = f"Synthetic {int(10 ** rng.uniform(0, 5.3))}"
            page = self.page(title)
            if page is not None and all(p.pageid != page.pageid for p in out):
                out.append(page)
        return out

    def recent_pages(self) -> list[SyntheticHistory]:
        """Pages whose latest edits feed list=recentchanges."""
        titles = [s.title for s in NAMED_PAGES] + ["Synthetic 500", "Synthetic 100000"]
        pages = [self.page(t) for t in titles] + self.grown
        unique = {p.pageid: p for p in pages if p is not None}
        return list(unique.values())


def _synthetic_completions(digits: str, limit: int) -> list[str]:
    """`Synthetic <digits>`, then its completions with one more digit, and so on."""
    out: list[str] = []
    level = [digits] if digits else [str(d) for d in range(1, 10)]
    while level and len(out) < limit:
        nxt: list[str] = []
        for d in level:
            if d and d[0] != "0" and int(d) <= SYNTHETIC_MAX:
                out.append(f"Synthetic {d}")
                if len(out) >= limit:
                    break
            if len(d) < 7:
                nxt += [d + str(x) for x in range(10)]
        level = nxt
    return out
