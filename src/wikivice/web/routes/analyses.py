"""POST /api/analyses: start (or join) the analysis of an article."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from wikivice.jobs.analyses import start_analysis
from wikivice.jobs.runtime import Runtime
from wikivice.web import urls
from wikivice.web.clients import client_key
from wikivice.web.deps import RuntimeDep, site_for_request
from wikivice.web.lookups import LookupsDep
from wikivice.web.ratelimits import AnalysesLimit
from wikivice.web.schemas import AnalysisOut, AnalysisRequest, ErrorOut, PageOut

router = APIRouter(prefix="/api/analyses", tags=["analyses"])


@router.post(
    "",
    status_code=202,
    dependencies=[AnalysesLimit],
    responses={
        200: {"model": AnalysisOut, "description": "The stored history is already current."},
        404: {"model": ErrorOut, "description": "No such article (with suggestions)."},
        422: {"model": ErrorOut, "description": "Not a valid title, or an unknown wiki."},
        429: {"model": ErrorOut, "description": "Too many analyses from this client."},
        502: {"model": ErrorOut, "description": "The wiki did not answer usefully."},
        503: {
            "model": ErrorOut,
            "description": "The service is full, or every request it may send the wiki at "
            "once is in flight; try again later (Retry-After).",
        },
    },
)
async def create_analysis(
    request: Request, body: AnalysisRequest, rt: RuntimeDep, lookups: LookupsDep, response: Response
) -> AnalysisOut:
    """Resolve the title on its wiki and fetch its history in the background.

    Answers at once: 202 with the job to follow (a new one, or the one already running
    for this article), or 200 when what is stored is current."""
    return await lookups.run(_start, body, rt, response, client_key(request))


def _start(body: AnalysisRequest, rt: Runtime, response: Response, client: str) -> AnalysisOut:
    site = site_for_request(rt, body.wiki)
    analysis = start_analysis(rt, site, body.title, client=client)
    page = analysis.page
    if analysis.job_id is None:
        response.status_code = 200
    job = rt.jobs.get(analysis.job_id) if analysis.job_id is not None else None
    return AnalysisOut(
        status="current" if job is None else job.status,
        joined=job is not None and not analysis.created,
        job_id=analysis.job_id,
        job_url=urls.job(analysis.job_id) if analysis.job_id else None,
        events_url=urls.events(analysis.job_id) if analysis.job_id else None,
        dashboard_url=urls.article(site.key, page.title),
        stats_url=urls.stats(site.key, page.title),
        page=PageOut(
            wiki=site.key,
            title=page.title,
            pageid=page.pageid,
            url=site.page_url(page.title),
            history_url=site.history_url(page.title),
            redirected_from=analysis.resolved.redirected_from,
            normalized_from=analysis.resolved.normalized_from,
        ),
    )
