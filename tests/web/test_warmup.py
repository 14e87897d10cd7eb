"""The warm-up of a fresh web process (web/warmup.py): its sample is a dashboard's
figures whose every chart has something to draw, it compiles every template and draws
the sample without a warning, and the app runs it at start-up only when set to.

The sample (the figures of the simulator's Synthetic 60) is written by running this file:
`PYTHONPATH=tests .venv/bin/python tests/web/test_warmup.py`.
"""

from __future__ import annotations

import logging
import tempfile
import threading
import time
from pathlib import Path

import orjson
import pytest
from pydantic import TypeAdapter

from support import LiveServer
from wikivice.figures.charts import dashboard_charts
from wikivice.figures.types import PageFigures
from wikivice.settings import Settings
from wikivice.web import warmup
from wikivice.web.app import create_app

SAMPLE_TITLE = "Synthetic 60"


def test_the_sample_is_a_dashboard_with_every_chart_drawn() -> None:
    TypeAdapter(PageFigures).validate_json(warmup.SAMPLE.read_bytes(), strict=True)
    sample = warmup.sample_figures()
    charts = dashboard_charts(sample)
    assert [c["id"] for c in charts if c["empty"]] == []
    assert all(c["figure"]["data"] for c in charts)


def test_warm_up_compiles_every_template_and_draws_the_sample(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    templates = create_app(settings).state.templates
    ran: list[str] = []
    with caplog.at_level(logging.DEBUG, logger=warmup.__name__):
        took = warmup.warm_up(templates, lambda: ran.append("also"))
    assert took > 0 and ran == ["also"]
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    names = templates.env.list_templates(extensions=["html"])
    cached = {key[1] for key in templates.env.cache}  # (loader ref, name)
    assert set(names) <= cached and "_dash_main.html" in names


def test_a_failed_warm_up_is_logged_and_harmless(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    templates = create_app(settings).state.templates

    def broken() -> None:
        raise OSError("disk gone")

    with caplog.at_level(logging.WARNING, logger=warmup.__name__):
        warmup.warm_up(templates, broken)
    assert "the warm-up failed" in caplog.text


def test_the_app_warms_up_at_start(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"warm_up": True}))
    done = threading.Event()
    app.state.warm_ups.append(done.set)
    with LiveServer(app):
        # Started on a thread of its own: the app answers before it ends.
        assert done.wait(30)


def test_the_app_does_not_warm_up_when_set_not_to(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from wikivice.web import lifespan

    started = threading.Event()
    # Whatever a warm-up would do, it would start by calling this: at once, here.
    monkeypatch.setattr(lifespan, "warm_up", lambda *_: started.set())
    with LiveServer(create_app(settings.model_copy(update={"warm_up": False}))):
        assert not started.wait(1.0)
    with LiveServer(create_app(settings.model_copy(update={"warm_up": True}))):
        assert started.wait(10)  # the same stand-in is called when set to


def write_sample() -> None:
    """Fetch the sample's history from an in-process simulator and write its figures."""
    from datetime import UTC, datetime

    from support import fetch, make_settings
    from wikivice.figures.page import page_figures
    from wikivice.jobs.runtime import Runtime
    from wikivice.simulator import Simulator, SimulatorServer

    anchor = datetime(2026, 1, 1, tzinfo=UTC)
    with SimulatorServer(Simulator(anchor=anchor)) as wiki, tempfile.TemporaryDirectory() as tmp:
        rt = Runtime.create(make_settings(Path(tmp), default_wiki=wiki.api_url))
        try:
            fetch(rt, SAMPLE_TITLE)
            with rt.db.read() as conn:
                figures = page_figures(conn, 1, anchor.timestamp())
        finally:
            rt.close()
    figures["wiki"] = "en.wikipedia.org"
    figures["fetched_at"] = anchor.timestamp()  # stable, not when written
    warmup.SAMPLE.write_bytes(orjson.dumps(figures) + b"\n")
    print(f"wrote {warmup.SAMPLE} ({warmup.SAMPLE.stat().st_size:,} bytes) at {time.ctime()}")


if __name__ == "__main__":
    write_sample()
