"""A title asked through the search form: its job starts before the wiki is asked, and
resolves the title itself (jobs/asked.py), on SQLite and PostgreSQL against the
simulator: a title of up to 500 revisions complete after one request, another spelling
or a redirect followed (to a new page, to a page known here, to a page being fetched),
a title the wiki has no article of, and when the lookup still comes first."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select, update

from support import fetch
from wikivice.jobs.asked import start_asked
from wikivice.jobs.caps import TooManyJobs
from wikivice.jobs.control import prune_failed
from wikivice.jobs.events import events_after
from wikivice.jobs.runner import run_job
from wikivice.jobs.runtime import Runtime
from wikivice.jobs.snapshot import JobSnapshot
from wikivice.simulator import SimulatorServer
from wikivice.store import pages
from wikivice.store.models import FetchJob, Page, PageRedirect, Wiki
from wikivice.store.pages import PageRef
from wikivice.store.vocabulary import EventKind, JobStatus
from wikivice.wiki.errors import InvalidTitle
from wikivice.wiki.sites import WikiSite, parse_wiki

CLIENT = "visitor-1"


@pytest.fixture
def site(rt: Runtime, simulator: SimulatorServer) -> WikiSite:
    """The simulator, known here: one article analysed (its bot accounts are known)."""
    fetch(rt, "Synthetic 20")
    simulator.sim.reset_stats()
    return parse_wiki(simulator.api_url)


def ran(rt: Runtime, job_id: int) -> JobSnapshot:
    run_job(rt, job_id, threading.Event(), requeue=lambda _: None)
    job = rt.jobs.get(job_id)
    assert job is not None
    return job


def page_of(rt: Runtime, site: WikiSite, title: str) -> PageRef | None:
    with rt.db.read() as conn:
        return pages.find_page(conn, site.key, title)


def said(rt: Runtime, job_id: int, kind: EventKind) -> list[dict[str, object]]:
    return [event.data for event in events_after(rt.db, job_id) if event.kind == kind]


def test_a_title_never_seen_has_its_job_before_the_wiki_is_asked(
    rt: Runtime, site: WikiSite, simulator: SimulatorServer
) -> None:
    asked = start_asked(rt, site, "Synthetic 450", CLIENT)
    assert asked is not None
    title, job_id = asked
    assert title == "Synthetic 450"
    assert simulator.sim.stats.requests == 0  # the page and its job exist; nothing asked
    page = page_of(rt, site, title)
    assert page is not None and page.pageid is None
    assert rt.jobs.active_for_page(page.id) == job_id

    job = ran(rt, job_id)
    # One round trip: the title resolved and all 450 revisions, in the same request.
    assert simulator.sim.stats.requests == 1
    assert job.status == JobStatus.DONE and job.done == 450
    assert job.new_revisions == 450 and job.message == "450 new revisions"
    stored = page_of(rt, site, title)
    assert stored is not None and stored.id == page.id and stored.pageid is not None
    assert stored.stored_revisions == 450 and stored.is_current
    assert not [data for data in said(rt, job_id, EventKind.STAGE) if "title" in data]


def test_a_longer_history_goes_on_from_the_first_request(
    rt: Runtime, site: WikiSite, simulator: SimulatorServer
) -> None:
    asked = start_asked(rt, site, "Synthetic 1200", CLIENT)
    assert asked is not None
    job = ran(rt, asked[1])
    assert job.status == JobStatus.DONE and job.done == 1200 and job.new_revisions == 1200
    page = page_of(rt, site, "Synthetic 1200")
    assert page is not None and page.stored_revisions == 1200 and page.is_current
    # The first 500 came with the lookup; the walk went on from there, not from the start.
    assert simulator.sim.stats.revisions_served == 1200


def test_another_spelling_is_followed_to_the_page_s_own_title(rt: Runtime, site: WikiSite) -> None:
    asked = start_asked(rt, site, "synthetic 451", CLIENT)
    assert asked is not None and asked[0] == "synthetic 451"
    job = ran(rt, asked[1])
    assert job.status == JobStatus.DONE and job.done == 451
    titles = [data["title"] for data in said(rt, asked[1], EventKind.STAGE) if "title" in data]
    assert titles == ["Synthetic 451"]
    page = page_of(rt, site, "synthetic 451")
    assert page is not None and page.title == "Synthetic 451"


def test_a_redirect_becomes_the_page_it_leads_to(rt: Runtime, site: WikiSite) -> None:
    asked = start_asked(rt, site, "Turing", CLIENT)
    assert asked is not None
    job = ran(rt, asked[1])
    assert job.status == JobStatus.DONE and job.done == 4000
    found = [data for data in said(rt, asked[1], EventKind.STAGE) if "title" in data]
    assert found == [found[0]]  # said once
    assert found[0]["title"] == "Alan Turing" and found[0]["redirected_from"] == "Turing"
    turing = page_of(rt, site, "Turing")
    assert turing is not None and turing.title == "Alan Turing" and turing.stored_revisions == 4000
    with rt.db.read() as conn:
        assert conn.execute(select(PageRedirect.title)).scalars().all() == ["Turing"]


def test_a_redirect_to_a_page_known_here_moves_the_job_there(rt: Runtime, site: WikiSite) -> None:
    fetch(rt, "Alan Turing")
    known = page_of(rt, site, "Alan Turing")
    assert known is not None
    asked = start_asked(rt, site, "Turing", CLIENT)
    assert asked is not None
    asked_row = page_of(rt, site, "Turing")
    assert asked_row is not None and asked_row.pageid is None

    job = ran(rt, asked[1])
    assert job.status == JobStatus.DONE and job.message == "already up to date"
    assert job.page_id == known.id
    with rt.db.read() as conn:
        assert pages.page_by_id(conn, asked_row.id) is None  # the asked row is gone
    assert page_of(rt, site, "Turing") == page_of(rt, site, "Alan Turing")


def test_a_redirect_to_a_page_being_fetched_joins_its_job(rt: Runtime, site: WikiSite) -> None:
    fetch(rt, "Synthetic 20")  # (known already: the fixture's)
    from wikivice.jobs.analyses import start_analysis

    theirs = start_analysis(rt, site, "Alan Turing", enqueue=False)
    assert theirs.job_id is not None
    asked = start_asked(rt, site, "Turing", CLIENT)
    assert asked is not None

    job = ran(rt, asked[1])
    assert job.status == JobStatus.DONE and job.done == 0
    assert job.message == "“Alan Turing” is being fetched already"
    last = events_after(rt.db, asked[1])[-1]
    assert last.kind == EventKind.DONE and last.data["title"] == "Alan Turing"
    assert last.data["joined"] is True  # the page follows it there
    assert rt.jobs.active_for_page(theirs.page.id) == theirs.job_id  # theirs goes on
    assert job.page_id == theirs.page.id


def test_a_title_the_wiki_has_no_article_of_fails_with_its_suggestions(
    rt: Runtime, site: WikiSite
) -> None:
    asked = start_asked(rt, site, "Synthetic Nothing Here", CLIENT)
    assert asked is not None
    job = ran(rt, asked[1])
    assert job.status == JobStatus.FAILED
    assert job.error == f"{site.key} has no article called “Synthetic Nothing Here”."
    failure = events_after(rt.db, asked[1])[-1]
    assert failure.kind == EventKind.FAILED and failure.data["missing"] is True
    assert isinstance(failure.data["suggestions"], list)
    row = page_of(rt, site, "Synthetic Nothing Here")
    assert row is not None and row.pageid is None  # kept: its page says why, as a 404

    # Asked again: the same row, a new job.
    again = start_asked(rt, site, "Synthetic Nothing Here", CLIENT)
    assert again is not None and again[1] != asked[1]
    assert page_of(rt, site, "Synthetic Nothing Here") == row
    ran(rt, again[1])

    # Forgotten with the failed jobs, once they are old enough.
    with rt.db.write() as conn:
        conn.execute(update(FetchJob).values(finished_at=1.0).where(FetchJob.page_id == row.id))
    assert prune_failed(rt.jobs, keep_days=1) == 2
    assert page_of(rt, site, "Synthetic Nothing Here") is None
    assert page_of(rt, site, "Synthetic 20") is not None  # pages with a history stay


def test_pruning_never_takes_a_title_asked_a_moment_ago(rt: Runtime, site: WikiSite) -> None:
    """A title's row exists a moment before its job: pruning then must leave it alone
    (it once did, and the job's insert failed on the missing row: a 500)."""
    with rt.db.write() as conn:
        wiki_id = pages.wiki_id(conn, site.key)
        assert wiki_id is not None
        fresh = pages.asked_page(conn, wiki_id, "Synthetic 88")
    prune_failed(rt.jobs, keep_days=0)
    assert page_of(rt, site, "Synthetic 88") == fresh
    asked = start_asked(rt, site, "Synthetic 88", CLIENT)
    assert asked is not None and rt.jobs.active_for_page(fresh.id) == asked[1]


def test_two_asks_of_one_title_share_its_row_and_job(rt: Runtime, site: WikiSite) -> None:
    answers: list[tuple[str, int] | None] = []

    def ask(client: str) -> None:
        answers.append(start_asked(rt, site, "Synthetic 77", client))

    threads = [threading.Thread(target=ask, args=(client,)) for client in ("a", "b", "c")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({answer for answer in answers}) == 1 and answers[0] is not None
    with rt.db.read() as conn:
        rows = conn.execute(select(Page.id).where(Page.title == "Synthetic 77")).all()
    assert len(rows) == 1


def test_the_lookup_comes_first_where_the_job_could_not_do_it(
    rt: Runtime, simulator: SimulatorServer
) -> None:
    site = parse_wiki(simulator.api_url)
    # A wiki never used here: its bot accounts (and that it is a wiki at all) not known.
    assert start_asked(rt, site, "Synthetic 450", CLIENT) is None
    fetch(rt, "Synthetic 20")
    # A page known here: the lookup says at once whether it is current.
    assert start_asked(rt, site, "synthetic_20", CLIENT) is None
    # Bot accounts not known any more (too old to trust): only a job may ask for them.
    with rt.db.write() as conn:
        conn.execute(update(Wiki).values(bots_checked_at=0.0))
    assert start_asked(rt, site, "Synthetic 450", CLIENT) is None
    with pytest.raises(InvalidTitle):
        start_asked(rt, site, "a<b", CLIENT)


def test_an_ask_past_the_client_s_cap_is_refused_and_leaves_no_row(
    rt: Runtime, site: WikiSite
) -> None:
    """The caps are asked before the title's row is made: a stranger past them cannot
    fill the pages table with titles no job will ever look up."""
    rt.settings = rt.settings.model_copy(update={"max_queued_per_client": 1})
    first = start_asked(rt, site, "Synthetic 91", CLIENT)
    assert first is not None
    with pytest.raises(TooManyJobs):
        start_asked(rt, site, "Synthetic 92", CLIENT)
    assert page_of(rt, site, "Synthetic 92") is None
    # Joining the job already running for a title is always allowed.
    assert start_asked(rt, site, "Synthetic 91", CLIENT) == first
