"""prop=info (MediaWiki's ApiQueryInfo): page facts for each entry of the page set.

Every page is wikitext in English, written left to right, and unprotected; `touched`
is the latest edit or an hour before the catalog's anchor, whichever is later, and
`inprop=url` adds the article, edit and canonical URLs.
"""

from __future__ import annotations

from typing import Any

from .pageset import PageSet
from .request import Request
from .timestamps import iso_timestamp

__all__ = ["info"]


def info(req: Request, pages: PageSet, entries: dict[Any, dict[str, Any]]) -> None:
    """Add the info fields to `entries` in place (missing titles get the language)."""
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
        touched = max(page.timestamp(latest), req.sim.catalog.anchor - 3600)
        entry["touched"] = iso_timestamp(touched)
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
