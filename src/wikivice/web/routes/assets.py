"""Our ES modules (web/scripts.py): under their version, cached for good; and the
vocabulary module the server writes, also at its plain address."""

from __future__ import annotations

import hashlib

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from wikivice.web import scripts

router = APIRouter(prefix="/static/js", include_in_schema=False)
JAVASCRIPT = "text/javascript; charset=utf-8"


@router.get("/vocabulary.js")
def read_vocabulary_module(request: Request) -> Response:
    """The words and URL templates, for whoever asks by name (pages use the versioned
    copy): kept by the browser and asked again with its ETag, a 304 if unchanged."""
    body = scripts.vocabulary_module()
    etag = f'"{hashlib.sha256(body).hexdigest()[:20]}"'
    headers = {"Cache-Control": "no-cache", "ETag": etag}
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=JAVASCRIPT, headers=headers)


@router.get("/{version}/{name}")
def read_script_module(version: str, name: str) -> Response:
    """A module of this release; its address changes with any module's text."""
    body = scripts.modules().get(name)
    if version != scripts.version() or body is None:
        raise HTTPException(404, "There is nothing at this address.")
    headers = {"Cache-Control": "public, max-age=31536000, immutable"}
    return Response(body, media_type=JAVASCRIPT, headers=headers)
