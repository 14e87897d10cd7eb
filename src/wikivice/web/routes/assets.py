"""Script assets the server writes itself: `/static/js/vocabulary.js`, an ES module of the
closed sets of words (store/vocabulary.py) and of the URL templates (web/urls.py) the
browser's scripts use, so that no script spells a status, a stage, an event kind or a
path of its own.
"""

from __future__ import annotations

import functools
import hashlib
from enum import StrEnum

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import Response

from wikivice.store.vocabulary import EditorKind, EventKind, JobStatus, Stage
from wikivice.web import urls

router = APIRouter(include_in_schema=False)

# Named as the scripts use them; each `{slot}` is filled by static/js/urls.js.
URL_TEMPLATES = {
    "search": urls.template(urls.search, "wiki", "title"),
    "random": urls.template(urls.random, "wiki"),
    "suggestions": urls.template(urls.suggestions, "wiki", "q"),
    "recentChanges": urls.template(urls.recent_changes, "wiki"),
    "analyses": urls.analyses(),
    "diff": urls.template(urls.diff, "wiki", "title", "revid"),
    "plotly": urls.plotly_js(),
}
HEADER = (
    "// Written by the server (wikivice.web.routes.assets) from wikivice.store.vocabulary\n"
    "// and wikivice.web.urls: the words and URLs the scripts share with it.\n"
)


@router.get("/static/js/vocabulary.js")
def read_vocabulary_module(request: Request) -> Response:
    body, etag = vocabulary_module()
    # The browser keeps it and asks again each time with its ETag (a 304 costs a few
    # bytes): a new release that renames a word is seen at once, never mixed with old.
    headers = {"Cache-Control": "no-cache", "ETag": etag}
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="text/javascript; charset=utf-8", headers=headers)


@functools.cache
def vocabulary_module() -> tuple[bytes, str]:
    """The module's text and its ETag (a digest of the text)."""
    exports: dict[str, object] = {
        "JobStatus": _members(JobStatus),
        "FINISHED_JOB_STATUSES": [status for status in JobStatus if status.finished],
        "Stage": _members(Stage),
        "STAGE_LABELS": {stage.value: stage.label for stage in Stage},
        "EventKind": _members(EventKind),
        "TERMINAL_EVENT_KINDS": [kind for kind in EventKind if kind.terminal],
        "EditorKind": _members(EditorKind),
        "URLS": URL_TEMPLATES,
    }
    body = HEADER + "".join(_export(name, value) for name, value in exports.items())
    data = body.encode()
    return data, f'"{hashlib.sha256(data).hexdigest()[:20]}"'


def _members(words: type[StrEnum]) -> dict[str, str]:
    return {word.name: word.value for word in words}


def _export(name: str, value: object) -> str:
    # JSON is a JavaScript expression; frozen, so no script can change a word for others.
    return f"export const {name} = Object.freeze({orjson.dumps(value).decode()});\n"
