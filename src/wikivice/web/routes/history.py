"""GET /api/pages/{wiki}/{title}/revisions: the history explorer's JSON (web/explorer.py)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from wikivice.web.deps import RuntimeDep, SiteDep, StoredPageDep
from wikivice.web.explorer import HistoryOut, HistoryQuery, explore
from wikivice.web.ratelimits import LookupsLimit
from wikivice.web.schemas import ErrorOut

router = APIRouter(prefix="/api/pages", tags=["pages"])
ERRORS: dict[int | str, dict[str, Any]] = {404: {"model": ErrorOut}, 429: {"model": ErrorOut}}


# A lookup: each call may scan up to 20,000 stored revisions, so it counts against the
# same per-client rate as searches and diffs (the page's own GET form is the article
# page's, which renders one page of it).
@router.get(
    "/{wiki}/{title:path}/revisions",
    response_model=HistoryOut,
    responses=ERRORS,
    dependencies=[LookupsLimit],
)
def list_revisions(
    site: SiteDep, page: StoredPageDep, rt: RuntimeDep, query: Annotated[HistoryQuery, Query()]
) -> HistoryOut:
    """A page of the article's stored revisions, newest first, filtered (every filter
    given must hold). Page with the answer's `older` as `before` (or `newer` as `after`):
    positions, not offsets, so any page is as fast as the first. 422 says which
    parameter is wrong."""
    return explore(rt, site, page, query)
