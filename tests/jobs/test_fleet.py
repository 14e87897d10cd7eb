"""The fleet's state from the database: jobs by status, the stalled ones, the queue."""

from __future__ import annotations

from wikivice.jobs.fleet import busy_hosts, fleet_state, host_of, slots_in_use
from wikivice.jobs.runtime import Runtime
from wikivice.store import pages
from wikivice.store.vocabulary import JobStatus
from wikivice.wiki.client import ResolvedPage
from wikivice.wiki.sites import parse_wiki


def new_pages(rt: Runtime, count: int) -> list[int]:
    with rt.db.write() as conn:
        wiki_id = pages.ensure_wiki(conn, parse_wiki("en"))
        return [
            pages.upsert_page(conn, wiki_id, ResolvedPage(n, 0, f"Page {n}", 100, 2000)).id
            for n in range(1, count + 1)
        ]


def test_jobs_by_status_stalled_and_the_queue(rt: Runtime) -> None:
    assert fleet_state(rt).jobs == dict.fromkeys(JobStatus, 0)
    first, second, third, fourth = (rt.jobs.submit(p)[0] for p in new_pages(rt, 4))
    rt.queue.enqueue(fourth)
    done = rt.jobs.claim(first)
    assert done is not None
    rt.jobs.finish(done, "ok")
    failed = rt.jobs.claim(second)
    assert failed is not None
    rt.jobs.fail(failed, "gone")
    assert rt.jobs.claim(third) is not None  # running, and beating
    state = fleet_state(rt)
    assert state.jobs == {
        JobStatus.QUEUED: 1,
        JobStatus.RUNNING: 1,
        JobStatus.DONE: 1,
        JobStatus.FAILED: 1,
        JobStatus.CANCELLED: 0,
    }
    assert state.stalled == 0 and state.queue_depth == 1
    stale = rt.settings.model_copy(update={"stale_seconds": -1.0})  # every beat is old
    later = Runtime(stale, rt.db, rt.wikis, rt.notifier)
    try:
        assert fleet_state(later).stalled == 1
    finally:
        later.queue.close()


def test_slots_in_use_of_a_wiki_across_the_fleet(rt: Runtime) -> None:
    site = parse_wiki("en")
    assert host_of(site) == "en.wikipedia.org"
    assert slots_in_use(rt, site) == (0, rt.settings.max_concurrent_requests)
    token = rt.wikis.slots.take("en.wikipedia.org", 1)  # a request under way
    assert token is not None
    try:
        assert slots_in_use(rt, site) == (1, 3) == slots_in_use(rt, "en.wikipedia.org")
    finally:
        rt.wikis.slots.give("en.wikipedia.org", token)
    assert slots_in_use(rt, site) == (0, 3)


def test_busy_hosts_are_those_of_queued_and_running_jobs(rt: Runtime) -> None:
    assert busy_hosts(rt) == []
    first, second = (rt.jobs.submit(p)[0] for p in new_pages(rt, 2))
    assert busy_hosts(rt) == ["en.wikipedia.org"]
    for job_id in (first, second):
        claim = rt.jobs.claim(job_id)
        assert claim is not None
        rt.jobs.finish(claim, "ok")
    assert busy_hosts(rt) == []
