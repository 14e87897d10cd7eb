"""GET /api/pages/{wiki}/{title}/revisions: the history explorer's JSON (web/explorer.py)."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.routing import APIRoute

from wikivice.web.deps import RuntimeDep, SiteDep, StoredPageDep
from wikivice.web.explorer import HistoryOut, HistoryQuery, explore, refusal
from wikivice.web.problems import Problem
from wikivice.web.ratelimits import LookupsLimit
from wikivice.web.schemas import ErrorOut


class PlainRefusals(APIRoute):
    """A route whose refused query string is said as the article page's form says it
    (`explorer.refusal`: the fields by their labels, in sentences), as an `ErrorOut`,
    rather than in pydantic's words; anything else refused is as on any route."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def answer(request: Request) -> Response:
            try:
                return await handler(request)
            except RequestValidationError as exc:
                errors = exc.errors()
                if not errors or any(e.get("loc", ())[:1] != ("query",) for e in errors):
                    raise
                raise Problem(422, refusal(errors), [], "invalid") from None

        return answer


router = APIRouter(prefix="/api/pages", tags=["pages"], route_class=PlainRefusals)
ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorOut},
    422: {"model": ErrorOut},
    429: {"model": ErrorOut},
}


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
    filter is wrong, by its label in the article page's form."""
    return explore(rt, site, page, query)
