"""GET /api/pages/{wiki}/{title}/stats: an analysed article's figures; …/heatmap: when
people edit it, in a time zone of the reader's choosing."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Annotated

import orjson
from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel

from wikivice.figures.cache import current_key, figures_for
from wikivice.figures.conflict import WarThreshold
from wikivice.figures.types import PageFigures
from wikivice.figures.zones import MAX_ZONE_CHARS, UnknownZone, heatmap_in, zone_named
from wikivice.web.deps import RuntimeDep, SiteDep, TitleParam, stored_page
from wikivice.web.problems import Problem
from wikivice.web.ratelimits import ExportsLimit
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


class ZonedHeatmap(BaseModel):
    """Edits by weekday and hour of day in `zone`: `edits[weekday][hour]`, Monday first."""

    zone: str
    weekdays: list[str]
    hours: list[int]
    edits: list[list[int]]


# (page row, its stored revisions, latest stored revision, zone) → the heatmap: a stored
# history that did not change gives the same answer (a refresh moves the key).
_heatmaps: OrderedDict[tuple[int, int, int | None, str], ZonedHeatmap] = OrderedDict()
_heatmaps_lock = threading.Lock()
HEATMAPS_KEPT = 256


@router.get(
    "/{wiki}/{title:path}/heatmap",
    response_model=ZonedHeatmap,
    responses={404: {"model": ErrorOut}, 422: {"model": ErrorOut}, 429: {"model": ErrorOut}},
    # A pass over the whole stored history per zone (600 zones): limited like an export.
    dependencies=[ExportsLimit],
)
def read_page_heatmap(
    site: SiteDep,
    title: TitleParam,
    rt: RuntimeDep,
    tz: Annotated[
        str, Query(max_length=MAX_ZONE_CHARS, description="An IANA time zone, e.g. Europe/Paris.")
    ] = "UTC",
) -> ZonedHeatmap:
    """When people edit the article: edits by weekday and hour of day as the clocks of
    the time zone `tz` read at each edit (daylight saving time included), for the
    dashboard's heatmap in the reader's own time. 422 for a name that is no time zone."""
    try:
        zone = zone_named(tz)
    except UnknownZone as exc:
        raise Problem(422, str(exc), [], "invalid") from None
    page = stored_page(rt, site, title)
    key = (page.id, page.stored_revisions, page.stored_latest_revid, zone.key)
    with _heatmaps_lock:
        if key in _heatmaps:
            _heatmaps.move_to_end(key)
            return _heatmaps[key]
    with rt.db.read() as conn:
        answer = ZonedHeatmap(zone=zone.key, **heatmap_in(conn, page.id, zone))
    with _heatmaps_lock:
        _heatmaps[key] = answer
        while len(_heatmaps) > HEATMAPS_KEPT:
            _heatmaps.popitem(last=False)
    return answer
