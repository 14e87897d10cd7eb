"""Helpers for the search box: title suggestions, recent changes, random articles."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from wikivice.web.deps import RuntimeDep, SiteDep
from wikivice.web.problems import problem_from
from wikivice.web.routes.views import recently_analysed
from wikivice.web.schemas import AnalysedPage, ErrorOut, RecentChange
from wikivice.wiki.errors import MediaWikiError

router = APIRouter(prefix="/api/wikis", tags=["wikis"])
ERRORS: dict[int | str, dict[str, Any]] = {404: {"model": ErrorOut}, 502: {"model": ErrorOut}}


@router.get("/{wiki}/suggestions", responses=ERRORS)
def list_suggestions(
    site: SiteDep,
    rt: RuntimeDep,
    q: Annotated[str, Query(max_length=300, description="What the user typed so far.")],
    limit: Annotated[int, Query(ge=1, le=20)] = 8,
) -> list[str]:
    """Article titles starting with `q` (the wiki's opensearch)."""
    try:
        return rt.wikis.client(site).opensearch(q, limit)
    except MediaWikiError as exc:
        raise problem_from(exc, site) from None


@router.get("/{wiki}/recent-changes", responses=ERRORS)
def list_recent_changes(
    site: SiteDep, rt: RuntimeDep, limit: Annotated[int, Query(ge=1, le=50)] = 12
) -> list[RecentChange]:
    """The articles most recently edited on the wiki."""
    try:
        changes = rt.wikis.client(site).recent_changes(limit)
    except MediaWikiError as exc:
        raise problem_from(exc, site) from None
    return [
        RecentChange(
            title=c["title"],
            timestamp=c.get("timestamp", ""),
            user=c.get("user"),
            comment=c.get("comment"),
            delta=(c["newlen"] - c["oldlen"]) if "newlen" in c and "oldlen" in c else None,
        )
        for c in changes
    ]


@router.get("/{wiki}/random", responses=ERRORS)
def read_random_title(site: SiteDep, rt: RuntimeDep) -> str:
    """A random article's title."""
    try:
        titles = rt.wikis.client(site).random_titles(1)
    except MediaWikiError as exc:
        raise problem_from(exc, site) from None
    return titles[0] if titles else ""


analyses_router = APIRouter(prefix="/api/recent-analyses", tags=["analyses"])


@analyses_router.get("")
def list_recent_analyses(
    rt: RuntimeDep, limit: Annotated[int, Query(ge=1, le=100)] = 20
) -> list[AnalysedPage]:
    """The articles most recently analysed here."""
    return [
        AnalysedPage(
            wiki=r["wiki"],
            title=r["title"],
            revisions=r["revisions"],
            analysed_at=r["analysed_at"],
            dashboard_url=r["url"],
        )
        for r in recently_analysed(rt, limit)
    ]
