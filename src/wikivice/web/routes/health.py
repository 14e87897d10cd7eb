"""GET /healthz (the process answers) and GET /readyz (it can do its work), for load
balancers and orchestrators; both cheap enough to poll every second."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from wikivice.jobs.health import Health
from wikivice.web.schemas import Liveness, PartOut, ReadinessOut

router = APIRouter(tags=["health"])


def get_health(request: Request) -> Health:
    health: Health = request.app.state.health
    return health


@router.get("/healthz", response_model=Liveness)
def read_liveness() -> Liveness:
    """The process is up and answering (asks nothing of the database or Redis)."""
    return Liveness(status="ok")


@router.get(
    "/readyz",
    response_model=ReadinessOut,
    responses={503: {"model": ReadinessOut, "description": "A part is unreachable."}},
)
def read_readiness(health: Annotated[Health, Depends(get_health)]) -> JSONResponse:
    """The database (reachable, schema at head), the queue's storage and Redis (when
    configured), each checked now; 503 naming the failing parts otherwise."""
    state = health.readiness()
    body = ReadinessOut(
        status="ready" if state.ready else "not ready",
        failing=state.failing,
        parts={
            p.name: PartOut(ok=p.ok, detail=p.detail, ms=round(p.seconds * 1000, 1))
            for p in state.parts
        },
    )
    return JSONResponse(
        body.model_dump(),
        status_code=200 if state.ready else 503,
        headers={"Cache-Control": "no-store"},
    )
