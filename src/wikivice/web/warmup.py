"""What a fresh web process does before its first visitor comes, on a thread of its own.

The first dashboard a process served used to pay for work that is the same for every
page and every visitor: compiling the templates, plotly.py building the validators of
each kind of trace on first use (gone since the charts are built as plain dicts,
figures/plotting.py), and compressing plotly.min.js (4.7 MB) for its first download:
about a second on this machine, in the first visitor's wait (issue 11: the dashboard
cold). `warm_up` does what is left once at start-up instead, drawing the dashboard of
a small sample history (`figures/sample.json`, the figures of the simulator's
`Synthetic 60`; tests/web/test_warmup.py keeps it in the shape of `PageFigures` and says
how to write it again). Nothing it does is kept but in the caches it fills.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path

import orjson
from fastapi.templating import Jinja2Templates

from wikivice.figures.types import PageFigures
from wikivice.web.dashboards import render_body
from wikivice.wiki.sites import parse_wiki

log = logging.getLogger(__name__)
SAMPLE = Path(__file__).resolve().parent.parent / "figures" / "sample.json"


def sample_figures() -> PageFigures:
    """The figures of the sample history (see the module docstring)."""
    figures: PageFigures = orjson.loads(SAMPLE.read_bytes())
    return figures


def warm_up(templates: Jinja2Templates, *also: Callable[[], object]) -> float:
    """Compile every template, draw the sample's dashboard, then run `also` (say, the
    compressed plotly.min.js made and kept); returns the seconds it took. A failure is
    logged and never stops the server: the first visitor then pays, as before."""
    started = time.perf_counter()
    try:
        for name in templates.env.list_templates(extensions=["html"]):
            templates.get_template(name)
        figures = sample_figures()
        render_body(templates, parse_wiki("en"), figures["title"], figures)
        for step in also:
            step()
    except Exception:
        log.warning("the warm-up failed; the first visitor waits for it", exc_info=True)
    took = time.perf_counter() - started
    log.debug("warmed up in %.0f ms", took * 1000)
    return took
