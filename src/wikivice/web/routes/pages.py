"""GET /api/pages/{wiki}/{title}/stats: an analysed article's figures."""

from __future__ import annotations

import orjson
from fastapi import APIRouter, Response

from wikivice.figures.cache import figures_for
from wikivice.figures.conflict import WarThreshold
from wikivice.figures.types import PageFigures
from wikivice.web.deps import RuntimeDep, SiteDep, TitleParam, stored_page
from wikivice.web.schemas import ErrorOut

router = APIRouter(prefix="/api/pages", tags=["pages"])


@router.get(
    "/{wiki}/{title:path}/stats",
    response_model=PageFigures,
    responses={404: {"model": ErrorOut}},
)
def read_page_stats(site: SiteDep, title: TitleParam, rt: RuntimeDep) -> Response:
    """Every figure of the dashboard, as JSON (the same as `wikivice stats --json`).

    `PageFigures` documents the shape (the tests check the answer against it); the
    figures go out as orjson bytes, not through pydantic again: validating ~160 kB of
    them would add ~2 ms to a ~6 ms answer (Synthetic 100000, measured)."""
    page = stored_page(rt, site, title)
    figures = figures_for(rt.db, page.id, WarThreshold.of(rt.settings))
    return Response(orjson.dumps(figures), media_type="application/json")
