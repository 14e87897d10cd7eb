"""api.php: MediaWiki's Action API in JSON, formatversion=1 (the default) or 2.

`handle()` takes the merged GET/POST parameters and returns (JSON body, extra headers).
Handlers build formatversion=2 values; formats.py turns them into formatversion=1 when
asked (or when `formatversion` is absent, as MediaWiki does). Errors follow ApiMain:
HTTP 200, `{"error": {"code", "info", "docref"}, "servedby"}` (v1: `docref` is `*`) and
a `MediaWiki-API-Error` header. This module holds the dispatcher, the page set
(titles/pageids/revids, `normalized`, `redirects`, `missing`, `invalid`) and the small
prop modules (info, extracts); `revisions.py` holds prop=revisions, `lists.py` the
list/meta modules and the opensearch and compare actions.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from . import content, formats
from .catalog import InvalidTitle, normalize
from .history import REVID_STRIDE, SyntheticHistory

if TYPE_CHECKING:
    from .app import Simulator

__all__ = ["ApiError", "Request", "handle", "iso", "mw_timestamp", "parse_timestamp"]

DOCREF = (
    "See {server}/w/api.php for API usage. Subscribe to the mediawiki-api-announce mailing "
    "list at &lt;https://lists.wikimedia.org/postorius/lists/mediawiki-api-announce.lists."
    "wikimedia.org/&gt; for notice of API deprecations and breaking changes."
)
SERVEDBY = "mw-api-sim.local"
BADCONTINUE = (
    "Invalid continue param. You should pass the original value returned by the previous query."
)


class ApiError(Exception):
    def __init__(self, code: str, info: str, **extra: Any) -> None:
        super().__init__(info)
        self.code, self.info, self.extra = code, info, extra


def iso(t: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def mw_timestamp(t: int) -> str:
    return time.strftime("%Y%m%d%H%M%S", time.gmtime(t))


def parse_timestamp(value: str, name: str) -> int:
    """Unix seconds from the timestamp formats MediaWiki accepts most often."""
    v = value.strip()
    try:
        if v == "now":
            return int(time.time())
        if re.fullmatch(r"\d{14}", v):
            return int(datetime.strptime(v, "%Y%m%d%H%M%S").replace(tzinfo=UTC).timestamp())
        if re.fullmatch(r"\d{1,13}", v):
            return int(v)  # TS_UNIX
        parsed = datetime.fromisoformat(v.replace("Z", "+00:00"))
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        return int(parsed.timestamp())
    except ValueError:
        raise ApiError(
            "badtimestamp", f'Invalid value "{value}" for timestamp parameter "{name}".'
        ) from None


class Request:
    """One api.php call: its parameters, the simulator and the warnings collected."""

    def __init__(self, sim: Simulator, params: dict[str, str], server: str) -> None:
        self.sim, self.params, self.server = sim, params, server
        self.version = formats.version(params)  # the shapes that depend on it: query.pages
        self.warnings: dict[str, list[str]] = {}
        self.limits: dict[str, int] = {}

    def flag(self, name: str) -> bool:
        return name in self.params  # MediaWiki booleans: present means true

    def multi(
        self, name: str, known: frozenset[str] | None = None, module: str = "main"
    ) -> list[str]:
        raw = self.params.get(name)
        if not raw:
            return []
        values = raw[1:].split("\x1f") if raw.startswith("\x1f") else raw.split("|")
        values = list(dict.fromkeys(values))  # ParamValidator drops repeated values
        if known is None:
            return values
        for v in values:
            if v not in known:
                self.warn(module, f'Unrecognized value for parameter "{name}": {v}.')
        return [v for v in values if v in known]

    def warn(self, module: str, text: str) -> None:
        texts = self.warnings.setdefault(module, [])
        if text not in texts:
            texts.append(text)

    def integer(self, name: str, default: int) -> int:
        raw = self.params.get(name)
        if raw is None:
            return default
        try:
            return int(raw)
        except ValueError:
            raise ApiError(
                "badinteger", f'Invalid value "{raw}" for integer parameter "{name}".'
            ) from None

    def limit(self, name: str, module: str, default: int, most: int) -> int:
        if self.params.get(name) == "max":
            self.limits[module] = most
            return most
        value = self.integer(name, default)
        if value > most:
            self.warn(module, f"{name} may not be over {most} (set to {most}) for users.")
            return most
        return max(value, 1)

    def choice(self, name: str, allowed: tuple[str, ...], default: str) -> str:
        value = self.params.get(name, default)
        if value not in allowed:
            raise ApiError("badvalue", f'Unrecognized value for parameter "{name}": {value}.')
        return value


def handle(sim: Simulator, params: dict[str, str], server: str) -> tuple[bytes, dict[str, str]]:
    from . import lists

    req = Request(sim, params, server)
    actions: dict[str, Callable[[Request], Any]] = {
        "query": query,
        "opensearch": lists.opensearch,
        "compare": lists.compare,
        "help": lambda r: {
            "help": {"mime": "text/html", "help": "<p>Simulated MediaWiki API.</p>"}
        },
    }
    action = params.get("action", "help")
    try:
        if params.get("formatversion", "1") not in formats.VERSIONS:
            value = params["formatversion"]
            raise ApiError(
                "badvalue", f'Unrecognized value for parameter "formatversion": {value}.'
            )
        fn = actions.get(action)
        if fn is None:
            raise ApiError("badvalue", f'Unrecognized value for parameter "action": {action}.')
        result = fn(req)
    except ApiError as e:
        error = {"code": e.code, "info": e.info, **e.extra, "docref": DOCREF.format(server=server)}
        body: dict[str, Any] = {"error": error, "servedby": SERVEDBY}
        if req.warnings:
            body["warnings"] = _warnings(req)
        return formats.encode(body, params), {"MediaWiki-API-Error": e.code}
    if isinstance(result, dict):
        if req.warnings:
            result = {"warnings": _warnings(req), **result}
        if req.flag("curtimestamp"):
            result["curtimestamp"] = iso(int(time.time()))
    return formats.encode(result, params), {}


def _warnings(req: Request) -> dict[str, dict[str, str]]:
    return {mod: {"warnings": "\n".join(texts)} for mod, texts in req.warnings.items()}


# --- action=query ---------------------------------------------------------------------
PROP_MODULES = frozenset({"revisions", "info", "extracts"})


def query(req: Request) -> dict[str, Any]:
    from . import lists
    from .revisions import revisions

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
            _info(req, pages, entries)
        if "revisions" in props:
            token = revisions(req, pages, good)
            if token:
                cont["rvcontinue"], prop_continues = token, True
        if "extracts" in props:
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


class PageSet:
    """ApiPageSet: resolves titles, pageids or revids into pages."""

    def __init__(self, req: Request) -> None:
        self.req = req
        self.normalized: list[dict[str, Any]] = []
        self.redirects: list[dict[str, Any]] = []
        self.missing: dict[str, dict[str, Any]] = {}
        self.invalid: list[dict[str, Any]] = []
        self.missing_ids: list[dict[str, Any]] = []
        self.badrevids: dict[str, dict[str, Any]] = {}
        self.good: dict[int, SyntheticHistory] = {}
        self.revids: dict[int, list[int]] | None = None
        self._namespaces: list[int] = []  # as first met among valid titles (LinkBatch order)
        self._targets: list[str] = []  # missing redirect targets (found in a later pass)
        sources = [n for n in ("titles", "pageids", "revids") if n in req.params]
        if len(sources) > 1:
            raise ApiError(
                "invalidparammix", f"The parameters {', '.join(sources)} can not be used together."
            )
        values = req.multi(sources[0])
        if len(values) > 50:
            raise ApiError(
                "toomanyvalues",
                f'Too many values supplied for parameter "{sources[0]}". The limit is 50.',
            )
        for value in values:
            if sources[0] == "titles":
                self._title(value)
            elif sources[0] == "pageids":
                self._pageid(to_int(value, "pageids"))
            else:
                self._revid(to_int(value, "revids"))

    def _title(self, raw: str) -> None:
        try:
            ns, title = normalize(raw)
        except InvalidTitle as e:
            self.invalid.append({"title": raw, "invalidreason": e.reason, "invalid": True})
            return
        if title != raw and all(n["from"] != raw for n in self.normalized):
            self.normalized.append({"fromencoded": False, "from": raw, "to": title})
        if ns >= 0 and ns not in self._namespaces:
            self._namespaces.append(ns)
        page = self.req.sim.catalog.page(title) if ns == 0 else None
        if ns == -1:
            self.missing[title] = {"ns": -1, "title": title, "special": True}
        elif page is None:
            self.missing[title] = {"ns": ns, "title": title, "missing": True}
        else:
            self._page(page)

    def _page(self, page: SyntheticHistory) -> None:
        if page.redirect_to is not None and self.req.flag("redirects"):
            if all(r["from"] != page.title for r in self.redirects):
                self.redirects.append({"from": page.title, "to": page.redirect_to})
            target = self.req.sim.catalog.page(page.redirect_to)
            if target is None:
                if page.redirect_to not in self.missing:
                    self._targets.append(page.redirect_to)
                    self.missing[page.redirect_to] = {
                        "ns": 0,
                        "title": page.redirect_to,
                        "missing": True,
                    }
                return
            page = target
        self.good[page.pageid] = page

    def _pageid(self, pageid: int) -> None:
        page = self.req.sim.catalog.page_by_id(pageid)
        if page is None:
            self.missing_ids.append({"pageid": pageid, "missing": True})
        else:
            self._page(page)

    def _revid(self, revid: int) -> None:
        page = self.req.sim.catalog.page_by_id(revid // REVID_STRIDE)
        if page is None or page.index_of(revid) is None:
            self.badrevids[str(revid)] = {"revid": revid, "missing": True}
            return
        self.good[page.pageid] = page
        self.revids = self.revids or {}
        self.revids.setdefault(page.pageid, []).append(revid)

    def header(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.normalized:
            out["normalized"] = self.normalized
        if self.redirects:
            out["redirects"] = self.redirects
        if self.badrevids:
            out["badrevids"] = self.badrevids
        return out

    def entries(self) -> dict[Any, dict[str, Any]]:
        """Page entries in ApiQuery's order: missing, invalid, missing ids, found."""
        out: dict[Any, dict[str, Any]] = {}
        for title, entry in self.missing.items():
            out[("missing", title)] = entry
        for n, entry in enumerate(self.invalid):
            out[("invalid", n)] = entry
        for entry in self.missing_ids:
            out[("missingid", entry["pageid"])] = entry
        for pid, page in self.good.items():
            out[pid] = {"pageid": pid, "ns": 0, "title": page.title}
        return out

    def by_key(self, entries: dict[Any, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        """formatversion=1's `pages`: ApiQuery's order (missing, invalid, missing ids,
        special, found) under ApiPageSet's keys. Real page ids for pages and missing
        ids; fake ids -1, -2... handed out as ApiPageSet does: invalid titles, then
        special pages, then missing titles namespace by namespace, then missing
        redirect targets."""
        specials = [t for t, e in self.missing.items() if e.get("special")]
        rank = {ns: n for n, ns in enumerate(self._namespaces)}
        first = [t for t in self.missing if t not in specials and t not in self._targets]
        first.sort(key=lambda t: rank.get(self.missing[t]["ns"], 0))  # stable: input order
        fake: dict[Any, str] = {}
        keys: list[tuple[str, Any]] = [("invalid", n) for n in range(len(self.invalid))]
        keys += [("missing", t) for t in [*specials, *first, *self._targets]]
        for n, key in enumerate(keys, 1):
            fake[key] = str(-n)
        out: dict[str, dict[str, Any]] = {}
        for title in [*first, *self._targets]:
            out[fake["missing", title]] = entries["missing", title]
        for n in range(len(self.invalid)):
            out[fake["invalid", n]] = entries["invalid", n]
        for entry in self.missing_ids:
            out[str(entry["pageid"])] = entry
        for title in specials:
            out[fake["missing", title]] = entries["missing", title]
        for pid in self.good:
            out[str(pid)] = entries[pid]
        return out

    def good_entries(
        self, entries: dict[Any, dict[str, Any]]
    ) -> list[tuple[SyntheticHistory, dict[str, Any]]]:
        return [(page, entries[pid]) for pid, page in self.good.items()]


def to_int(value: str, name: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise ApiError(
            "badinteger", f'Invalid value "{value}" for integer parameter "{name}".'
        ) from None


def _info(req: Request, pages: PageSet, entries: dict[Any, dict[str, Any]]) -> None:
    lang = {"contentmodel": "wikitext", "pagelanguage": "en"}
    lang |= {"pagelanguagehtmlcode": "en", "pagelanguagedir": "ltr"}
    inprop = req.multi("inprop")
    urls, protection = "url" in inprop, "protection" in inprop
    for key, entry in entries.items():
        page = pages.good.get(key) if isinstance(key, int) else None
        if page is None:
            if entry.get("missing") and "title" in entry:
                entry.update(lang)
                if protection:  # nothing is protected; a missing page can only be created
                    entry |= {"protection": [], "restrictiontypes": ["create"]}
            continue
        latest = page.count - 1
        entry.update(lang)
        entry["touched"] = iso(max(page.timestamp(latest), req.sim.catalog.anchor - 3600))
        entry["lastrevid"] = page.latest_revid
        entry["length"] = page.rows(latest, latest + 1)[0]["size"]
        if page.redirect_to is not None:
            entry["redirect"] = True
        if page.count == 1:
            entry["new"] = True
        if protection:
            entry |= {"protection": [], "restrictiontypes": ["edit", "move"]}
        if urls:
            path = page.title.replace(" ", "_")
            entry["fullurl"] = f"{req.server}/wiki/{path}"
            entry["editurl"] = f"{req.server}/w/index.php?title={path}&action=edit"
            entry["canonicalurl"] = entry["fullurl"]
