"""GET /api/pages/{wiki}/{title}/stats: an analysed article's figures."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from wikivice.web.dashboard import figures_for, stored_page
from wikivice.web.deps import RuntimeDep, SiteDep
from wikivice.web.schemas import ErrorOut

router = APIRouter(prefix="/api/pages", tags=["pages"])


@router.get("/{wiki}/{title:path}/stats", responses={404: {"model": ErrorOut}})
def read_page_stats(site: SiteDep, title: str, rt: RuntimeDep) -> dict[str, Any]:
    """Every figure of the dashboard, as JSON (the same as `wikivice stats --json`)."""
    page = stored_page(rt, site, title)
    return figures_for(rt, page)
