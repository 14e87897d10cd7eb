"""The closed sets of words the database stores: what each word means to the code, and
that each is stored (on SQLite and PostgreSQL) as exactly its string."""

from __future__ import annotations

import orjson
import pytest
from sqlalchemy import insert, select

from wikivice.store import pages
from wikivice.store.database import Database
from wikivice.store.models import Editor, FetchJob, JobEvent
from wikivice.store.vocabulary import (
    ACTIVE_JOB_STATUSES,
    STAGE_LABELS,
    Canceller,
    EditorKind,
    EventKind,
    JobStatus,
    Stage,
)
from wikivice.wiki.client import ResolvedPage
from wikivice.wiki.sites import parse_wiki

VOCABULARIES = [EditorKind, JobStatus, Stage, EventKind, Canceller]


def test_every_stage_has_a_label() -> None:
    assert set(STAGE_LABELS) == set(Stage)
    for stage in Stage:
        assert stage.label == STAGE_LABELS[stage]
        assert stage.label and stage.label[0].isupper(), stage
    assert len({stage.label for stage in Stage}) == len(Stage)  # none says another's


def test_job_status_active_exactly_for_queued_and_running() -> None:
    assert {s for s in JobStatus if s.active} == {JobStatus.QUEUED, JobStatus.RUNNING}
    assert set(ACTIVE_JOB_STATUSES) == {JobStatus.QUEUED, JobStatus.RUNNING}


def test_job_status_finished_exactly_for_done_failed_and_cancelled() -> None:
    finished = {JobStatus.DONE, JobStatus.FAILED, JobStatus.CANCELLED}
    assert {s for s in JobStatus if s.finished} == finished
    assert all(s.active != s.finished for s in JobStatus)


def test_event_kind_terminal_exactly_for_done_failed_and_cancelled() -> None:
    terminal = {EventKind.DONE, EventKind.FAILED, EventKind.CANCELLED}
    assert {k for k in EventKind if k.terminal} == terminal


@pytest.mark.parametrize("vocabulary", VOCABULARIES, ids=lambda v: v.__name__)
def test_words_are_their_strings_in_text_and_json(vocabulary: type[EventKind]) -> None:
    for word in vocabulary:
        assert word == word.value
        assert str(word) == f"{word}" == word.value
        assert orjson.loads(orjson.dumps({"word": word})) == {"word": word.value}
        assert vocabulary(word.value) is word


@pytest.mark.parametrize(
    ("vocabulary", "column"),
    [
        (EditorKind, Editor.kind),
        (JobStatus, FetchJob.status),
        (Stage, FetchJob.stage),
        (EventKind, JobEvent.kind),
        (Canceller, FetchJob.cancelled_by),
    ],
    ids=lambda v: getattr(v, "__name__", ""),
)
def test_words_fit_their_columns(vocabulary: type[EventKind], column: object) -> None:
    length = column.type.length  # type: ignore[attr-defined]
    assert all(len(word.value) <= length for word in vocabulary)


def test_values_are_the_strings_stored_in_the_database(db: Database) -> None:
    with db.write() as conn:
        wiki_id = pages.ensure_wiki(conn, parse_wiki("en"))
        for kind in EditorKind:
            conn.execute(insert(Editor).values(wiki_id=wiki_id, name=f"N-{kind}", kind=kind))
        # One page per status: a page may have only one active job.
        for n, (status, stage) in enumerate(zip(JobStatus, Stage, strict=False)):
            page = pages.upsert_page(conn, wiki_id, ResolvedPage(n + 1, 0, f"P{n}", 1, 1))
            job_id = conn.execute(
                insert(FetchJob)
                .values(page_id=page.id, status=status, stage=stage, created_at=0.0)
                .returning(FetchJob.id)
            ).scalar_one()
        for seq, kind in enumerate(EventKind, start=1):
            conn.execute(
                insert(JobEvent).values(job_id=job_id, seq=seq, kind=kind, data="{}", created_at=0)
            )
    with db.read() as conn:
        kinds = conn.exec_driver_sql("SELECT kind FROM editors ORDER BY id").scalars().all()
        jobs = conn.exec_driver_sql("SELECT status, stage FROM fetch_jobs ORDER BY id").all()
        events = conn.exec_driver_sql("SELECT kind FROM job_events ORDER BY seq").scalars().all()
        # And the words find the rows when used in a query.
        done = conn.execute(select(FetchJob.id).where(FetchJob.status == JobStatus.DONE)).all()
    assert kinds == [kind.value for kind in EditorKind]
    assert all(type(value) is str for value in kinds)
    expected = [(s.value, t.value) for s, t in zip(JobStatus, Stage, strict=False)]
    assert [tuple(row) for row in jobs] == expected
    assert events == [kind.value for kind in EventKind]
    assert len(done) == 1
