"""GET /docs: the API's reference, Swagger UI served from the app (no CDN, under the same
Content-Security-Policy as every page). ReDoc is off: it loads fonts from Google."""

from __future__ import annotations

from pathlib import Path

import swagger_ui_bundle
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from wikivice.web.deps import TemplatesDep

router = APIRouter()
SWAGGER_UI = Path(swagger_ui_bundle.swagger_ui_path)
SWAGGER_URL = "/static/vendor/swagger-ui"


@router.get("/docs", response_class=HTMLResponse, include_in_schema=False)
def show_api_docs(request: Request, templates: TemplatesDep) -> Response:
    return templates.TemplateResponse(
        request,
        "api_docs.html",
        {"swagger_url": SWAGGER_URL, "openapi_url": request.app.openapi_url},
        headers={"Cache-Control": "no-cache"},
    )
