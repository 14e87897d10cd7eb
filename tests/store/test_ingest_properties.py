"""A property of ingest, tried on many generated cases (hypothesis): whatever the wiki's
faults and however often the worker is stopped, once the job is done the database holds
exactly the wiki's revisions, each once, in order, with their derived facts (deltas,
reverts) as if fetched in one go."""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from support import fetch, make_settings
from wikivice.jobs.runner import JobProgress
from wikivice.jobs.runtime import Runtime
from wikivice.jobs.snapshot import JobSnapshot
from wikivice.simulator import FaultSpec, SimulatorServer
from wikivice.simulator.faults import KINDS
from wikivice.store.models import Page, Revision
from wikivice.store.vocabulary import JobStatus
from wikivice.wiki.errors import MediaWikiError

MOST_RUNS = 6  # runs of a plan (each stopped, failed or finished), then one in fair weather


@dataclass(frozen=True)
class Run:
    """One run of the job: the wiki's faults meanwhile, and after how many committed
    batches the worker is stopped (None: it runs to the end, or to its failure)."""

    faults: dict[str, float]
    stop_after: int | None


runs = st.builds(
    Run,
    faults=st.dictionaries(st.sampled_from(KINDS), st.sampled_from([0.05, 0.15, 0.3]), max_size=3),
    stop_after=st.one_of(st.none(), st.integers(min_value=1, max_value=4)),
)


@pytest.fixture(scope="module")
def data_dir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as folder:
        yield Path(folder)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    size=st.integers(min_value=1, max_value=2600),
    plan=st.lists(runs, min_size=1, max_size=MOST_RUNS),
    seed=st.integers(min_value=0, max_value=10_000),
)
def test_any_faults_and_stops_store_exactly_the_wikis_revisions(
    own_simulator: SimulatorServer,
    data_dir: Path,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    size: int,
    plan: list[Run],
    seed: int,
) -> None:
    title = f"Synthetic {size}"
    folder = Path(tempfile.mkdtemp(dir=data_dir))
    postgresql = database_url.startswith("postgresql")
    settings_ = make_settings(
        folder,
        # SQLite: a new database in each example's folder; PostgreSQL: the test's, emptied.
        **({"database_url": database_url} if postgresql else {}),
        default_wiki=own_simulator.api_url,
        max_retries=8,
        max_retry_wait=0.01,
        request_timeout=2.0,
        job_attempts=MOST_RUNS + 2,
    )
    rt = Runtime.create(settings_)
    if postgresql:
        with rt.db.write() as conn:
            conn.exec_driver_sql("TRUNCATE wikis, fetch_jobs, page_stats CASCADE")
    try:
        for number, step in enumerate(plan):
            one_run(rt, own_simulator, monkeypatch, title, step, seed + number)
        # Then a run in fair weather: it must finish what the others left.
        job = one_run(rt, own_simulator, monkeypatch, title, Run({}, None), seed)
        assert job is None or job.status == JobStatus.DONE, job  # None: it was current
        check_stored_exactly(rt, own_simulator, title)
    finally:
        own_simulator.sim.faults = FaultSpec.parse("")
        rt.close()


def one_run(
    rt: Runtime,
    sim: SimulatorServer,
    monkeypatch: pytest.MonkeyPatch,
    title: str,
    step: Run,
    seed: int,
) -> JobSnapshot | None:
    spec = ",".join(f"{kind}={rate}" for kind, rate in step.faults.items())
    sim.sim.faults = FaultSpec.parse(f"{spec},seed={seed},retry_after=0,hang=0.2".strip(","))
    stop = threading.Event()
    commits = 0
    real = JobProgress.batch_committed

    def stop_when_due(progress: JobProgress) -> None:
        nonlocal commits
        commits += 1
        if step.stop_after is not None and commits >= step.stop_after:
            stop.set()  # as SIGTERM would, between batches
        real(progress)

    monkeypatch.setattr(JobProgress, "batch_committed", stop_when_due)
    try:
        return fetch(rt, title, stop=stop)
    except MediaWikiError:
        return None  # the title lookup met a fault: this run never started
    finally:
        monkeypatch.setattr(JobProgress, "batch_committed", real)
        # A job that waits for a retry (a lasting fault) may run again at once.
        with rt.db.write() as conn:
            conn.exec_driver_sql("UPDATE fetch_jobs SET not_before = NULL")


def check_stored_exactly(rt: Runtime, sim: SimulatorServer, title: str) -> None:
    history = sim.sim.history(title)
    assert history is not None
    truth = list(history.iter())
    with rt.db.read() as conn:
        rows = conn.execute(
            select(Revision.revid, Revision.delta, Revision.size)
            .join(Page, Page.id == Revision.page_id)
            .where(Page.title == title)
            .order_by(Revision.ts, Revision.revid)
        ).all()
    assert [r.revid for r in rows] == [r["revid"] for r in truth]  # each once, in order
    sizes = [r["size"] for r in truth]
    deltas = [size - before for size, before in zip(sizes, [0, *sizes[:-1]], strict=True)]
    assert [r.delta for r in rows] == deltas  # as if fetched in one go
