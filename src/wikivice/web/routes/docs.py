"""GET /docs and /redoc: the API's reference, Swagger UI and ReDoc served from the app (no
CDN, no web fonts, under the same Content-Security-Policy as every page)."""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path

import swagger_ui_bundle
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from wikivice.web.deps import TemplatesDep

router = APIRouter()
SWAGGER_UI = Path(swagger_ui_bundle.swagger_ui_path)
SWAGGER_URL = "/static/vendor/swagger-ui"
# ReDoc's standalone bundle as the fastapi-offline package ships it (found, not imported).
_OFFLINE = importlib.util.find_spec("fastapi_offline")
assert _OFFLINE is not None and _OFFLINE.submodule_search_locations
REDOC_JS = Path(next(iter(_OFFLINE.submodule_search_locations))) / "static" / "redoc.standalone.js"
REDOC_URL = "/static/vendor/redoc.standalone.js"
REDOC_LOGO = b"https://cdn.redoc.ly/redoc/logo-mini.svg"


@router.get("/docs", response_class=HTMLResponse, include_in_schema=False)
def show_api_docs(request: Request, templates: TemplatesDep) -> Response:
    return templates.TemplateResponse(
        request,
        "api_docs.html",
        {"swagger_url": SWAGGER_URL, "openapi_url": request.app.openapi_url},
        headers={"Cache-Control": "no-cache"},
    )


@router.get("/redoc", response_class=HTMLResponse, include_in_schema=False)
def show_redoc(request: Request, templates: TemplatesDep) -> Response:
    return templates.TemplateResponse(
        request,
        "api_redoc.html",
        {"redoc_url": REDOC_URL, "openapi_url": request.app.openapi_url},
        headers={"Cache-Control": "no-cache"},
    )


@router.get(REDOC_URL, include_in_schema=False)
def read_redoc_js() -> Response:
    return Response(
        _redoc_bundle(),
        media_type="text/javascript",
        headers={"Cache-Control": "public, max-age=86400"},
    )


@functools.cache
def _redoc_bundle() -> bytes:
    """ReDoc's bundle with the one thing it would fetch from elsewhere, the sidebar's
    Redocly logo, pointed at our own icon (the policy would block it, noisily)."""
    return REDOC_JS.read_bytes().replace(REDOC_LOGO, b"/static/favicon.svg")
