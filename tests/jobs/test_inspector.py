"""What the job inspector shows (jobs/inspector.py), on SQLite and PostgreSQL: jobs by
state with the stalled ones apart, a job's event log in order, and the politeness
slots in use per wiki host."""

from __future__ import annotations

import time

from sqlalchemy import update

from wikivice.jobs import control, inspector
from wikivice.jobs.analyses import start_analysis
from wikivice.jobs.inspector import JobState
from wikivice.jobs.runtime import Runtime
from wikivice.store.models import FetchJob
from wikivice.store.vocabulary import Canceller, EventKind, Stage
from wikivice.wiki.sites import parse_wiki


def job_for(rt: Runtime, title: str, client: str | None = "192.0.2.1") -> int:
    site = parse_wiki(rt.settings.default_wiki)
    analysis = start_analysis(rt, site, title, enqueue=False, client=client)
    assert analysis.job_id is not None
    return analysis.job_id


def test_jobs_by_state_with_stalled_ones_apart(rt: Runtime) -> None:
    queued, running, stalled, failed, cancelled = (
        job_for(rt, f"Synthetic {n}") for n in (300, 301, 302, 303, 304)
    )
    for job_id in (running, stalled, failed):
        assert rt.jobs.claim(job_id) is not None
    with rt.db.write() as conn:  # its worker died a minute ago
        conn.execute(
            update(FetchJob).where(FetchJob.id == stalled).values(heartbeat_at=time.time() - 60)
        )
        conn.execute(
            update(FetchJob)
            .where(FetchJob.id == failed)
            .values(status="failed", stage=Stage.FAILED, error="the wiki said no")
        )
    control.cancel(rt.jobs, cancelled, Canceller.OPERATOR)
    counts = inspector.counts(rt)
    assert counts == {
        JobState.STALLED: 1,
        JobState.RUNNING: 1,
        JobState.QUEUED: 1,
        JobState.FAILED: 1,
        JobState.CANCELLED: 1,
        JobState.DONE: 0,
    }
    everything = inspector.list_jobs(rt)
    assert [job.id for job in everything] == [cancelled, failed, stalled, running, queued]
    assert [job.state for job in inspector.list_jobs(rt, JobState.STALLED)] == [JobState.STALLED]
    shown = {job.id: job for job in everything}
    assert shown[running].worker is not None and shown[queued].worker is None
    assert shown[failed].error == "the wiki said no"
    assert shown[cancelled].cancelled_by == Canceller.OPERATOR
    assert shown[queued].title == "Synthetic 300" and shown[queued].requested_by == "192.0.2.1"
    assert inspector.inspect_job(rt, stalled) == shown[stalled]
    assert inspector.inspect_job(rt, 999_999) is None


def test_a_jobs_event_log_is_in_order(rt: Runtime) -> None:
    job_id = job_for(rt, "Synthetic 305")
    claim = rt.jobs.claim(job_id)
    assert claim is not None
    rt.jobs.update(claim, EventKind.STAGE, stage=Stage.FETCHING)
    control.cancel(rt.jobs, job_id, Canceller.REQUESTER)
    log = inspector.event_log(rt, job_id)
    assert [e.seq for e in log] == [1, 2, 3, 4]
    assert [e.kind for e in log] == ["queued", "started", "stage", "cancelled"]
    assert log[-1].data["cancelled_by"] == "requester"


def test_politeness_slots_in_use_per_known_wiki_host(rt: Runtime) -> None:
    job_for(rt, "Synthetic 306")  # the simulator's wiki is known now
    slots = rt.wikis.slots
    host = "127.0.0.1"
    assert inspector.politeness(rt) == [inspector.HostSlots(host, 0, slots.limit)]
    token = slots.take(host, 1.0)
    assert token is not None
    try:
        assert inspector.politeness(rt) == [inspector.HostSlots(host, 1, slots.limit)]
    finally:
        slots.give(host, token)
    assert inspector.politeness(rt)[0].in_use == 0
