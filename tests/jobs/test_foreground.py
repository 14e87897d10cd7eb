"""Running an analysis in the foreground, as `wikivice fetch` does: the job runs here when
it waits, is followed when another worker runs it, and goes back to the queue when the
person stops it."""

from __future__ import annotations

import threading
import time

import pytest

from wikivice.jobs.analyses import start_analysis
from wikivice.jobs.foreground import fetch_in_foreground, run_or_follow
from wikivice.jobs.runner import run_claimed
from wikivice.jobs.runtime import Runtime
from wikivice.jobs.snapshot import JobSnapshot
from wikivice.simulator import SimulatorServer
from wikivice.store import pages
from wikivice.store.vocabulary import JobStatus
from wikivice.wiki.sites import parse_wiki


def test_fetch_in_foreground_stores_the_whole_history_and_says_so(
    rt: Runtime, simulator: SimulatorServer
) -> None:
    site = parse_wiki(simulator.api_url)
    resolved = rt.wikis.client(site).resolve("synthetic_1200")
    seen: list[JobSnapshot] = []
    summary = fetch_in_foreground(rt, site, resolved, time.monotonic(), watch=seen.append)
    assert summary["title"] == "Synthetic 1200" and summary["wiki"] == site.key
    assert summary["status"] == JobStatus.DONE and "error" not in summary
    assert summary["revisions"] == summary["new_revisions"] == 1200
    assert summary["seconds"] > 0
    assert seen and seen[-1].status == JobStatus.DONE and seen[-1].done == 1200
    again = fetch_in_foreground(rt, site, resolved, time.monotonic())
    assert again["status"] == "done" and again["new_revisions"] == 0  # already current
    assert again["revisions"] == 1200


def test_run_or_follow_follows_a_job_another_worker_runs(
    rt: Runtime, simulator: SimulatorServer
) -> None:
    site = parse_wiki(simulator.api_url)
    analysis = start_analysis(rt, site, "Synthetic 900", enqueue=False)
    assert analysis.job_id is not None
    theirs = rt.jobs.claim(analysis.job_id)  # another worker holds it
    assert theirs is not None
    ended: list[JobSnapshot] = []
    follower = threading.Thread(target=lambda: ended.append(run_or_follow(rt, theirs.job_id, None)))
    follower.start()
    time.sleep(0.3)
    assert follower.is_alive() and not ended  # following: it cannot claim the job
    run_claimed(rt, theirs, threading.Event(), requeue=lambda job_id: None)
    follower.join(10)
    assert ended and ended[0].status == JobStatus.DONE and ended[0].done == 900


def test_an_interrupted_foreground_run_gives_the_job_back(
    rt: Runtime, simulator: SimulatorServer
) -> None:
    site = parse_wiki(simulator.api_url)
    simulator.sim.latency = 0.02  # long enough to be stopped half way
    resolved = rt.wikis.client(site).resolve("Synthetic 20000")

    def press_ctrl_c(job: JobSnapshot) -> None:
        if job.done >= 1000:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        fetch_in_foreground(rt, site, resolved, time.monotonic(), watch=press_ctrl_c)
    with rt.db.read() as conn:
        page = pages.find_page(conn, site.key, "Synthetic 20000")
    assert page is not None
    job = rt.jobs.latest_for_page(page.id)
    assert job is not None and job.status == JobStatus.QUEUED  # its checkpoint is kept
    assert "resuming where it left off" in (job.message or "")
    assert 1000 <= job.done < 20000
