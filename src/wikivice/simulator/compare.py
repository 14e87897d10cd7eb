"""action=compare (MediaWiki's ApiComparePages): two revisions side by side.

Each side is named by `{from,to}rev`, `{from,to}title` (the latest revision) or
`{from,to}id`; `torelative=prev|next|cur` takes the other side from the first. The
answer holds the `prop` fields of each side (`ids`, `title`, `size`, `timestamp`,
`user`, `comment`, `rel`) and the diff table rows in `body` (content.py).
"""

from __future__ import annotations

from typing import Any

from . import content
from .catalog import InvalidTitle, normalize
from .history import REVID_STRIDE, SyntheticHistory
from .request import ApiFailure, Request, to_int

__all__ = ["compare"]

Side = tuple[SyntheticHistory, int] | None  # a page and a revision index; None: no text


def compare(req: Request) -> dict[str, Any]:
    src, dst = _sides(req)
    props = set(req.multi("prop") or ["diff", "ids", "title"])
    out: dict[str, Any] = {}
    texts = [_describe(out, name, where, props) for name, where in (("from", src), ("to", dst))]
    if "rel" in props and dst is not None:
        page, idx = dst
        if idx > 0:
            out["prev"] = page.first_revid + idx - 1
        if idx < page.count - 1:
            out["next"] = page.first_revid + idx + 1
    if "diff" in props or "diffsize" in props:
        body = content.diff_rows(texts[0], texts[1])
        if "diffsize" in props:
            out["diffsize"] = len(body)
        if "diff" in props:
            out["body"] = body
    return {"compare": out}


def _sides(req: Request) -> tuple[Side, Side]:
    src = _side(req, "from")
    if src is None:
        raise ApiFailure(
            "missingparam",
            "One of the parameters fromtitle, fromid, fromrev, fromtext, and fromslots is "
            "required.",
        )
    relative = req.params.get("torelative")
    if relative is None:
        dst = _side(req, "to")
        if dst is None:
            raise ApiFailure(
                "missingparam",
                "One of the parameters totitle, toid, torev, totext, torelative, and toslots "
                "is required.",
            )
        return src, dst
    page, idx = src
    if relative == "prev":  # ApiComparePages swaps: prev(from) -> from
        return ((page, idx - 1) if idx > 0 else None), (page, idx)
    if relative == "next":
        return src, (page, min(idx + 1, page.count - 1))
    if relative == "cur":
        return src, (page, page.count - 1)
    raise ApiFailure("badvalue", f'Unrecognized value for parameter "torelative": {relative}.')


def _describe(out: dict[str, Any], name: str, where: Side, props: set[str]) -> str:
    """Add side `name`'s fields to `out`; return its text ("" when no diff is asked)."""
    if where is None:
        return ""
    page, idx = where
    row = page.rows(idx, idx + 1)[0]
    if "ids" in props:
        out |= {f"{name}id": page.pageid, f"{name}revid": row["revid"]}
    if "title" in props:
        out |= {f"{name}ns": 0, f"{name}title": page.title}
    if "size" in props:
        out[f"{name}size"] = row["size"]
    if "timestamp" in props:
        out[f"{name}timestamp"] = row["timestamp"]
    if "user" in props:
        if "userhidden" in row:
            out[f"{name}userhidden"] = True
        else:
            out |= {f"{name}user": row["user"], f"{name}userid": row["userid"]}
    if "comment" in props:
        hidden = "commenthidden" in row
        out |= {f"{name}commenthidden": True} if hidden else {f"{name}comment": row["comment"]}
    if "sha1hidden" in row:
        out[f"{name}texthidden"] = True
        if "diff" in props:
            raise ApiFailure("missingcontent", f"Missing content for revision ID {row['revid']}.")
    return page.content(idx) if "diff" in props else ""


def _by_revid(req: Request, name: str) -> tuple[SyntheticHistory, int]:
    revid = to_int(req.params[name], name)
    page = req.sim.catalog.page_by_id(revid // REVID_STRIDE)
    idx = page.index_of(revid) if page else None
    if page is None or idx is None:
        raise ApiFailure("nosuchrevid", f"There is no revision with ID {revid}.")
    return page, idx


def _by_title(req: Request, name: str) -> tuple[SyntheticHistory, int]:
    try:
        _ns, title = normalize(req.params[name])
    except InvalidTitle:
        raise ApiFailure("invalidtitle", f'Bad title "{req.params[name]}".') from None
    page = req.sim.catalog.page(title)
    if page is None:
        raise ApiFailure("missingtitle", f"The page {title} doesn't exist.")
    return page, page.count - 1


def _side(req: Request, side: str) -> Side:
    if f"{side}rev" in req.params:
        return _by_revid(req, f"{side}rev")
    if f"{side}title" in req.params:
        return _by_title(req, f"{side}title")
    if f"{side}id" in req.params:
        page = req.sim.catalog.page_by_id(int(req.params[f"{side}id"]))
        if page is None:
            raise ApiFailure("nosuchpageid", f"There is no page with ID {req.params[f'{side}id']}.")
        return page, page.count - 1
    return None
