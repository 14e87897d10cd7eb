"""The caps on jobs (jobs/caps.py) and the revision limit of the web app's jobs, on
SQLite and PostgreSQL, against the simulator."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select, update

from support import fetch
from wikivice.jobs.analyses import start_analysis, stopped_at_limit
from wikivice.jobs.caps import (
    ServiceBusy,
    TooManyJobs,
    active_jobs,
    check_caps,
    limit_reached,
)
from wikivice.jobs.runner import run_claimed
from wikivice.jobs.runtime import Runtime
from wikivice.simulator import SimulatorServer
from wikivice.store import pages
from wikivice.store.models import FetchJob, Revision
from wikivice.store.pages import PageRef
from wikivice.store.vocabulary import JobStatus
from wikivice.wiki.sites import WikiSite, parse_wiki

ALICE, BOB = "203.0.113.1", "203.0.113.2"


@pytest.fixture
def site(simulator: SimulatorServer) -> WikiSite:
    return parse_wiki(simulator.api_url)


def submit(rt: Runtime, site: WikiSite, title: str, client: str | None) -> int:
    analysis = start_analysis(rt, site, title, enqueue=False, client=client)
    assert analysis.job_id is not None
    return analysis.job_id


def run(rt: Runtime, job_id: int) -> None:
    claim = rt.jobs.claim(job_id)
    assert claim is not None
    run_claimed(rt, claim, threading.Event(), requeue=lambda job_id: None)


def page_of(rt: Runtime, job_id: int) -> PageRef:
    job = rt.jobs.get(job_id)
    assert job is not None
    with rt.db.read() as conn:
        page = pages.page_by_id(conn, job.page_id)
    assert page is not None
    return page


def test_active_jobs_counts_queued_and_running_by_client(rt: Runtime, site: WikiSite) -> None:
    first = submit(rt, site, "Synthetic 201", ALICE)
    submit(rt, site, "Synthetic 202", ALICE)
    submit(rt, site, "Synthetic 203", BOB)
    submit(rt, site, "Synthetic 204", None)  # the CLI's: counted for the service only
    assert rt.jobs.claim(first) is not None  # running counts too
    assert (active_jobs(rt.db, ALICE), active_jobs(rt.db, BOB), active_jobs(rt.db)) == (2, 1, 4)
    with rt.db.write() as conn:  # a finished job counts for nobody
        conn.execute(update(FetchJob).where(FetchJob.id == first).values(status=JobStatus.DONE))
    assert (active_jobs(rt.db, ALICE), active_jobs(rt.db)) == (1, 3)


def test_check_caps_refuses_past_either_cap(rt: Runtime, site: WikiSite) -> None:
    submit(rt, site, "Synthetic 211", ALICE)
    submit(rt, site, "Synthetic 212", ALICE)
    check_caps(rt.db, ALICE, per_client=3, overall=3)
    with pytest.raises(TooManyJobs) as mine:
        check_caps(rt.db, ALICE, per_client=2, overall=10)
    assert "2 analyses" in mine.value.detail and mine.value.retry_after > 0
    with pytest.raises(ServiceBusy):
        check_caps(rt.db, BOB, per_client=2, overall=2)


def test_start_analysis_at_the_cap_may_still_join_a_running_job(
    rt: Runtime, site: WikiSite
) -> None:
    settings = rt.settings.model_copy(update={"max_queued_per_client": 1})
    capped = Runtime.create(settings)
    try:
        job_id = submit(capped, site, "Synthetic 221", ALICE)
        with pytest.raises(TooManyJobs):
            submit(capped, site, "Synthetic 222", ALICE)
        assert submit(capped, site, "Synthetic 221", ALICE) == job_id  # joined
        assert submit(capped, site, "Synthetic 222", None)  # the CLI is never capped
    finally:
        capped.close()


def limited(rt: Runtime, limit: int) -> Runtime:
    return Runtime.create(rt.settings.model_copy(update={"max_revisions": limit}))


def test_a_web_job_stops_at_its_revision_limit_and_says_why(
    rt: Runtime, site: WikiSite, simulator: SimulatorServer
) -> None:
    web = limited(rt, 1200)
    try:
        job_id = submit(web, site, "Synthetic 3000", ALICE)
        run(web, job_id)
        job = web.jobs.get(job_id)
        assert job is not None and job.status is JobStatus.DONE and job.error is None
        assert (job.done, job.total, job.new_revisions) == (1200, 1200, 1200)
        assert job.message == limit_reached(1200)
        assert "Stopped at 1,200 revisions" in job.message
        page = page_of(web, job_id)
        history = simulator.sim.history("Synthetic 3000")
        assert history is not None
        oldest = [rev["revid"] for rev in history.iter()][:1200]
        with web.db.read() as conn:
            stored = conn.execute(
                select(Revision.revid)
                .where(Revision.page_id == page.id)
                .order_by(Revision.ts, Revision.revid)
            ).scalars()
            assert list(stored) == oldest  # the oldest, once each, and nothing more
        assert page.stored_revisions == 1200 and not page.is_current
        assert stopped_at_limit(web, page) == limit_reached(1200)

        # A later refresh ends at once: no walk for what this server does not fetch.
        again = submit(web, site, "Synthetic 3000", ALICE)
        simulator.sim.reset_stats()
        run(web, again)
        refreshed = web.jobs.get(again)
        assert refreshed is not None and refreshed.status is JobStatus.DONE
        assert refreshed.message == limit_reached(1200) and refreshed.new_revisions == 0
        assert simulator.sim.stats.requests == 0
        assert page_of(web, again).stored_revisions == 1200
    finally:
        web.close()


def test_a_history_exactly_at_the_limit_is_complete(rt: Runtime, site: WikiSite) -> None:
    web = limited(rt, 1000)
    try:
        job_id = submit(web, site, "Synthetic 1000", ALICE)
        run(web, job_id)
        job = web.jobs.get(job_id)
        assert job is not None and job.message == "1,000 new revisions"
        page = page_of(web, job_id)
        assert page.is_current and stopped_at_limit(web, page) is None
    finally:
        web.close()


def test_the_cli_has_no_revision_limit(rt: Runtime) -> None:
    cli = limited(rt, 1200)
    try:
        job = fetch(cli, "Synthetic 3000")  # as `wikivice fetch` runs it
        assert job is not None and (job.done, job.message) == (3000, "3,000 new revisions")
        with cli.db.read() as conn:
            limit = conn.execute(select(FetchJob.revision_limit)).scalar_one()
        assert limit is None
    finally:
        cli.close()
