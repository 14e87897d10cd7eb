"""rest.php: the MediaWiki REST history counts, `/v1/page/{title}/history/counts/{type}`.

Behaviour copied from PageHistoryCountHandler:
- limits per type: anonymous 10,000, bot 10,000, editors 25,000, edits 30,000,
  minor 1,000, reverted 30,000; past it the answer is `{"count": limit, "limit": true}`;
- `minor` fails with HTTP 500 (rest-pagehistorycount-too-many-revisions) when the page
  has more than 2,000 edits;
- content-hidden revisions never count (so `edits` can be below the Action API's total);
- the title is one path segment: `/` must arrive as `%2F` (an unencoded slash matches
  no route: 404 rest-no-match); a missing page is 404 rest-nonexistent-title;
- answers are cacheable for 60 s. Counts are computed once per page size and kept.
"""

from __future__ import annotations

from email.utils import formatdate
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from .catalog import InvalidTitle, normalize

if TYPE_CHECKING:
    from .app import Simulator

__all__ = ["COUNT_LIMITS", "handle"]

COUNT_LIMITS = {
    "anonymous": 10_000,
    "bot": 10_000,
    "editors": 25_000,
    "edits": 30_000,
    "minor": 1_000,
    "reverted": 30_000,
}
_DEPRECATED = {"anonedits": "anonymous", "botedits": "bot", "revertededits": "reverted"}
_REASONS = {400: "Bad Request", 404: "Not Found", 500: "Internal Server Error"}

Answer = tuple[int, dict[str, str], Any]


def _error(status: int, key: str, message: str, **extra: Any) -> Answer:
    body = {"messageTranslations": {"en": message}, "errorKey": key, **extra}
    body |= {"httpCode": status, "httpReason": _REASONS[status]}
    return status, {}, body


def handle(sim: Simulator, raw_path: str) -> Answer:
    """`raw_path` is the still percent-encoded path after `/w/rest.php`."""
    parts = raw_path.split("/")
    if len(parts) != 7 or parts[1:3] != ["v1", "page"] or parts[4:6] != ["history", "counts"]:
        return _error(
            404, "rest-no-match",
            f"The requested relative path ({unquote(raw_path)}) did not match any known handler",
        )  # fmt: skip
    raw_title, kind = unquote(parts[3]), unquote(parts[6])
    kind = _DEPRECATED.get(kind, kind)
    if kind not in COUNT_LIMITS:
        return _error(
            400, "paramvalidator-badvalue-enumnotmulti",
            f'Invalid value "{kind}" for parameter "type".',
            error="parameter-validation-failed", name="type", value=kind, failureCode="badvalue",
        )  # fmt: skip
    try:
        ns, title = normalize(raw_title)
    except InvalidTitle:
        ns, title = -99, raw_title
    page = sim.catalog.page(title) if ns == 0 else None
    if page is None:
        return _error(
            404, "rest-nonexistent-title", f"The specified page ({raw_title}) does not exist"
        )
    limit = COUNT_LIMITS[kind]
    if kind == "minor" and sim.rest_count(page, "edits", COUNT_LIMITS["edits"]) > 2 * limit:
        return _error(
            500,
            "rest-pagehistorycount-too-many-revisions",
            "The specified title contains too many revisions to retrieve this count.",
        )
    count = sim.rest_count(page, kind, limit)
    headers = {
        "Cache-Control": "max-age=60, s-maxage=60",
        "Last-Modified": formatdate(page.timestamp(page.count - 1), usegmt=True),
    }
    return 200, headers, {"count": min(count, limit), "limit": count > limit}
