"""What every template gets besides the filters: `urls` (web/urls.py, so no template
builds a path by hand), the closed sets of words (store/vocabulary.py), and the page
scripts' addresses: `script_url(name)` and `script_modules(entry)` (web/scripts.py)."""

from __future__ import annotations

from jinja2 import Environment

from wikivice.store.vocabulary import EditorKind, EventKind, JobStatus, Stage
from wikivice.web import scripts, urls


def install_globals(env: Environment) -> None:
    env.globals.update(
        urls=urls,
        script_url=scripts.script_url,
        script_modules=scripts.script_modules,
        EditorKind=EditorKind,
        EventKind=EventKind,
        JobStatus=JobStatus,
        Stage=Stage,
    )
