"""Starting an analysis against the simulator, on SQLite and PostgreSQL: one request to
the wiki, then a job created, joined, or not needed at all."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from support import delivered, fetch
from wikivice.jobs.analyses import refresh_analysis, start_analysis
from wikivice.jobs.runner import run_claimed
from wikivice.jobs.runtime import Runtime
from wikivice.simulator import SimulatorServer
from wikivice.store import pages
from wikivice.store.models import Page, Wiki
from wikivice.store.vocabulary import JobStatus, Stage
from wikivice.wiki.errors import InvalidTitle, PageMissing
from wikivice.wiki.sites import WikiSite, parse_wiki


@pytest.fixture
def site(simulator: SimulatorServer) -> WikiSite:
    return parse_wiki(simulator.api_url)


def page_rows(rt: Runtime) -> int:
    with rt.db.read() as conn:
        return int(conn.execute(select(func.count()).select_from(Page)).scalar_one())


def test_start_analysis_of_a_new_page_creates_and_enqueues_a_job(
    rt: Runtime, site: WikiSite, simulator: SimulatorServer
) -> None:
    analysis = start_analysis(rt, site, "Synthetic 300")
    assert analysis.created and analysis.job_id is not None
    assert analysis.site == site
    assert analysis.page.title == analysis.resolved.title == "Synthetic 300"
    history = simulator.sim.history("Synthetic 300")
    assert history is not None
    assert (analysis.page.pageid, analysis.page.latest_revid) == (
        history.pageid,
        history.latest_revid,
    )
    job = rt.jobs.get(analysis.job_id)
    assert job is not None and job.status is JobStatus.QUEUED and job.stage is Stage.QUEUED
    assert delivered(rt) == [analysis.job_id]
    assert simulator.sim.stats.requests == 1


def test_start_analysis_without_enqueue_leaves_the_queue_alone(rt: Runtime, site: WikiSite) -> None:
    # `wikivice fetch` runs the job itself.
    analysis = start_analysis(rt, site, "Synthetic 300", enqueue=False)
    assert analysis.created and analysis.job_id is not None
    assert delivered(rt) == []


def test_start_analysis_twice_joins_the_job(rt: Runtime, site: WikiSite) -> None:
    first = start_analysis(rt, site, "Synthetic 300")
    second = start_analysis(rt, site, "synthetic_300")
    assert second.job_id == first.job_id
    assert not second.created
    assert delivered(rt) == [first.job_id]  # enqueued once
    assert page_rows(rt) == 1


def test_start_analysis_of_a_current_page_needs_no_job(
    rt: Runtime, site: WikiSite, simulator: SimulatorServer
) -> None:
    fetch(rt, "Synthetic 300")
    simulator.sim.reset_stats()
    analysis = start_analysis(rt, site, "Synthetic 300")
    assert analysis.job_id is None and not analysis.created
    assert analysis.page.is_current
    assert delivered(rt) == []
    assert simulator.sim.stats.requests == 1  # the title lookup, nothing more


def test_start_analysis_of_a_missing_page_raises_with_suggestions(
    rt: Runtime, site: WikiSite
) -> None:
    with pytest.raises(PageMissing) as caught:
        start_analysis(rt, site, "Coffe")
    assert "Coffee" in caught.value.suggestions
    assert page_rows(rt) == 0
    assert delivered(rt) == []


@pytest.mark.parametrize(
    ("title", "requests"), [("A|B", 0), ("::Coffee", 1)], ids=["refused-here", "by-the-wiki"]
)
def test_start_analysis_of_an_invalid_title_raises(
    rt: Runtime, site: WikiSite, simulator: SimulatorServer, title: str, requests: int
) -> None:
    with pytest.raises(InvalidTitle):
        start_analysis(rt, site, title)
    assert simulator.sim.stats.requests == requests
    assert page_rows(rt) == 0


def test_start_analysis_follows_a_redirect(rt: Runtime, site: WikiSite) -> None:
    analysis = start_analysis(rt, site, "Turing")
    assert analysis.page.title == "Alan Turing"
    assert analysis.resolved.redirected_from == "Turing"
    again = start_analysis(rt, site, "Alan Turing")
    assert again.job_id == analysis.job_id and not again.created
    with rt.db.read() as conn:
        assert pages.page_by_title(conn, analysis.page.wiki_id, "Turing") is None


def test_start_analysis_records_the_wikis_name(rt: Runtime, site: WikiSite) -> None:
    analysis = start_analysis(rt, site, "Synthetic 300")
    with rt.db.read() as conn:
        name = conn.execute(select(Wiki.name).where(Wiki.id == analysis.page.wiki_id)).scalar()
    assert name == "Simulated Wikipedia"


def test_start_analysis_of_a_title_just_resolved_asks_nothing(
    rt: Runtime, site: WikiSite, simulator: SimulatorServer
) -> None:
    resolved = rt.wikis.client(site).resolve("Synthetic 300")
    simulator.sim.reset_stats()
    analysis = start_analysis(rt, site, "Synthetic 300", resolved=resolved)
    assert analysis.created and analysis.resolved == resolved
    assert simulator.sim.stats.requests == 0


def test_refresh_analysis_creates_a_job_without_asking_the_wiki(
    rt: Runtime, site: WikiSite, simulator: SimulatorServer
) -> None:
    fetch(rt, "Synthetic 300")
    with rt.db.read() as conn:
        wiki_id = pages.wiki_id(conn, site.key)
        assert wiki_id is not None
        page = pages.page_by_title(conn, wiki_id, "Synthetic 300")
    assert page is not None
    simulator.sim.reset_stats()
    job_id = refresh_analysis(rt, page)
    job = rt.jobs.get(job_id)
    assert job is not None and job.status is JobStatus.QUEUED and job.page_id == page.id
    assert simulator.sim.stats.requests == 0
    assert delivered(rt) == [job_id]


def test_refresh_analysis_joins_an_active_job(
    rt: Runtime, site: WikiSite, simulator: SimulatorServer
) -> None:
    analysis = start_analysis(rt, site, "Synthetic 300")
    simulator.sim.reset_stats()
    assert refresh_analysis(rt, analysis.page) == analysis.job_id
    assert refresh_analysis(rt, analysis.page) == analysis.job_id
    assert delivered(rt) == [analysis.job_id]  # enqueued once, by the first call
    assert simulator.sim.stats.requests == 0


def stored_revids(rt: Runtime, title: str) -> list[int]:
    from wikivice.store.models import Revision

    with rt.db.read() as conn:
        page = pages.find_page(conn, parse_wiki(rt.settings.default_wiki).key, title)
        assert page is not None
        rows = conn.execute(
            select(Revision.revid).where(Revision.page_id == page.id).order_by(Revision.revid)
        )
        return [int(r) for r in rows.scalars()]


def test_a_short_history_is_complete_after_one_request(
    rt: Runtime, site: WikiSite, simulator: SimulatorServer
) -> None:
    # Issue 11 part 5: the title lookup brings the first 500 revisions with it; a page
    # of up to 500 is then stored and current, with no job at all.
    fetch(rt, "Synthetic 20")  # the wiki's bot accounts are known from here on
    simulator.sim.reset_stats()
    analysis = start_analysis(rt, site, "Synthetic 500")
    assert analysis.job_id is None and analysis.page.is_current
    assert analysis.page.stored_revisions == 500 and analysis.page.fetched_at is not None
    assert simulator.sim.stats.requests == 1
    assert delivered(rt) == []
    history = simulator.sim.history("Synthetic 500")
    assert history is not None
    assert stored_revids(rt, "Synthetic 500")[-1] == history.latest_revid


def test_a_long_history_goes_on_from_the_first_batch(
    rt: Runtime, site: WikiSite, simulator: SimulatorServer
) -> None:
    fetch(rt, "Synthetic 20")
    simulator.sim.reset_stats()
    analysis = start_analysis(rt, site, "Synthetic 1200", enqueue=False)
    assert analysis.job_id is not None and simulator.sim.stats.requests == 1
    job = rt.jobs.get(analysis.job_id)
    assert job is not None and job.done == 500
    assert len(stored_revids(rt, "Synthetic 1200")) == 500  # on view while the rest comes
    claim = rt.jobs.claim(analysis.job_id)
    assert claim is not None and claim.checkpoint is not None
    run_claimed(rt, claim, threading.Event(), requeue=lambda job_id: None)
    finished = rt.jobs.get(analysis.job_id)
    assert finished is not None and finished.status is JobStatus.DONE
    # The job walked on from the checkpoint: the rest in two requests, nothing twice.
    assert simulator.sim.stats.by_module["prop=revisions"] == 3
    revids = stored_revids(rt, "Synthetic 1200")
    assert len(revids) == len(set(revids)) == 1200
    # The first batch, stored by the lookup for the job, counts as the job's (it said
    # "700 new revisions" of a page it took whole).
    assert (finished.new_revisions, finished.message) == (1200, "1,200 new revisions")


def test_a_page_on_a_wiki_whose_bots_are_unknown_resolves_alone(
    rt: Runtime, site: WikiSite, simulator: SimulatorServer
) -> None:
    # Storing a revision needs the wiki's bot accounts; before they are known, the
    # lookup is the plain one and the job fetches everything.
    analysis = start_analysis(rt, site, "Synthetic 300")
    assert analysis.job_id is not None
    assert simulator.sim.stats.by_module.get("prop=revisions", 0) == 0
