"""action=query's list and meta modules, each `(req, q)`: it adds its answer to the
`query` object `q`; a list module returns its continuation parameters.

Shapes follow MediaWiki's formatversion=2 output (formats.py derives version 1):
`list=allusers` (with `augroup=bot`), `list=random`, `list=tags` (every tag the
histories carry, by name, with display names as MediaWiki renders them: HTML),
`list=recentchanges` (30 days of edits across the named pages, two Synthetic pages and
every grown page, newest first, `rccontinue` as `YYYYMMDDHHMMSS|rcid` with rcid =
revid), `meta=siteinfo` (general, namespaces, statistics) and `meta=userinfo` (the
anonymous reader).
"""

from __future__ import annotations

import heapq
import re
import time
from collections.abc import Callable, Iterator
from typing import Any

from .catalog import NAMED_PAGES, NAMESPACES, SYNTHETIC_MAX
from .editors import BOT_IDS, BOTS, HOSTILE_USER_IDS
from .history import SyntheticHistory
from .request import BADCONTINUE, ApiFailure, Request
from .timestamps import iso_timestamp, mw_timestamp, parse_timestamp

__all__ = ["LISTS", "METAS"]

GENERATOR = "MediaWiki 1.46.0-simulator"
_RC_AGE = 30 * 86400  # Wikimedia keeps 30 days of recent changes


def allusers(req: Request, q: dict[str, Any]) -> dict[str, str]:
    limit = req.limit("aulimit", "allusers", 10, 500)
    groups = req.multi("augroup")
    bots = [(name, uid, ["bot", "*", "user", "autoconfirmed"]) for name, uid in BOT_IDS.items()]
    others = [(name, uid, ["*", "user", "autoconfirmed"]) for name, uid in HOSTILE_USER_IDS.items()]
    users = bots if groups == ["bot"] else [] if groups else bots + others
    users.sort()
    start = req.params.get("aufrom", "")
    prefix = req.params.get("auprefix", "")
    users = [u for u in users if u[0] >= start and u[0].startswith(prefix)]
    props = set(req.multi("auprop"))
    out = []
    for name, uid, user_groups in users[:limit]:
        entry: dict[str, Any] = {"userid": uid, "name": name}
        if "editcount" in props:
            entry["editcount"] = 1000 + uid % 900_000
        if "registration" in props:
            entry["registration"] = iso_timestamp(1_100_000_000 + uid % 400_000_000)
        if "groups" in props:
            entry["groups"] = user_groups
        out.append(entry)
    q["allusers"] = out
    return {"aufrom": users[limit][0]} if len(users) > limit else {}


def random_pages(req: Request, q: dict[str, Any]) -> dict[str, str]:
    limit = req.limit("rnlimit", "random", 1, 500)
    spaces = req.multi("rnnamespace")
    rng = req.sim.next_random()
    pages = req.sim.catalog.random_pages(rng, limit) if not spaces or "0" in spaces else []
    q["random"] = [{"id": p.pageid, "ns": 0, "title": p.title} for p in pages]
    return {"rncontinue": f"{rng.random():.12f}|{rng.random():.12f}|{rng.randrange(10**7)}|0"}


def _newest_first(
    page: SyntheticHistory, cutoff: int
) -> Iterator[tuple[int, int, int, SyntheticHistory]]:
    i = page.count - 1
    while i >= 0:
        t = page.timestamp(i)
        if t < cutoff:
            return
        yield t, page.first_revid + i, i, page
        i -= 1


def recentchanges(req: Request, q: dict[str, Any]) -> dict[str, str]:
    limit = req.limit("rclimit", "recentchanges", 10, 500)
    types = set(req.multi("rctype") or ["edit", "new", "log", "categorize"])
    props = set(req.multi("rcprop") or ["title", "timestamp", "ids"])
    show = set(req.multi("rcshow"))
    spaces = req.multi("rcnamespace")
    out: list[dict[str, Any]] = []
    q["recentchanges"] = out
    if spaces and "0" not in spaces:
        return {}
    after: tuple[int, int] | None = None
    if "rccontinue" in req.params:
        m = re.fullmatch(r"(\d{14})\|(\d+)", req.params["rccontinue"])
        if not m:
            raise ApiFailure("badcontinue", BADCONTINUE)
        after = (parse_timestamp(m.group(1), "rccontinue"), int(m.group(2)))
    cutoff = req.sim.catalog.anchor - _RC_AGE
    # A lazy merge of newest-first streams: only the rows up to rclimit are generated.
    streams = [_newest_first(p, cutoff) for p in req.sim.catalog.recent_pages()]
    for t, revid, i, page in heapq.merge(*streams, key=lambda x: (x[0], x[1]), reverse=True):
        if after is not None and (t, revid) > after:  # the token names the next row to send
            continue
        row = page.rows(i, i + 1)[0]
        kind = "new" if i == 0 else "edit"
        if kind not in types or not _shown(row, show):
            continue
        if len(out) == limit:
            return {"rccontinue": f"{mw_timestamp(t)}|{revid}"}
        out.append(_rc_entry(page, i, row, kind, props))
    return {}


def _shown(row: dict[str, Any], show: set[str]) -> bool:
    facts = {"bot": row.get("user") in BOTS, "anon": "anon" in row, "minor": bool(row["minor"])}
    for f, value in facts.items():
        if (f in show and not value) or (f"!{f}" in show and value):
            return False
    return True


def _rc_entry(
    page: SyntheticHistory, i: int, row: dict[str, Any], kind: str, props: set[str]
) -> dict[str, Any]:
    e: dict[str, Any] = {"type": kind}
    if "title" in props:
        e |= {"ns": 0, "title": page.title}
    if "ids" in props:
        e |= {"pageid": page.pageid, "revid": row["revid"], "old_revid": row["parentid"]}
        e["rcid"] = row["revid"]
    if "user" in props or "userid" in props:
        e |= {k: row[k] for k in ("userhidden", "temp", "anon") if k in row}
        if "user" in props and "user" in row:
            e["user"] = row["user"]
        if "userid" in props and "userid" in row:
            e["userid"] = row["userid"]
    if "flags" in props:
        e |= {"bot": row.get("user") in BOTS, "new": kind == "new", "minor": row["minor"]}
    if "sizes" in props:
        e["oldlen"] = page.rows(i - 1, i)[0]["size"] if i else 0
        e["newlen"] = row["size"]
    if "timestamp" in props:
        e["timestamp"] = row["timestamp"]
    if "comment" in props:
        e |= {"commenthidden": True} if "commenthidden" in row else {"comment": row["comment"]}
    if "tags" in props:
        e["tags"] = row["tags"]
    return e


def siteinfo(req: Request, q: dict[str, Any]) -> None:
    props = req.multi("siprop") or ["general"]
    host = re.sub(r"^https?://", "", req.server).split(":")[0]
    if "general" in props:
        q["general"] = {
            "mainpage": "Main Page",
            "base": f"{req.server}/wiki/Main_Page",
            "sitename": "Simulated Wikipedia",
            "mainpageisdomainroot": False,
            "generator": GENERATOR,
            "phpversion": "8.3.0",
            "dbtype": "mysql",
            "case": "first-letter",
            "lang": "en",
            "fallback": [],
            "rtl": False,
            "readonly": False,
            "writeapi": True,
            "maxarticlesize": 2097152,
            "timezone": "UTC",
            "timeoffset": 0,
            "articlepath": "/wiki/$1",
            "scriptpath": "/w",
            "script": "/w/index.php",
            "server": req.server,
            "servername": host,
            "wikiid": "simwiki",
            "time": iso_timestamp(int(time.time())),
            "misermode": True,
        }
    if "namespaces" in props:
        spaces: dict[str, Any] = {}
        for ns, name in NAMESPACES.items():
            entry: dict[str, Any] = {"id": ns, "case": "first-letter", "name": name}
            entry["subpages"] = ns > 0 and ns % 2 == 1 or ns in (2, 4, 12)
            if name:
                entry["canonical"] = name.replace("Wikipedia", "Project")
            entry |= {"content": ns == 0, "nonincludable": False}
            spaces[str(ns)] = entry
        q["namespaces"] = spaces
    if "statistics" in props:
        named = sum(s.count for s in NAMED_PAGES)
        q["statistics"] = {
            "pages": SYNTHETIC_MAX + len(NAMED_PAGES),
            "articles": SYNTHETIC_MAX + len(NAMED_PAGES),
            "edits": SYNTHETIC_MAX * (SYNTHETIC_MAX + 1) // 2 + named,  # Synthetic N: N edits
            "images": 0,
            "users": 40_000_000,
            "activeusers": 120_000,
            "admins": 850,
            "jobs": 0,
        }


# What Wikimedia grants a logged-out reader (ApiQueryUserInfo, uiprop=rights).
_ANON_RIGHTS = [
    "createaccount", "read", "edit", "createtalk", "writeapi", "viewmyprivateinfo",
    "editmyprivateinfo", "editmyoptions", "abusefilter-log-detail", "centralauth-merge",
    "abusefilter-view", "abusefilter-log",
]  # fmt: skip


def userinfo(req: Request, q: dict[str, Any]) -> None:
    """Always the anonymous user, never blocked (so `blockinfo` adds nothing)."""
    props = req.multi("uiprop")
    info: dict[str, Any] = {"id": 0, "name": "127.0.0.1", "anon": True}
    if "hasmsg" in props:
        info["messages"] = False
    if "groups" in props:
        info["groups"] = ["*"]
    if "rights" in props:
        info["rights"] = list(_ANON_RIGHTS)
    q["userinfo"] = info


# The tags the simulator's histories carry (blocks.py), and their display names as
# English Wikipedia's MediaWiki:Tag-<name> messages render them (`False`: a hidden tag,
# whose message is "-", as the 2010 wikitext editor's is there).
TAG_DISPLAY_NAMES: dict[str, str | bool] = {
    "AWB": '<a href="/wiki/Wikipedia:AutoWikiBrowser" title="Wikipedia:AutoWikiBrowser">AWB</a>',
    "android app edit": "Android app edit",
    "ios app edit": "iOS app edit",
    "mobile app edit": "Mobile app edit",
    "mobile edit": "Mobile edit",
    "mobile web edit": "Mobile web edit",
    "mw-blank": "Blanking",
    "mw-manual-revert": "Manual revert",
    "mw-new-redirect": "New redirect",
    "mw-replace": "Replaced",
    "mw-reverted": "Reverted",
    "mw-rollback": "Rollback",
    "mw-undo": "Undo",
    "possible vandalism": '<span class="tag-abuse">Possible vandalism</span> &amp; <i>more</i>',
    "twinkle": '<a href="/wiki/Wikipedia:Twinkle" title="Wikipedia:Twinkle">Twinkle</a>',
    "visualeditor": '<a href="/wiki/Wikipedia:VisualEditor" title="Wikipedia:VisualEditor">'
    "Visual edit</a>",
    "visualeditor-wikitext": '<a href="/wiki/Wikipedia:VisualEditor/Wikitext">2017 wikitext '
    "editor</a>",
    "wikieditor": False,
}
_CORE_TAGS = frozenset(t for t in TAG_DISPLAY_NAMES if t.startswith("mw-"))


def tags(req: Request, q: dict[str, Any]) -> dict[str, str]:
    """list=tags (ApiQueryTags): the tags by name, from `tgcontinue` on."""
    limit = req.limit("tglimit", "tags", 10, 500)
    props = set(req.multi("tgprop"))
    start = req.params.get("tgcontinue", "")
    names = [name for name in sorted(TAG_DISPLAY_NAMES) if name >= start]
    out = []
    for name in names[:limit]:
        entry: dict[str, Any] = {"name": name}
        if "displayname" in props:
            entry["displayname"] = TAG_DISPLAY_NAMES[name]
        if "description" in props:
            entry["description"] = f"Edits tagged {name}"
        if "defined" in props:
            entry["defined"] = True
        if "active" in props:
            entry["active"] = True
        if "source" in props:
            entry["source"] = ["software"] if name in _CORE_TAGS else ["extension"]
        if "hitcount" in props:
            entry["hitcount"] = 1000 + 37 * len(name)
        out.append(entry)
    q["tags"] = out
    return {"tgcontinue": names[limit]} if len(names) > limit else {}


LISTS: dict[str, Callable[[Request, dict[str, Any]], dict[str, str]]] = {
    "tags": tags,
    "allusers": allusers,
    "random": random_pages,
    "recentchanges": recentchanges,
}
METAS: dict[str, Callable[[Request, dict[str, Any]], None]] = {
    "siteinfo": siteinfo,
    "userinfo": userinfo,
}
