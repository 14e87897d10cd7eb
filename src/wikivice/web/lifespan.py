"""What the app starts with and stops with: the process's runtime, the event hub, and the
job worker (or only the reaper, with `--no-worker`).

On the embedded default the app also runs the job worker in its own threads (see
`wikivice.jobs.worker` for why not Huey's consumer), started and stopped with the app.
Every process runs the reaper, so stalled jobs are noticed even with no worker alive,
and warms up (`web.warmup`) on a thread of its own while it waits for its first visitor.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from anyio import to_thread
from fastapi import FastAPI

from wikivice import metrics
from wikivice.jobs.health import Health
from wikivice.jobs.hub import EventHub
from wikivice.jobs.runtime import Runtime
from wikivice.jobs.worker import Reaper, Worker
from wikivice.settings import Settings
from wikivice.store import pages
from wikivice.web.lookups import Lookups
from wikivice.web.warmup import warm_up
from wikivice.wiki.sites import parse_wiki

Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]


def lifespan_for(settings: Settings, *, worker: bool, runtime: Runtime | None) -> Lifespan:
    """The app's lifespan; with `runtime`, the caller's (not closed at the end)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        rt = runtime or Runtime.create(settings)
        with rt.db.write() as conn:  # so the default wiki's key works in URLs at once
            pages.ensure_wiki(conn, parse_wiki(settings.default_wiki))
        app.state.runtime = rt
        app.state.hub = EventHub(rt.db, rt.notifier, settings.event_poll_seconds)
        app.state.lookups = Lookups()
        app.state.health = Health(rt)
        stop = threading.Event()
        job_worker = None
        if worker:
            from wikivice.figures.cache import analyser
            from wikivice.figures.conflict import WarThreshold

            analyse = analyser(WarThreshold.of(settings))
            job_worker = Worker(rt, settings.workers, analyse=analyse)
            job_worker.start()
            reaper = job_worker.reaper
        else:
            reaper = Reaper(rt, stop)
            reaper.start()
        app.state.worker = job_worker
        if settings.warm_up:
            threading.Thread(
                target=warm_up, args=(app.state.templates, *app.state.warm_ups), daemon=True
            ).start()
        try:
            yield
        finally:
            app.state.hub.close()
            app.state.health.close()
            await to_thread.run_sync(app.state.hub.join)  # no read outlives the database
            stop.set()
            if job_worker is not None:
                job_worker.stop()
            reaper.join(5)
            if runtime is None:
                rt.close()
            metrics.forget_process()

    return lifespan
