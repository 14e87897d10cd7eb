"""Helpers for the search box: title suggestions, recent changes, random articles."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from wikivice.web.deps import RuntimeDep, SiteDep
from wikivice.web.lookups import LookupsDep
from wikivice.web.ratelimits import LookupsLimit
from wikivice.web.routes.views import recently_analysed
from wikivice.web.schemas import AnalysedPage, ErrorOut, RecentChange

router = APIRouter(prefix="/api/wikis", tags=["wikis"])
ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorOut},
    429: {"model": ErrorOut},
    502: {"model": ErrorOut},
    503: {"model": ErrorOut, "description": "Every request to the wiki at once is in flight."},
}


@router.get("/{wiki}/suggestions", responses=ERRORS, dependencies=[LookupsLimit])
async def list_suggestions(
    site: SiteDep,
    rt: RuntimeDep,
    lookups: LookupsDep,
    q: Annotated[str, Query(max_length=300, description="What the user typed so far.")],
    limit: Annotated[int, Query(ge=1, le=20)] = 8,
) -> list[str]:
    """Article titles starting with `q` (the wiki's opensearch)."""
    return await lookups.run(rt.wikis.client(site, quick=True).opensearch, q, limit)


@router.get("/{wiki}/recent-changes", responses=ERRORS, dependencies=[LookupsLimit])
async def list_recent_changes(
    site: SiteDep,
    rt: RuntimeDep,
    lookups: LookupsDep,
    limit: Annotated[int, Query(ge=1, le=50)] = 12,
) -> list[RecentChange]:
    """The articles most recently edited on the wiki."""
    changes = await lookups.run(rt.wikis.client(site, quick=True).recent_changes, limit)
    return [RecentChange.model_validate(change, from_attributes=True) for change in changes]


@router.get("/{wiki}/random", responses=ERRORS, dependencies=[LookupsLimit])
async def read_random_title(site: SiteDep, rt: RuntimeDep, lookups: LookupsDep) -> str:
    """A random article's title (a lookup: it starts nothing)."""
    titles = await lookups.run(rt.wikis.client(site, quick=True).random_titles, 1)
    return titles[0] if titles else ""


analyses_router = APIRouter(prefix="/api/recent-analyses", tags=["analyses"])


@analyses_router.get("")
def list_recent_analyses(
    rt: RuntimeDep, limit: Annotated[int, Query(ge=1, le=100)] = 20
) -> list[AnalysedPage]:
    """The articles most recently analysed here."""
    return recently_analysed(rt, limit)
