"""GET /api/pages/{wiki}/{title}/stats: an analysed article's figures."""

from __future__ import annotations

import orjson
from fastapi import APIRouter, Request, Response

from wikivice.figures.cache import current_key, figures_for
from wikivice.figures.conflict import WarThreshold
from wikivice.figures.types import PageFigures
from wikivice.web.deps import RuntimeDep, SiteDep, TitleParam, stored_page
from wikivice.web.renders import etag, not_modified, validators
from wikivice.web.schemas import ErrorOut

router = APIRouter(prefix="/api/pages", tags=["pages"])


@router.get(
    "/{wiki}/{title:path}/stats",
    response_model=PageFigures,
    responses={404: {"model": ErrorOut}},
)
def read_page_stats(request: Request, site: SiteDep, title: TitleParam, rt: RuntimeDep) -> Response:
    """Every figure of the dashboard, as JSON (the same as `wikivice stats --json`).

    `PageFigures` documents the shape (the tests check the answer against it); the
    figures go out as orjson bytes, not through pydantic again: validating ~160 kB of
    them would add ~2 ms to a ~6 ms answer (Synthetic 100000, measured). Its ETag is
    weak: a 304 keeps the `now` the client has, which its figures still hold for."""
    page = stored_page(rt, site, title)
    threshold = WarThreshold.of(rt.settings)
    key = current_key(rt.db, page, threshold)
    tag = etag("stats", key, site.key, page.title, page.fetched_at, weak=True)
    if (held := not_modified(request, tag)) is not None:
        return held
    figures = figures_for(rt.db, page.id, threshold)
    return Response(orjson.dumps(figures), media_type="application/json", headers=validators(tag))
