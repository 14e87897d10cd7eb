"""The page set (MediaWiki's ApiPageSet): what `titles`, `pageids` or `revids` name.

It resolves each value to a page, records what MediaWiki reports about the way there
(`normalized`, `redirects` when `redirects` is given, `badrevids`) and what it could
not find (`missing`, `invalid`, special pages), and builds the page entries of
`query.pages` in ApiQuery's order: a list for formatversion=2, an object keyed by page
id (fake ids -1, -2... for the rest) for formatversion=1.
"""

from __future__ import annotations

from typing import Any

from .catalog import InvalidTitle, normalize
from .history import REVID_STRIDE, SyntheticHistory
from .request import ApiFailure, Request, to_int

__all__ = ["PageSet"]


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
            raise ApiFailure(
                "invalidparammix", f"The parameters {', '.join(sources)} can not be used together."
            )
        values = req.multi(sources[0])
        if len(values) > 50:
            raise ApiFailure(
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
