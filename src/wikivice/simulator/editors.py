"""Who edits simulated pages: registered users, IPs, temporary accounts and bots.

Everything here is a pure function of integers, so a name always maps to the same
user id and a page's editor ranks always map to the same people. Nothing is random
at import time and nothing calls Python's `hash()` (it is salted per process).

Identity contracts:
- registered user number `g` (0 <= g < 40,000,000) has `userid = g + 1` and a name
  made by `user_name(g)`, injective by construction (four name shapes that cannot be
  confused with each other);
- bots have fixed ids above 45,000,000, hostile-named accounts above 46,000,000 and
  temporary accounts above 50,000,000, so no two kinds of account share an id;
- anonymous editors are IPv4/IPv6 addresses drawn from ranges really allocated to
  the named countries (checked against iptocc in the tests), written the way
  MediaWiki's IPUtils::sanitizeIP writes them (IPv6 upper-case, no `::`).
"""

from __future__ import annotations

import hashlib
from functools import lru_cache

__all__ = [
    "BOTS",
    "BOT_IDS",
    "HOSTILE_COMMENTS",
    "HOSTILE_USERS",
    "ip_address",
    "mix",
    "temp_name",
    "user_name",
]


def mix(*parts: object) -> int:
    """A stable 64-bit integer from any printable parts (blake2b, never `hash()`)."""
    text = "\x1f".join(str(p) for p in parts).encode()
    return int.from_bytes(hashlib.blake2b(text, digest_size=8).digest(), "big")


# The bot group as `list=allusers&augroup=bot` reports it. ClueBot NG does the fast
# vandalism rollbacks; the others do maintenance edits with their usual summaries.
BOTS: dict[str, str] = {
    "AnomieBOT": "Dating maintenance tags: {{Citation needed}}",
    "BattyBot": "General fixes, removed stub tag",
    "Bender the Bot": "/* External links */ HTTP to HTTPS for [[Blogspot]]",
    "Citation bot": "Alter: title. Add: doi. | [[WP:UCB|Use this bot]]. [[WP:DBUG|Report bugs]].",
    "ClueBot NG": "",
    "Cydebot": "Robot - Speedily moving category per [[WP:CFDS]].",
    "FrescoBot": "Bot: [[User:FrescoBot/Links|link syntax]] and minor changes",
    "GreenC bot": "Rescued 1 archive link. [[User:GreenC bot/Job 18|Wayback Medic 2.5]]",
    "InternetArchiveBot": "Rescuing 2 sources and tagging 0 as dead.) #IABot (v2.0.9.5",
    "KolbertBot": "Bot: HTTP→HTTPS (v485)",
    "Lowercase sigmabot III": "Archiving 1 discussion(s) to [[Talk:Example/Archive 3]]",
    "Monkbot": "/* References */ [[User:Monkbot/task 18|Task 18]]: cosmetic cs1|2 fixes",
    "Qwerfjkl (bot)": "Converting [[WP:GENFIXES|general fixes]] (Task 12)",
    "SineBot": "Signing comment by [[User:Example|Example]]",
    "Yobot": "[[WP:CHECKWIKI]] error fixes using [[Project:AWB|AWB]]",
}
BOT_IDS: dict[str, int] = {name: 45_000_001 + i for i, name in enumerate(sorted(BOTS))}
BOT_NAMES: tuple[str, ...] = tuple(n for n in sorted(BOTS) if n != "ClueBot NG")

# Hostile strings: the dashboard must show these as text, never as markup. MediaWiki
# itself forbids `<>[]{}|#` in user names; the simulator allows them on purpose so the
# escaping of every place that prints a user name is exercised.
HOSTILE_USERS: tuple[str, ...] = (
    "<b>bold</b>",
    "<img src=x onerror=alert(1)>",
    "<script>alert(1)</script>",
    "\"Quotes' & Ampersands",
    "\u202eمستخدم עורך",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 🦄",
)
HOSTILE_USER_IDS: dict[str, int] = {n: 46_000_001 + i for i, n in enumerate(HOSTILE_USERS)}

_LONG_ASCII = ("This summary is deliberately long to test truncation. " * 10)[:500]
_LONG_UNICODE = ("Résumé naïve façade — 長い要約 ✓ " * 20)[:500]
HOSTILE_COMMENTS: tuple[str, ...] = (
    "<b>bold</b> claim, see <i>talk</i>",
    "<img src=x onerror=alert(1)> added image",
    "<script>alert(1)</script> fixed",
    "\"quoted\" & 'apostrophes' & ampersands &amp; entities",
    "تعديل \u202eתיקון עריכה",
    "emoji 🎉🦄 and 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 text",
    _LONG_ASCII,  # 500 bytes
    _LONG_UNICODE,  # 500 characters, the CommentStore limit
)

_ADJ = (
    "Quiet Brave Clever Golden Silent Rapid Lucky Misty Rusty Sunny Amber Bold Calm Dusty "
    "Eager Fuzzy Gentle Happy Icy Jolly Keen Lunar Merry Noble Odd Proud Quick Royal Shy "
    "Tidy Urban Vivid Wild Young Zesty Azure Bright Cosmic Dapper Epic Fierce Grand Hidden "
    "Ivory Jade Kind Loyal Mellow Nimble Olive"
).split()
_NOUN = (
    "Otter Falcon Badger Heron Lynx Maple Cedar River Comet Harbor Meadow Pixel Quill Raven "
    "Sparrow Thistle Walrus Yak Zebra Atlas Beacon Canyon Delta Ember Fjord Glacier Hollow "
    "Island Juniper Kestrel Lantern Marble Nebula Orchid Pebble Quartz Reef Summit Tundra "
    "Umber Valley Willow Xenon Yarrow Zephyr Anvil Bramble Cobalt Dune Elm"
).split()
_FIRST = (
    "Anna Ben Chloe David Elena Farid Grace Hiro Ines Jonas Kavya Liam Maria Nikos Olga "
    "Pedro Qiu Rosa Sven Tariq Uma Victor Wen Ximena Yusuf Zoe Amara Bjorn Carmen Dmitri "
    "Eszter Felix Gita Hamid Ingrid Jamal Keiko Lars Mei Nadia Omar Priya Rahul Sofia "
    "Tomasz Ulla Vera Willem Yara Zeynep"
).split()
_LAST = (
    "Smith Garcia Müller Rossi Kowalski Nguyen Okafor Tanaka Silva Novak Jensen Dubois "
    "Haddad Ivanova Kim Larsen Moreau Nakamura Oliveira Petrov Quinn Reyes Schmidt Tran "
    "Underwood Varga Walsh Xu Yilmaz Zhang Andersen Bianchi Costa Dimitrov Eriksen Fischer "
    "Gonzalez Horvat Iqbal Jovanovic Kaur Lindqvist Mensah Nowak Ortiz Popescu Rahman "
    "Sato Tembo Wagner"
).split()


@lru_cache(maxsize=8192)
def user_name(g: int) -> str:
    """The name of registered user number `g` (its user id is `g + 1`).

    Injective: the shape (no separator / `First Last` / `first.last` / `X of the Y`) is
    chosen by `g % 4` and the remaining digits are spelled out in full."""
    style, q = g % 4, g // 4
    a, b, rest = q % 50, (q // 50) % 50, q // 2500
    if style == 0:
        return f"{_ADJ[a]}{_NOUN[b]}{rest}"
    if style == 1:
        return f"{_FIRST[a]} {_LAST[b]}" + (f" {rest}" if rest else "")
    if style == 2:
        return f"{_FIRST[a].lower()}.{_LAST[b].lower()}{rest if rest else ''}"
    return f"{_NOUN[a]} of the {_NOUN[b]}" + (f" {rest}" if rest else "")


def temp_name(year: int, serial: int) -> str:
    """A temporary account name as Wikimedia wikis make them (`~2025-12345-67`)."""
    return f"~{year}-{serial // 100 % 100000:05d}-{serial % 100:02d}"


# (first address as int, number of addresses, country, weight): ranges checked to be
# allocated to that country (see tests/test_simulator_history.py).
_V4_RANGES: tuple[tuple[str, str, int], ...] = (
    ("24.0.0.0", "US", 14),
    ("73.0.0.0", "US", 12),
    ("99.0.0.0", "US", 8),
    ("68.0.0.0", "US", 6),
    ("174.0.0.0", "CA", 5),
    ("70.24.0.0", "CA", 2),
    ("86.0.0.0", "GB", 6),
    ("94.0.0.0", "GB", 4),
    ("49.36.0.0", "IN", 5),
    ("117.192.0.0", "IN", 4),
    ("122.160.0.0", "IN", 3),
    ("89.0.0.0", "DE", 3),
    ("217.0.0.0", "DE", 2),
    ("90.0.0.0", "FR", 3),
    ("189.0.0.0", "BR", 2),
    ("201.0.0.0", "BR", 1),
    ("110.0.0.0", "JP", 2),
    ("41.0.0.0", "ZA", 1),
    ("213.0.0.0", "ES", 1),
    ("79.0.0.0", "IT", 1),
    ("92.0.0.0", "SE", 1),
    ("83.0.0.0", "PL", 1),
    ("114.0.0.0", "ID", 1),
    ("115.0.0.0", "KR", 1),
    ("95.0.0.0", "TR", 1),
    ("102.0.0.0", "KE", 1),
    ("112.198.0.0", "PH", 1),
    ("39.32.0.0", "PK", 1),
    ("41.200.0.0", "DZ", 1),
)
_V6_RANGES: tuple[tuple[str, str, int], ...] = (
    ("2600:1000", "US", 8),
    ("2601:0", "US", 8),
    ("2a02:c7f", "GB", 4),
    ("2405:201", "IN", 4),
    ("2409:4000", "IN", 3),
    ("2a01:e0a", "FR", 2),
    ("2003:0", "DE", 2),
    ("2804:14c", "BR", 2),
    ("2001:8003", "AU", 2),
    ("2607:fea8", "CA", 2),
    ("2806:1000", "MX", 1),
    ("2400:4050", "JP", 1),
    ("2a00:1370", "RU", 1),
    ("2c0f:f4c0", "ZA", 1),
    ("2001:448a", "ID", 1),
)


def _v4_base(text: str) -> int:
    a, b, c, d = (int(x) for x in text.split("."))
    return (a << 24) | (b << 16) | (c << 8) | d


def _v6_base(text: str) -> int:
    hi, lo = (int(x, 16) for x in text.split(":"))
    return (hi << 16) | lo  # the first 32 bits of the address


def _weighted(ranges: tuple[tuple[str, str, int], ...]) -> tuple[str, ...]:
    return tuple(prefix for prefix, _cc, weight in ranges for _ in range(weight))


_V4_PICK = _weighted(_V4_RANGES)
_V6_PICK = _weighted(_V6_RANGES)
RANGE_COUNTRIES: dict[str, str] = {p: cc for p, cc, _w in _V4_RANGES + _V6_RANGES}


@lru_cache(maxsize=8192)
def ip_address(key: int) -> str:
    """An editor's IP for a stable key: 70% IPv4 inside a /16, else IPv6 inside a /32."""
    if key % 10 < 7:
        prefix = _V4_PICK[(key >> 8) % len(_V4_PICK)]
        host = (key >> 20) & 0xFFFF or 1  # never the network address
        n = _v4_base(prefix) | host
        return f"{n >> 24}.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"
    prefix = _V6_PICK[(key >> 8) % len(_V6_PICK)]
    top = _v6_base(prefix)
    groups = [top >> 16, top & 0xFFFF]
    rest = mix("v6", key)
    groups += [(rest >> (16 * i)) & 0xFFFF for i in range(6)]
    # IPUtils::sanitizeIP: upper-case hex, leading zeros dropped, no `::` shorthand.
    return ":".join(f"{g:X}" for g in groups)


# Edit summaries for ordinary human edits. `{s}` is a section heading.
SECTIONS = (
    "History",
    "Early life",
    "Career",
    "Etymology",
    "References",
    "External links",
    "Reception",
    "Legacy",
    "Description",
    "Overview",
    "See also",
    "Geography",
    "Production",
)
HUMAN_SUMMARIES = (
    "copyedit",
    "ce",
    "fix typo",
    "typo",
    "added citation",
    "expand",
    "update infobox",
    "rm unsourced claim",
    "Added {{Citation needed}} tag",
    "clarify",
    "wikilink",
    "grammar",
    "Adding [[Wikipedia:Short description|short description]]",
    "Added link",
    "rewording for clarity",
    "per talk page consensus",
    "removed promotional wording",
    "update figures to 2024",
    "Importing Wikidata [[Wikipedia:Short description|short description]]",
    "fixed citation formatting",
)
