"""`wikivice fetch`'s head start: a new page's walk begins before the database layer is
loaded, is taken over by the job exactly once, and never costs a stored page a request."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from support import fetch, make_settings
from wikivice.jobs.analyses import start_analysis
from wikivice.jobs.runner import run_claimed
from wikivice.jobs.runtime import Runtime
from wikivice.settings import Settings
from wikivice.simulator import SimulatorServer
from wikivice.store import headstart, pages
from wikivice.store.fetcher import Fetcher
from wikivice.store.models import ACTIVE_JOB_STATUSES, Page, Revision
from wikivice.store.vocabulary import JobStatus
from wikivice.wiki.sites import parse_wiki


def fetch_as_the_cli_does(settings: Settings, title: str) -> dict[str, Any] | None:
    """`wikivice fetch` in-process: head start, then the database layer, then the job."""
    site = parse_wiki(settings.default_wiki)
    head = headstart.begin(settings, site, title)
    rt = Runtime.create(settings, wikis=head.wikis)
    try:
        analysis = start_analysis(rt, site, title, enqueue=False, resolved=head.resolved)
        if analysis.job_id is None:
            assert head.fetcher is None
            return None
        claim = rt.jobs.claim(analysis.job_id)
        assert claim is not None
        run_claimed(
            rt, claim, threading.Event(), requeue=lambda job_id: None, head_start=head.fetcher
        )
        return rt.jobs.get(analysis.job_id)
    finally:
        rt.close()


def revids(rt: Runtime, title: str) -> list[int]:
    with rt.db.read() as conn:
        rows = conn.execute(
            select(Revision.revid)
            .join(Page, Page.id == Revision.page_id)
            .where(Page.title == title)
            .order_by(Revision.ts, Revision.revid)
        )
        return [int(r.revid) for r in rows]


@pytest.fixture
def sqlite_settings(tmp_path: Path, simulator: SimulatorServer) -> Settings:
    return make_settings(
        tmp_path, database_url=f"sqlite:///{tmp_path / 'head.db'}", default_wiki=simulator.api_url
    )


def test_a_new_page_is_walked_once_from_its_head_start(
    sqlite_settings: Settings, simulator: SimulatorServer
) -> None:
    job = fetch_as_the_cli_does(sqlite_settings, "Synthetic 1800")
    assert job is not None and job.status == JobStatus.DONE and job.new_revisions == 1800
    # One walk: four pages of 500, not a second walk after the head start's.
    assert simulator.sim.stats.by_module["prop=revisions"] == 4
    history = simulator.sim.history("Synthetic 1800")
    assert history is not None
    rt = Runtime.create(sqlite_settings)
    try:
        assert revids(rt, "Synthetic 1800") == [r["revid"] for r in history.iter()]
    finally:
        rt.close()


def test_a_stored_page_gets_no_head_start(
    sqlite_settings: Settings, simulator: SimulatorServer
) -> None:
    assert fetch_as_the_cli_does(sqlite_settings, "Synthetic 700") is not None
    simulator.sim.reset_stats()
    assert fetch_as_the_cli_does(sqlite_settings, "Synthetic 700") is None  # current
    assert simulator.sim.stats.requests == 1  # the title lookup, nothing else


def test_a_head_start_from_elsewhere_is_dropped(
    own_simulator: SimulatorServer, tmp_path: Path
) -> None:
    """A walk from the beginning handed to a job that must refresh from the newest
    stored revision: the job walks from there instead, and stores nothing twice."""
    settings = make_settings(
        tmp_path, database_url=f"sqlite:///{tmp_path / 'x.db'}", default_wiki=own_simulator.api_url
    )
    rt = Runtime.create(settings)
    try:
        fetch(rt, "Synthetic 1200")
        own_simulator.sim.grow("Synthetic 1200", 7)
        site = parse_wiki(settings.default_wiki)
        analysis = start_analysis(rt, site, "Synthetic 1200", enqueue=False)
        assert analysis.job_id is not None
        stale = Fetcher(rt.wikis.client(site), analysis.page.pageid)
        stale.start()
        claim = rt.jobs.claim(analysis.job_id)
        assert claim is not None
        run_claimed(rt, claim, threading.Event(), requeue=lambda job_id: None, head_start=stale)
        job = rt.jobs.get(analysis.job_id)
        assert job is not None and job.status == JobStatus.DONE and job.new_revisions == 7
        history = own_simulator.sim.history("Synthetic 1200")
        assert history is not None
        assert revids(rt, "Synthetic 1200") == [r["revid"] for r in history.iter()]
        assert stale.stopped
    finally:
        rt.close()


def test_is_new_asks_the_database(sqlite_settings: Settings, simulator: SimulatorServer) -> None:
    url = sqlite_settings.sqlalchemy_url
    key = parse_wiki(simulator.api_url).key
    history = simulator.sim.history("Synthetic 300")
    assert history is not None
    assert headstart.is_new(url, key, history.pageid)  # no database file yet
    rt = Runtime.create(sqlite_settings)  # created and migrated, empty
    try:
        assert headstart.is_new(url, key, history.pageid)
        site = parse_wiki(simulator.api_url)
        analysis = start_analysis(rt, site, "Synthetic 300", enqueue=False)
        assert analysis.job_id is not None  # a queued job: someone may be about to run it
        assert not headstart.is_new(url, key, history.pageid)
        fetch(rt, "Synthetic 300")  # stored
        assert not headstart.is_new(url, key, history.pageid)
        other = simulator.sim.history("Synthetic 301")
        assert other is not None
        assert headstart.is_new(url, key, other.pageid)
        with rt.db.read() as conn:
            assert conn.execute(select(func.count()).select_from(Revision)).scalar_one() == 300
            assert pages.page_by_title(conn, analysis.page.wiki_id, "Synthetic 300") is not None
    finally:
        rt.close()


def test_is_new_knows_every_active_job_status() -> None:
    """Its SQL spells the statuses out (no SQLAlchemy to import the models' constant)."""
    for status in ACTIVE_JOB_STATUSES:
        assert f"'{status}'" in headstart._STORED_OR_BUSY


@pytest.mark.parametrize(
    "url",
    ["postgresql+psycopg://localhost/test", "sqlite://", "sqlite:///:memory:", "mysql:///x.db"],
)
def test_is_new_says_no_when_it_cannot_tell_cheaply(url: str) -> None:
    assert not headstart.is_new(url, "en", 1)


def test_is_new_plays_safe_with_an_unreadable_file(tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not a database" * 100)
    assert not headstart.is_new(f"sqlite:///{junk}", "en", 1)


def test_a_head_start_is_stopped_when_someone_else_runs_the_job(
    sqlite_settings: Settings, simulator: SimulatorServer
) -> None:
    """The race the database check cannot see: another worker claims the page's job
    between the check and the command's own claim. The command follows that worker and
    stops its walk at once instead of letting it run ahead."""
    from wikivice.jobs.foreground import run_or_follow

    site = parse_wiki(sqlite_settings.default_wiki)
    head = headstart.begin(sqlite_settings, site, "Synthetic 2500")
    assert head.fetcher is not None
    rt = Runtime.create(sqlite_settings, wikis=head.wikis)
    try:
        analysis = start_analysis(rt, site, "Synthetic 2500", enqueue=False)
        assert analysis.job_id is not None
        other = rt.jobs.claim(analysis.job_id)  # another worker's
        assert other is not None
        walk = head.fetcher
        result: dict[str, Any] = {}
        follower = threading.Thread(
            target=lambda: result.update(run_or_follow(rt, other.job_id, walk).as_dict()),
            daemon=True,
        )
        follower.start()
        deadline = time.monotonic() + 1  # well before the claim could look stale (2 s)
        while not walk.stopped:
            assert time.monotonic() < deadline, "the head start was not stopped"
            time.sleep(0.02)
        run_claimed(rt, other, threading.Event(), requeue=lambda job_id: None)
        follower.join(10)
        assert result["status"] == JobStatus.DONE and result["new_revisions"] == 2500
    finally:
        rt.close()
