"""The browser's ES modules (static/js/): the ones written by hand, the vocabulary module
the server writes from store/vocabulary.py and web/urls.py, their version, and which
modules each page's entry imports.

Pages load them under a versioned path (`/static/js/<version>/<name>`, the version a
digest of every module), cached for good: their relative imports (`./dom.js`) stay
inside that version, so a browser never runs modules of two releases together, and a
page asks for none of them again until a release changes one. A page also lists the
modules its entry imports as `<link rel="modulepreload">`, rather than the browser
finding them one round trip at a time.
"""

from __future__ import annotations

import functools
import hashlib
import re
from enum import StrEnum
from pathlib import Path

import orjson

from wikivice.store.vocabulary import Canceller, EditorKind, EventKind, JobStatus, Stage
from wikivice.web import urls

SCRIPTS = Path(__file__).parent / "static" / "js"
VOCABULARY = "vocabulary.js"
# Static imports and re-exports of our own modules: `import {a} from "./x.js"`,
# `export {b} from "./y.js"`, `import "./z.js"` (spread over lines or not); not the
# dynamic `import("./w.js")` of what a page may never need.
IMPORT = re.compile(r"""^\s*(?:import\b(?!\s*\()|export\b)[^;'"]*?["'](\./[\w.-]+\.js)["']""", re.M)
# Named as the scripts use them; each `{slot}` is filled by static/js/urls.js.
URL_TEMPLATES = {
    "article": urls.template(urls.article, "wiki", "title"),
    "suggestions": urls.template(urls.suggestions, "wiki", "q"),
    "recentChanges": urls.template(urls.recent_changes, "wiki"),
    "analyses": urls.analyses(),
    "diff": urls.template(urls.diff, "wiki", "title", "revid"),
    "history": urls.template(urls.revisions, "wiki", "title"),
    "heatmap": urls.template(urls.heatmap, "wiki", "title", "zone"),
    "plotly": urls.plotly_js(),
}


@functools.cache
def vocabulary_module() -> bytes:
    """An ES module of frozen objects: the closed sets of words and the URL templates."""
    exports: dict[str, object] = {
        "JobStatus": _members(JobStatus),
        "FINISHED_JOB_STATUSES": [status for status in JobStatus if status.finished],
        "STOPPED_JOB_STATUSES": [status for status in JobStatus if status.stopped_short],
        "Stage": _members(Stage),
        "STAGE_LABELS": {stage.value: stage.label for stage in Stage},
        "EventKind": _members(EventKind),
        "TERMINAL_EVENT_KINDS": [kind for kind in EventKind if kind.terminal],
        "EditorKind": _members(EditorKind),
        "Canceller": _members(Canceller),
        "URLS": URL_TEMPLATES,
    }
    lines = [
        "// Written by the server (wikivice.web.scripts) from wikivice.store.vocabulary and",
        "// wikivice.web.urls: the words and URLs the scripts share with it.",
    ]
    for name, value in exports.items():
        # JSON is a JavaScript expression; frozen, so no script changes a word for others.
        lines.append(f"export const {name} = Object.freeze({orjson.dumps(value).decode()});")
    return ("\n".join(lines) + "\n").encode()


@functools.cache
def modules() -> dict[str, bytes]:
    """Every module by file name, read once (a release changes them, a restart reads them)."""
    found = {path.name: path.read_bytes() for path in sorted(SCRIPTS.glob("*.js"))}
    return {**found, VOCABULARY: vocabulary_module()}


@functools.cache
def version() -> str:
    """A digest of every module's name and text."""
    digest = hashlib.sha256()
    for name, text in modules().items():
        digest.update(name.encode() + b"\0" + hashlib.sha256(text).digest())
    return digest.hexdigest()[:16]


def script_url(name: str) -> str:
    return urls.script(version(), name)


@functools.cache
def script_modules(entry: str) -> tuple[str, ...]:
    """The URLs of every module `<entry>.js` imports, directly or not, each once."""
    seen: list[str] = []
    pending = [f"{entry}.js"]
    while pending:
        for found in IMPORT.findall(modules()[pending.pop(0)].decode()):
            name = found.removeprefix("./")
            if name not in seen:
                seen.append(name)
                pending.append(name)
    return tuple(script_url(name) for name in seen)


def _members(words: type[StrEnum]) -> dict[str, str]:
    return {word.name: word.value for word in words}
