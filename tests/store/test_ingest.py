"""Ingest over real HTTP from the simulator into SQLite and PostgreSQL: whole
histories, derived facts, faults, resume, refresh."""

from __future__ import annotations

import threading
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from support import fetch
from wikivice.jobs.events import events_after
from wikivice.jobs.runner import JobProgress
from wikivice.jobs.runtime import Runtime
from wikivice.settings import Settings
from wikivice.simulator import FaultSpec, SimulatorServer, SyntheticHistory
from wikivice.store import revisions
from wikivice.store.models import HIDDEN_COMMENT, HIDDEN_SHA1, Editor, Page, Revision
from wikivice.store.revisions import REVERT_TAGS, REVERT_WINDOW, REVERTED_TAG
from wikivice.store.vocabulary import EditorKind, JobStatus
from wikivice.wiki.timestamps import parse_timestamp


def stored(rt: Runtime, title: str) -> list[dict[str, Any]]:
    with rt.db.read() as conn:
        rows = conn.execute(
            select(Revision, Editor.name.label("user"))
            .outerjoin(Editor, Editor.id == Revision.editor_id)
            .join(Page, Page.id == Revision.page_id)
            .where(Page.title == title)
            .order_by(Revision.ts, Revision.revid)
        ).all()
    return [dict(r._mapping) for r in rows]


def expected_reverts(history: SyntheticHistory) -> tuple[set[int], dict[int, int]]:
    """The identity-revert rule, computed independently of ingest.py."""
    window: list[tuple[int, str | None]] = []
    reverts: set[int] = set()
    reverted_by: dict[int, int] = {}
    for rev in history.iter():
        sha1 = rev.get("sha1")
        if sha1 is not None:
            for back in range(len(window) - 1, -1, -1):
                if window[back][1] == sha1:
                    if back < len(window) - 1:
                        reverts.add(rev["revid"])
                        for undone, _ in window[back + 1 :]:
                            reverted_by.setdefault(undone, rev["revid"])
                    break
        window = (window + [(rev["revid"], sha1)])[-REVERT_WINDOW:]
    return reverts, reverted_by


def history_of(simulator: SimulatorServer, title: str) -> SyntheticHistory:
    history = simulator.sim.history(title)
    assert history is not None
    return history


def test_whole_history_is_stored_exactly(rt: Runtime, simulator: SimulatorServer) -> None:
    job = fetch(rt, "Synthetic 2345")
    assert job.status == JobStatus.DONE and job.new_revisions == 2345
    history = history_of(simulator, "Synthetic 2345")
    rows = stored(rt, "Synthetic 2345")
    truth = list(history.iter())
    assert [r["revid"] for r in rows] == [r["revid"] for r in truth]
    for row, rev in zip(rows, truth, strict=True):
        assert row["ts"] == parse_timestamp(rev["timestamp"])
        assert row["size"] == rev.get("size", 0)
        assert row["parent_id"] == rev.get("parentid", 0)
        assert row["sha1"] == rev.get("sha1")
        assert row["comment"] == rev.get("comment")  # hostile strings verbatim
        assert row["user"] == rev.get("user")
        assert row["minor"] == bool(rev.get("minor"))
    assert [r["delta"] for r in rows[1:]] == [
        b.get("size", 0) - a.get("size", 0) for a, b in zip(truth, truth[1:], strict=False)
    ]
    with rt.db.read() as conn:
        page = conn.execute(select(Page).where(Page.title == "Synthetic 2345")).one()._mapping
    assert page["stored_revisions"] == 2345
    assert page["stored_latest_revid"] == history.latest_revid


def test_hostile_strings_are_stored_verbatim(rt: Runtime, simulator: SimulatorServer) -> None:
    fetch(rt, "Synthetic 1500")
    comments = {r["comment"] for r in stored(rt, "Synthetic 1500") if r["comment"]}
    users = {r["user"] for r in stored(rt, "Synthetic 1500") if r["user"]}
    text = " ".join(comments | users)
    assert "<script>" in text and "onerror=" in text
    assert any(ord(c) > 0xFFFF for c in text)  # astral characters survive
    assert any(len(c.encode()) >= 500 for c in comments)


def test_editor_kinds_and_hidden_data(rt: Runtime, simulator: SimulatorServer) -> None:
    fetch(rt, "Synthetic 5000")
    truth = list(history_of(simulator, "Synthetic 5000").iter())
    rows = stored(rt, "Synthetic 5000")
    for row, rev in zip(rows, truth, strict=True):
        if rev.get("userhidden"):
            assert row["kind"] == EditorKind.HIDDEN and row["editor_id"] is None
        elif rev.get("anon"):
            assert row["kind"] == EditorKind.ANON
        elif rev.get("temp"):
            assert row["kind"] == EditorKind.TEMP
        if rev.get("commenthidden"):
            assert row["comment"] is None and row["hidden"] & HIDDEN_COMMENT
        if rev.get("sha1hidden"):
            assert row["sha1"] is None and row["hidden"] & HIDDEN_SHA1
    kinds = {r["kind"] for r in rows}
    assert {EditorKind.USER, EditorKind.ANON, EditorKind.BOT, EditorKind.HIDDEN} <= kinds
    bots = {r["user"] for r in rows if r["kind"] == EditorKind.BOT}
    assert "ClueBot NG" in bots
    with rt.db.read() as conn:
        countries = set(
            conn.execute(select(Editor.country).where(Editor.kind == EditorKind.ANON)).scalars()
        )
    assert len(countries - {None}) >= 5  # anonymous editors geolocated offline


def test_identity_reverts_follow_the_rule(rt: Runtime, simulator: SimulatorServer) -> None:
    fetch(rt, "Edit war")
    history = history_of(simulator, "Edit war")
    reverts, reverted_by = expected_reverts(history)
    rows = stored(rt, "Edit war")
    tags = {r["revid"]: r.get("tags") or [] for r in history.iter()}
    for row in rows:
        revert_tags = REVERT_TAGS & set(tags[row["revid"]])
        assert row["is_revert"] == (row["revid"] in reverts or bool(revert_tags))
        assert row["reverted_by"] == reverted_by.get(row["revid"])
        assert row["reverted"] == (
            row["revid"] in reverted_by or REVERTED_TAG in tags[row["revid"]]
        )
    assert len(reverts) > 50


def test_interrupted_fetch_resumes_without_gaps_or_duplicates(
    rt: Runtime, simulator: SimulatorServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    stop = threading.Event()
    commits = 0
    real = JobProgress.batch_committed

    def stop_after_two(self: JobProgress) -> None:
        nonlocal commits
        commits += 1
        if commits == 2:
            stop.set()  # as SIGTERM would, between batches
        real(self)

    monkeypatch.setattr(JobProgress, "batch_committed", stop_after_two)
    simulator.sim.latency = 0.02  # batches arrive one at a time
    first = fetch(rt, "Synthetic 9000", stop=stop)
    assert first is not None and first.status == JobStatus.QUEUED
    assert first.message == "the worker stopped; resuming where it left off"
    assert 0 < first.done < 9000
    monkeypatch.setattr(JobProgress, "batch_committed", real)
    simulator.sim.latency = 0.0
    second = fetch(rt, "Synthetic 9000")
    assert second is not None and second.status == JobStatus.DONE and second.id == first.id
    rows = stored(rt, "Synthetic 9000")
    history = history_of(simulator, "Synthetic 9000")
    assert [r["revid"] for r in rows] == [r["revid"] for r in history.iter()]
    reverts, reverted_by = expected_reverts(history)
    assert {r["revid"] for r in rows if r["reverted_by"]} == set(reverted_by)


def _transactions(monkeypatch: pytest.MonkeyPatch) -> tuple[list[tuple[int, int, Any]], list[int]]:
    """What each transaction's `batch_stored` saw, as (commits before, done, checkpoint),
    and the indexes of those that recorded a progress event."""
    seen: list[tuple[int, int, Any]] = []
    evented: list[int] = []
    commits = 0
    real_stored, real_committed = JobProgress.batch_stored, JobProgress.batch_committed

    def on_stored(self: JobProgress, conn: Any, done: int, total: Any, checkpoint: Any) -> bool:
        seen.append((commits, done, checkpoint))
        if real_stored(self, conn, done, total, checkpoint):
            evented.append(len(seen) - 1)
            return True
        return False

    def on_committed(self: JobProgress) -> None:
        nonlocal commits
        commits += 1
        real_committed(self)

    monkeypatch.setattr(JobProgress, "batch_stored", on_stored)
    monkeypatch.setattr(JobProgress, "batch_committed", on_committed)
    return seen, evented


def test_batches_share_transactions_and_each_records_its_checkpoint(
    rt: Runtime, simulator: SimulatorServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen, evented = _transactions(monkeypatch)
    simulator.sim.latency = 0.02  # ten batches over at least 0.2 s
    job = fetch(rt, "Synthetic 5000")
    assert job.status == JobStatus.DONE and job.done == 5000
    # Batches commit together: fewer commits (a commit's cost is the pages it writes),
    # yet more than one (progress shows, and a crash loses little). Each transaction
    # records the progress and checkpoint of its last batch once (those before would be
    # overwritten unseen), the last none (the end); the first holds one batch.
    done = [d for _, d, _ in seen]
    assert 2 < len(seen) < 10 and done == sorted(done) and done[0] == 500 and done[-1] == 5000
    assert all(d % 500 == 0 for d in done)
    assert all(checkpoint for _, _, checkpoint in seen[:-1]) and seen[-1][2] is None
    assert [at for at, _, _ in seen] == list(range(len(seen)))  # once per commit
    assert evented and evented[0] == 0  # the first progress shows after one batch


def test_a_postgresql_transaction_holds_few_savepoints(
    rt: Runtime, simulator: SimulatorServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each batch on PostgreSQL is a subtransaction: a transaction stops taking batches
    at MAX_SAVEPOINTS (here 2), however fast they come."""
    monkeypatch.setattr("wikivice.store.ingest.MAX_SAVEPOINTS", 2)
    seen, _ = _transactions(monkeypatch)
    job = fetch(rt, "Synthetic 5000")
    assert job.status == JobStatus.DONE and job.done == 5000
    done = [0] + [d for _, d, _ in seen]
    steps = [after - before for before, after in zip(done, done[1:], strict=False)]
    if rt.db.engine.dialect.name == "postgresql":
        assert max(steps) <= 1000
    assert sum(steps) == 5000


@pytest.mark.parametrize("kind", ["5xx", "429", "maxlag", "truncated", "malformed", "timeout"])
def test_fetch_survives_passing_faults(rt: Runtime, simulator: SimulatorServer, kind: str) -> None:
    rt.settings.max_retries = 8  # 0.3 ** 9: the budget outlasts any plausible run of faults
    rt.settings.request_timeout = 0.5
    rt.wikis.http.timeout = httpx.Timeout(0.5)
    simulator.sim.faults = FaultSpec.parse(f"{kind}=0.3,seed=11,retry_after=0,hang=2")
    job = fetch(rt, "Synthetic 3000")
    assert job.status == JobStatus.DONE, job
    assert simulator.sim.stats.faults_injected > 0
    assert len(stored(rt, "Synthetic 3000")) == 3000


def test_fetch_fails_clearly_and_keeps_what_it_stored(
    rt: Runtime, simulator: SimulatorServer
) -> None:
    simulator.sim.faults = FaultSpec.parse("5xx=1,after=4,retry_after=0")
    job = fetch(rt, "Synthetic 3000")
    assert job.status == JobStatus.QUEUED  # attempts remain: it will be retried later
    assert "did not answer usefully" in (job.message or "")
    rows = stored(rt, "Synthetic 3000")
    history = history_of(simulator, "Synthetic 3000")
    # What was stored is exactly the start of the history, matching the checkpoint.
    assert [r["revid"] for r in rows] == [r["revid"] for r in history.iter(0, len(rows))]
    assert job.done == len(rows)


def test_refresh_of_an_unchanged_article_costs_one_request(
    rt: Runtime, simulator: SimulatorServer
) -> None:
    fetch(rt, "Synthetic 800")
    simulator.sim.reset_stats()
    again = fetch(rt, "Synthetic 800")
    assert again is None  # current: no job at all
    assert simulator.sim.stats.requests == 1


def test_refresh_fetches_only_new_revisions(
    wiki_settings: Settings, own_simulator: SimulatorServer
) -> None:
    rt = Runtime.create(wiki_settings.model_copy(update={"default_wiki": own_simulator.api_url}))
    try:
        check_refresh(rt, own_simulator)
    finally:
        rt.close()


def check_refresh(rt: Runtime, own_simulator: SimulatorServer) -> None:
    fetch(rt, "Synthetic 1200")
    own_simulator.sim.grow("Synthetic 1200", 7)
    own_simulator.sim.reset_stats()
    job = fetch(rt, "Synthetic 1200")
    assert job.status == JobStatus.DONE and job.new_revisions == 7
    assert own_simulator.sim.stats.requests <= 2
    rows = stored(rt, "Synthetic 1200")
    history = history_of(own_simulator, "Synthetic 1200")
    assert [r["revid"] for r in rows] == [r["revid"] for r in history.iter()]
    with rt.db.read() as conn:
        count = conn.execute(select(func.count()).select_from(Revision)).scalar_one()
    assert count == 1207


def test_never_more_than_three_requests_at_once(rt: Runtime, simulator: SimulatorServer) -> None:
    simulator.sim.latency = 0.02
    fetch(rt, "Synthetic 2000")
    assert simulator.sim.stats.max_concurrent <= 3


def test_editor_cache_stays_bounded_and_correct(
    rt: Runtime, simulator: SimulatorServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(revisions, "_EDITOR_CACHE_MAX", 50)  # cleared many times over
    fetch(rt, "Synthetic 3000")
    truth = list(history_of(simulator, "Synthetic 3000").iter())
    rows = stored(rt, "Synthetic 3000")
    assert [r["user"] for r in rows] == [rev.get("user") for rev in truth]


def test_past_the_count_cap_the_newest_times_are_asked_once_and_estimate_the_total(
    rt: Runtime, simulator: SimulatorServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    far_ends: dict[int, list[int]] = {}
    real_far_end = JobProgress.far_end

    def on_far_end(self: JobProgress, timestamps: list[int]) -> None:
        far_ends[self.claim.job_id] = timestamps
        real_far_end(self, timestamps)

    monkeypatch.setattr(JobProgress, "far_end", on_far_end)
    small = fetch(rt, "Synthetic 2000")  # counted exactly: nothing more to ask
    assert small is not None and small.id not in far_ends
    job = fetch(rt, "Synthetic 40000")
    assert job is not None and job.status == JobStatus.DONE
    history = history_of(simulator, "Synthetic 40000")
    assert far_ends[job.id] == [history.timestamp(i) for i in range(39_999, 37_999, -1)]
    progress = [e.data for e in events_after(rt.db, job.id) if e.kind == "progress"]
    estimated = [e["total"] for e in progress if e["total_is_estimate"]]
    assert estimated and all(abs(total / 40_000 - 1) <= 0.3 for total in estimated)
    assert (job.total, job.total_is_estimate) == (40_000, False)  # the end: a count


def test_a_limit_stops_a_refresh_at_exactly_that_many_revisions(
    wiki_settings: Settings, own_simulator: SimulatorServer
) -> None:
    """A refresh asks from the newest stored revision, inclusive: the one it already
    holds does not count against the limit, and what is stored is the history's start."""
    from wikivice.jobs.analyses import start_analysis
    from wikivice.jobs.runner import run_claimed
    from wikivice.wiki.sites import parse_wiki

    settings = wiki_settings.model_copy(
        update={"default_wiki": own_simulator.api_url, "max_revisions": 1203}
    )
    rt = Runtime.create(settings)
    try:
        fetch(rt, "Synthetic 1200")  # the CLI: no limit
        own_simulator.sim.grow("Synthetic 1200", 7)
        site = parse_wiki(own_simulator.api_url)
        analysis = start_analysis(rt, site, "Synthetic 1200", enqueue=False, client="192.0.2.1")
        assert analysis.job_id is not None
        claim = rt.jobs.claim(analysis.job_id)
        assert claim is not None and claim.revision_limit == 1203
        result = run_claimed(rt, claim, threading.Event(), requeue=lambda job_id: None)
        assert result is not None and result.capped
        assert (result.new_revisions, result.stored_revisions) == (3, 1203)
        history = history_of(own_simulator, "Synthetic 1200")
        rows = stored(rt, "Synthetic 1200")
        assert [r["revid"] for r in rows] == [r["revid"] for r in history.iter(0, 1203)]
    finally:
        rt.close()


def test_a_head_stored_first_is_the_history_a_whole_walk_stores(
    rt: Runtime, simulator: SimulatorServer
) -> None:
    # Issue 11 part 5: the first batch comes with the title lookup and is stored at
    # once; what a job walks after it makes the same rows as one walk from the start.
    from wikivice.jobs.analyses import start_analysis
    from wikivice.store.ingest import known_bot_names
    from wikivice.wiki.sites import parse_wiki

    site = parse_wiki(rt.settings.default_wiki)
    fetch(rt, "Synthetic 20")  # the wiki's bot accounts are known from here
    with rt.db.read() as conn:
        wiki_id = conn.execute(select(Page.wiki_id)).scalars().first()
    assert wiki_id is not None and known_bot_names(rt.db, wiki_id) is not None
    analysis = start_analysis(rt, site, "Synthetic 1701", enqueue=False)
    assert analysis.job_id is not None
    claim = rt.jobs.claim(analysis.job_id)
    assert claim is not None
    from wikivice.jobs.runner import run_claimed

    run_claimed(rt, claim, threading.Event(), requeue=lambda job_id: None)
    rows = stored(rt, "Synthetic 1701")
    history = history_of(simulator, "Synthetic 1701")
    truth = list(history.iter())
    assert [r["revid"] for r in rows] == [r["revid"] for r in truth]
    # The facts derived across the head's edge (deltas, reverts) are those of one walk.
    assert [r["delta"] for r in rows[1:]] == [
        b.get("size", 0) - a.get("size", 0) for a, b in zip(truth, truth[1:], strict=False)
    ]
    reverts, undone = expected_reverts(history)
    assert {r["revid"] for r in rows if r["is_revert"]} >= reverts
    assert {r["revid"]: r["reverted_by"] for r in rows if r["reverted_by"]} == undone
    with rt.db.read() as conn:
        page = conn.execute(select(Page).where(Page.title == "Synthetic 1701")).one()._mapping
    assert page["stored_revisions"] == 1701
    assert page["stored_latest_revid"] == history.latest_revid
