"""api.php: MediaWiki's Action API in JSON, formatversion=1 (the default) or 2.

`handle()` takes the merged GET/POST parameters and returns (JSON body, extra headers).
Handlers build formatversion=2 values; formats.py turns them into formatversion=1 when
asked (or when `formatversion` is absent, as MediaWiki does). Errors follow ApiMain:
HTTP 200, `{"error": {"code", "info", "docref"}, "servedby"}` (v1: `docref` is `*`) and
a `MediaWiki-API-Error` header.

This module is the dispatcher and action=query's assembly: the page set (pageset.py),
the prop modules (prop_info.py, prop_revisions.py; prop=extracts, four lines, is here),
then the list and meta modules (lists.py). action=compare is compare.py; help and
opensearch, a few lines each, are here. Every module reads the call through `Request`
and fails with `ApiFailure` (request.py), and none imports this one.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from . import content, formats, lists
from .compare import compare
from .pageset import PageSet
from .prop_info import info
from .prop_revisions import revisions
from .request import ApiFailure, Request
from .timestamps import iso_timestamp

if TYPE_CHECKING:
    from .app import Simulator

__all__ = ["DOCREF", "SERVEDBY", "handle"]

DOCREF = (
    "See {server}/w/api.php for API usage. Subscribe to the mediawiki-api-announce mailing "
    "list at &lt;https://lists.wikimedia.org/postorius/lists/mediawiki-api-announce.lists."
    "wikimedia.org/&gt; for notice of API deprecations and breaking changes."
)
SERVEDBY = "mw-api-sim.local"


def handle(sim: Simulator, params: dict[str, str], server: str) -> tuple[bytes, dict[str, str]]:
    req = Request(sim, params, server)
    action = params.get("action", "help")
    try:
        if params.get("formatversion", "1") not in formats.VERSIONS:
            value = params["formatversion"]
            raise ApiFailure(
                "badvalue", f'Unrecognized value for parameter "formatversion": {value}.'
            )
        fn = ACTIONS.get(action)
        if fn is None:
            raise ApiFailure("badvalue", f'Unrecognized value for parameter "action": {action}.')
        result = fn(req)
    except ApiFailure as e:
        error = {"code": e.code, "info": e.info, **e.extra, "docref": DOCREF.format(server=server)}
        body: dict[str, Any] = {"error": error, "servedby": SERVEDBY}
        if req.warnings:
            body["warnings"] = _warnings(req)
        return formats.encode(body, params), {"MediaWiki-API-Error": e.code}
    if isinstance(result, dict):
        if req.warnings:
            result = {"warnings": _warnings(req), **result}
        if req.flag("curtimestamp"):
            result["curtimestamp"] = iso_timestamp(int(time.time()))
    return formats.encode(result, params), {}


def _warnings(req: Request) -> dict[str, dict[str, str]]:
    return {mod: {"warnings": "\n".join(texts)} for mod, texts in req.warnings.items()}


# --- action=query ---------------------------------------------------------------------
PROP_MODULES = frozenset({"revisions", "info", "extracts"})


def query(req: Request) -> dict[str, Any]:
    props = req.multi("prop", PROP_MODULES)
    list_names = req.multi("list", frozenset(lists.LISTS))
    metas = req.multi("meta", frozenset(lists.METAS))
    q: dict[str, Any] = {}
    cont: dict[str, str] = {}
    prop_continues = False
    if any(k in req.params for k in ("titles", "pageids", "revids")):
        pages = PageSet(req)
        q.update(pages.header())
        entries = pages.entries()
        good = pages.good_entries(entries)
        if "info" in props:
            info(req, pages, entries)
        if "revisions" in props:
            token = revisions(req, pages, good)
            if token:
                cont["rvcontinue"], prop_continues = token, True
        if "extracts" in props:  # TextExtracts' plain or HTML lead, not for redirects
            for page, entry in good:
                if page.redirect_to is None:
                    plain = req.flag("explaintext")
                    entry["extract"] = content.lead(page.title, page.seed, plain=plain)
        if entries:
            q["pages"] = pages.by_key(entries) if req.version == 1 else list(entries.values())
    for name in list_names:
        cont.update(lists.LISTS[name](req, q))
    for name in metas:
        lists.METAS[name](req, q)
    result: dict[str, Any] = {}
    if not prop_continues:
        result["batchcomplete"] = True
    if cont:
        result["continue"] = {**cont, "continue": "||" if prop_continues else "-||"}
    if req.limits:
        result["limits"] = dict(req.limits)
    if q:
        result["query"] = q
    return result


# --- the small actions ------------------------------------------------------------------
def wiki_url(server: str, title: str) -> str:
    # wfUrlencode leaves these characters readable in article paths.
    return f"{server}/wiki/{quote(title.replace(' ', '_'), safe=';@$!*(),/~:')}"


def opensearch(req: Request) -> list[Any]:
    """action=opensearch: the four arrays (search, titles, descriptions, URLs)."""
    search = req.params.get("search")
    if search is None:
        raise ApiFailure("missingparam", 'The "search" parameter must be set.')
    limit = req.limit("limit", "opensearch", 10, 100)
    spaces = req.multi("namespace") or ["0"]
    titles = req.sim.catalog.prefix_search(search, limit) if "0" in spaces else []
    return [search, titles, [""] * len(titles), [wiki_url(req.server, t) for t in titles]]


# A few of Wikimedia's language wikis (one of them closed) and a special wiki: enough
# for `wikivice languages --refresh` to read as it reads meta.wikimedia.org's matrix.
_MATRIX = [("en", "English", False), ("fr", "français", False), ("aa", "Qafár af", True)]


def sitematrix(req: Request) -> dict[str, Any]:
    """action=sitematrix (Extension:SiteMatrix): languages by number, then `specials`."""
    matrix: dict[str, Any] = {"count": len(_MATRIX) * 2 + 1}
    for n, (code, name, closed) in enumerate(_MATRIX):
        sites = [
            {"url": f"https://{code}.{project}.org", "dbname": f"{code}{suffix}", "code": suffix}
            | ({"closed": True} if closed else {})
            for project, suffix in (("wikipedia", "wiki"), ("wiktionary", "wiktionary"))
        ]
        matrix[str(n)] = {"code": code, "name": name, "site": sites, "dir": "ltr"}
    matrix["specials"] = [
        {"url": "https://commons.wikimedia.org", "dbname": "commonswiki", "code": "commons"}
    ]
    return {"sitematrix": matrix}


def help_page(req: Request) -> dict[str, Any]:
    return {"help": {"mime": "text/html", "help": "<p>Simulated MediaWiki API.</p>"}}


ACTIONS: dict[str, Callable[[Request], Any]] = {
    "query": query,
    "opensearch": opensearch,
    "compare": compare,
    "sitematrix": sitematrix,
    "help": help_page,
}
