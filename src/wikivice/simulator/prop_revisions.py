"""prop=revisions (ApiQueryRevisions), formatversion=2 (formats.py derives version 1).

Three modes, as in MediaWiki: the latest revision of each page; `revids`; and the
enumeration of one page's history (any of rvlimit, rvstart, rvend, rvstartid, rvendid,
rvuser, rvexcludeuser, rvdir=newer), which pages with `rvcontinue` =
`YYYYMMDDHHMMSS|revid` of the next revision to return. Only the fields of `rvprop`
appear; `rvlimit=max` is 500, or 50 with content, and is reported under `limits`.
Cost is O(rvlimit): the window is found by revid arithmetic or a timeline search,
never by scanning the history.
"""

from __future__ import annotations

import html
import re
from typing import Any

from .history import SyntheticHistory
from .pageset import PageSet
from .request import BADCONTINUE, ApiFailure, Request, to_int
from .timestamps import mw_timestamp, parse_timestamp

__all__ = ["FULL_PROPS", "revisions"]

FULL_PROPS = frozenset("ids timestamp user userid size sha1 comment flags tags".split())
_KNOWN_RVPROP = FULL_PROPS | {"content", "parsedcomment", "contentmodel", "slotsize", "roles"}
_FIELD_PROPS: dict[str, tuple[str, ...]] = {
    "revid": ("ids",),
    "parentid": ("ids",),
    "minor": ("flags",),
    "userhidden": ("user", "userid"),
    "user": ("user",),
    "temp": ("user", "userid"),
    "anon": ("user", "userid"),
    "userid": ("userid",),
    "timestamp": ("timestamp",),
    "size": ("size",),
    "sha1hidden": ("sha1",),
    "sha1": ("sha1",),
    "commenthidden": ("comment", "parsedcomment"),
    "comment": ("comment",),
    "tags": ("tags",),
}
_HIDDEN = ("userhidden", "sha1hidden", "commenthidden")


def revisions(
    req: Request, pages: PageSet, good: list[tuple[SyntheticHistory, dict[str, Any]]]
) -> str | None:
    """Fill `revisions` into page entries; return the rvcontinue token, if any."""
    p = req.params
    props = set(
        req.multi("rvprop", _KNOWN_RVPROP, "revisions")
        or ["ids", "timestamp", "flags", "comment", "user"]
    )
    enum = p.get("rvdir") == "newer" or any(
        k in p
        for k in ("rvlimit", "rvstart", "rvend", "rvstartid", "rvendid", "rvuser", "rvexcludeuser")
    )
    if pages.revids is not None:
        if enum:
            raise ApiFailure(
                "invalidparammix",
                "The revids parameter may not be used with the list options (rvlimit, rvstartid, "
                "rvendid, rvdir=newer, rvuser, rvexcludeuser, rvstart, and rvend).",
            )
        for page, entry in good:
            idxs = sorted(page.index_of(r) or 0 for r in pages.revids[page.pageid])
            entry["revisions"] = [_project(req, page, i, props) for i in idxs]
            req.sim.stats.revisions_served += len(idxs)
        return None
    if not enum:  # the latest revision of each page
        for page, entry in good:
            entry["revisions"] = [_project(req, page, page.count - 1, props)]
            req.sim.stats.revisions_served += 1
        return None
    return _enumerate(req, good, props)


def _enumerate(
    req: Request, good: list[tuple[SyntheticHistory, dict[str, Any]]], props: set[str]
) -> str | None:
    """Enumeration mode: up to rvlimit revisions of one page, and the next token."""
    if len(good) > 1:
        raise ApiFailure(
            "invalidparammix",
            "titles, pageids or a generator was used to supply multiple pages, but the rvlimit, "
            "rvstartid, rvendid, rvdir=newer, rvuser, rvexcludeuser, rvstart, and rvend "
            "parameters may only be used on a single page.",
        )
    limit = req.limit("rvlimit", "revisions", 10, 50 if "content" in props else 500)
    newer = req.choice("rvdir", ("older", "newer"), "older") == "newer"
    if not good:
        return None
    page, entry = good[0]
    lo, hi = _window(req, page, newer)
    user, exclude = req.params.get("rvuser"), req.params.get("rvexcludeuser")
    if user is None and exclude is None:  # the usual case: a straight slice, limit + 1 long
        if newer:
            picked = list(range(lo, min(hi, lo + limit + 1)))
        else:
            picked = list(range(hi - 1, max(lo, hi - limit - 1) - 1, -1))
    else:  # rvuser/rvexcludeuser: scan in order until limit + 1 match
        picked = []
        i = lo if newer else hi - 1
        while lo <= i < hi and len(picked) <= limit:
            name = page.rows(i, i + 1)[0].get("user")
            if (user is None or name == user) and (exclude is None or name != exclude):
                picked.append(i)
            i += 1 if newer else -1
    token = None
    if len(picked) > limit:  # the extra one only names where the next call starts
        nxt = picked.pop()
        token = f"{mw_timestamp(page.timestamp(nxt))}|{page.first_revid + nxt}"
    if picked:  # like ApiQueryRevisions, an empty range adds no `revisions` key
        entry["revisions"] = _project_many(req, page, picked, props)
        req.sim.stats.revisions_served += len(picked)
    return token


def _window(req: Request, page: SyntheticHistory, newer: bool) -> tuple[int, int]:
    """The [lo, hi) index range allowed by rvstart/rvend(id) and rvcontinue."""
    p = req.params
    lo, hi = 0, page.count
    for a, b in (("rvstart", "rvstartid"), ("rvend", "rvendid")):
        if a in p and b in p:
            raise ApiFailure(
                "invalidparammix", f"The parameters {a}, {b} can not be used together."
            )
    bounds: dict[str, int] = {}
    for name in ("rvstart", "rvend"):
        if name in p:
            t = parse_timestamp(p[name], name)
            at_start = (name == "rvstart") == newer  # the older end of the range
            bounds[name] = (
                page.count_at_or_before(t - 1) if at_start else page.count_at_or_before(t)
            )
    for name in ("rvstartid", "rvendid"):
        if name in p:
            revid = to_int(p[name], name)
            idx = page.index_of(revid)
            if idx is None:
                raise ApiFailure(f"badid_{name}", f"No revision was found for parameter {name}.")
            bounds[name] = idx if (name == "rvstartid") == newer else idx + 1
    for name, value in bounds.items():
        if (name in ("rvstart", "rvstartid")) == newer:
            lo = max(lo, value)
        else:
            hi = min(hi, value)
    if "rvcontinue" in p:
        m = re.fullmatch(r"(\d{14})\|(\d+)", p["rvcontinue"])
        if not m:
            raise ApiFailure("badcontinue", BADCONTINUE)
        t = parse_timestamp(m.group(1), "rvcontinue")
        cont_id = int(m.group(2))
        idx = page.index_of(cont_id)
        if idx is not None and page.timestamp(idx) == t:
            pos = idx  # the usual case: the token names a revision of this page
        else:  # MediaWiki compares (timestamp, revid) pairs
            before, upto = page.count_at_or_before(t - 1), page.count_at_or_before(t)
            pos = min(max(cont_id - page.first_revid, before), upto)
        if newer:
            lo = max(lo, pos)
        else:
            hi = min(hi, pos + 1)
    return lo, hi


def _project_many(
    req: Request, page: SyntheticHistory, picked: list[int], props: set[str]
) -> list[dict[str, Any]]:
    if not picked:
        return []
    if props == FULL_PROPS:  # the ingest path: emit the stored dicts as they are
        first, last = min(picked), max(picked)
        rows = page.rows(first, last + 1)
        return rows if picked[0] == first else rows[::-1]
    return [_project(req, page, i, props) for i in picked]


def _project(req: Request, page: SyntheticHistory, i: int, props: set[str]) -> dict[str, Any]:
    row = page.rows(i, i + 1)[0]
    keep = {f for f, need in _FIELD_PROPS.items() if not props.isdisjoint(need)}
    out = {k: v for k, v in row.items() if k in keep}
    if "suppressed" in row and any(h in out for h in _HIDDEN):
        out["suppressed"] = True
    if "parsedcomment" in props and "comment" in row:
        out["parsedcomment"] = _parsed(row["comment"])
    if "content" in props:
        if "sha1hidden" in row:
            out["texthidden"] = True
        elif "rvslots" in req.params:
            text = page.content(i)
            main = {"contentmodel": "wikitext", "contentformat": "text/x-wiki", "content": text}
            out["slots"] = {"main": main}
        else:
            req.warn(
                "main",
                'Because "rvslots" was not specified, a legacy format has been used for the '
                "output. This format is deprecated, and in the future the new format will "
                "always be used.",
            )
            out |= {"contentformat": "text/x-wiki", "contentmodel": "wikitext"}
            out["content"] = page.content(i)
    return out


def _parsed(comment: str) -> str:
    text = html.escape(comment, quote=False)
    return re.sub(
        r"/\* (.*?) \*/",
        r'<span class="autocomment"><a href="#\1">→\1</a></span>',
        text,
    )
