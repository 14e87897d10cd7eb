"""GET /api/pages/{wiki}/{title}/revisions.csv and .json: every stored revision, streamed."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import StreamingResponse

from wikivice.store import exports
from wikivice.web import urls
from wikivice.web.deps import RuntimeDep, SiteDep, StoredPageDep
from wikivice.web.ratelimits import ExportsLimit
from wikivice.web.schemas import ErrorOut

router = APIRouter(prefix="/api/pages", tags=["exports"])
RESPONSES: dict[int | str, dict[str, Any]] = {404: {"model": ErrorOut}, 429: {"model": ErrorOut}}


@router.get(
    "/{wiki}/{title:path}/revisions.csv",
    response_class=StreamingResponse,
    dependencies=[ExportsLimit],
    responses={**RESPONSES, 200: {"content": {"text/csv": {}}}},
)
def export_revisions_csv(page: StoredPageDep, rt: RuntimeDep) -> StreamingResponse:
    """Every stored revision of the article, oldest first, as CSV (columns:
    `exports.COLUMNS`); cells a spreadsheet would run as formulas start with `'`."""
    return StreamingResponse(
        exports.csv_stream(rt.db, page.id),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": exports.attachment(page.title, "revisions.csv")},
    )


@router.get(
    "/{wiki}/{title:path}/revisions.json",
    response_class=StreamingResponse,
    dependencies=[ExportsLimit],
    responses={**RESPONSES, 200: {"content": {"application/json": {}}}},
)
def export_revisions_json(site: SiteDep, page: StoredPageDep, rt: RuntimeDep) -> StreamingResponse:
    """Every stored revision of the article, oldest first, as one JSON object:
    {wiki, title, pageid, stats_url, columns, revisions: [{column: value}]}."""
    header = {
        "wiki": site.key,
        "title": page.title,
        "pageid": page.pageid,
        "stats_url": urls.stats(site.key, page.title),
    }
    return StreamingResponse(
        exports.json_stream(rt.db, page.id, header),
        media_type="application/json",
        headers={"Content-Disposition": exports.attachment(page.title, "revisions.json")},
    )
