"""The schema's guarantees, on SQLite and PostgreSQL: the unique keys that make inserts
idempotent, at most one queued-or-running job per page, and what a delete takes along."""

from __future__ import annotations

from itertools import product
from typing import Any

import pytest
from sqlalchemy import Connection, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from wikivice.store.database import Database, dialect_insert
from wikivice.store.models import (
    Base,
    Editor,
    FetchJob,
    JobEvent,
    Page,
    PageStats,
    Revision,
    Wiki,
)
from wikivice.store.vocabulary import (
    ACTIVE_JOB_STATUSES,
    EditorKind,
    EventKind,
    JobStatus,
    Stage,
)

FINISHED_JOB_STATUSES = [s for s in JobStatus if s not in ACTIVE_JOB_STATUSES]
STAGE_OF = {
    JobStatus.QUEUED: Stage.QUEUED,
    JobStatus.RUNNING: Stage.FETCHING,
    JobStatus.DONE: Stage.DONE,
    JobStatus.FAILED: Stage.FAILED,
    JobStatus.CANCELLED: Stage.CANCELLED,
}


def add_wiki(conn: Connection, key: str = "en") -> int:
    return int(
        conn.execute(
            insert(Wiki)
            .values(
                key=key,
                api_url=f"https://{key}.wikipedia.org/w/api.php",
                rest_url=f"https://{key}.wikipedia.org/w/rest.php",
                article_url=f"https://{key}.wikipedia.org/wiki/$1",
            )
            .returning(Wiki.id)
        ).scalar_one()
    )


def add_page(conn: Connection, wiki_id: int, pageid: int = 7, title: str = "Coffee") -> int:
    return int(
        conn.execute(
            insert(Page).values(wiki_id=wiki_id, pageid=pageid, title=title).returning(Page.id)
        ).scalar_one()
    )


def add_editor(conn: Connection, wiki_id: int, name: str = "Alice") -> int:
    return int(
        conn.execute(
            insert(Editor)
            .values(wiki_id=wiki_id, name=name, kind=EditorKind.USER)
            .returning(Editor.id)
        ).scalar_one()
    )


def revision(wiki_id: int, page_id: int, revid: int, editor_id: int | None = None) -> Any:
    return insert(Revision).values(
        wiki_id=wiki_id, page_id=page_id, revid=revid, ts=1_600_000_000 + revid,
        editor_id=editor_id, kind=EditorKind.USER if editor_id else EditorKind.HIDDEN,
    )  # fmt: skip


def add_job(conn: Connection, page_id: int, status: JobStatus = JobStatus.QUEUED) -> int:
    return int(
        conn.execute(
            insert(FetchJob)
            .values(page_id=page_id, status=status, stage=STAGE_OF[status], created_at=0.0)
            .returning(FetchJob.id)
        ).scalar_one()
    )


def add_event(conn: Connection, job_id: int, seq: int, kind: EventKind) -> None:
    conn.execute(
        insert(JobEvent).values(job_id=job_id, seq=seq, kind=kind, data="{}", created_at=0.0)
    )


def count(db: Database, table: type[Base]) -> int:
    with db.read() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


@pytest.fixture
def page(db: Database) -> tuple[int, int]:
    """(wiki id, page id) of one page on `en`."""
    with db.write() as conn:
        wiki_id = add_wiki(conn)
        return wiki_id, add_page(conn, wiki_id)


# -- unique keys: every insert can be repeated ------------------------------------------


def test_revision_is_stored_once_per_wiki(db: Database, page: tuple[int, int]) -> None:
    wiki_id, page_id = page
    with db.write() as conn:
        conn.execute(revision(wiki_id, page_id, 100))
    with pytest.raises(IntegrityError), db.write() as conn:
        conn.execute(revision(wiki_id, page_id, 100))
    with db.write() as conn:  # revids are the wiki's: another page of it cannot reuse one
        other_page = add_page(conn, wiki_id, pageid=8, title="Tea")
    with pytest.raises(IntegrityError), db.write() as conn:
        conn.execute(revision(wiki_id, other_page, 100))
    assert count(db, Revision) == 1


def test_revision_id_may_repeat_on_another_wiki(db: Database, page: tuple[int, int]) -> None:
    wiki_id, page_id = page
    with db.write() as conn:
        conn.execute(revision(wiki_id, page_id, 100))
        de = add_wiki(conn, "de")
        conn.execute(revision(de, add_page(conn, de), 100))
    assert count(db, Revision) == 2


def test_repeated_batch_insert_changes_nothing(db: Database, page: tuple[int, int]) -> None:
    # What ingest does with a batch it may have stored before (a resumed job).
    wiki_id, page_id = page
    rows = [
        {"wiki_id": wiki_id, "page_id": page_id, "revid": r, "ts": r, "kind": EditorKind.USER}
        for r in (1, 2, 3)
    ]
    for _ in range(2):
        with db.write() as conn:
            statement = dialect_insert(conn.dialect.name)(Revision).on_conflict_do_nothing()
            conn.execute(statement, rows)
    assert count(db, Revision) == 3


def test_editor_is_stored_once_per_wiki_and_name(db: Database, page: tuple[int, int]) -> None:
    wiki_id, _ = page
    with db.write() as conn:
        add_editor(conn, wiki_id, "Alice")
        add_editor(conn, wiki_id, "alice")  # MediaWiki user names are case-sensitive
        add_editor(conn, add_wiki(conn, "de"), "Alice")
    with pytest.raises(IntegrityError), db.write() as conn:
        add_editor(conn, wiki_id, "Alice")
    assert count(db, Editor) == 3


def test_page_is_stored_once_per_wiki_and_page_id(db: Database, page: tuple[int, int]) -> None:
    wiki_id, _ = page
    with pytest.raises(IntegrityError), db.write() as conn:
        add_page(conn, wiki_id, pageid=7, title="Coffee (moved)")
    with db.write() as conn:
        add_page(conn, add_wiki(conn, "de"), pageid=7)
        add_page(conn, wiki_id, pageid=8, title="Coffee")  # titles are not unique: moves
    assert count(db, Page) == 3


def test_job_event_numbers_are_unique_per_job(db: Database, page: tuple[int, int]) -> None:
    _, page_id = page
    with db.write() as conn:
        first, second = add_job(conn, page_id, JobStatus.DONE), add_job(conn, page_id)
        for job_id in (first, second):
            add_event(conn, job_id, 1, EventKind.QUEUED)
    with pytest.raises(IntegrityError), db.write() as conn:
        add_event(conn, first, 1, EventKind.DONE)


# -- at most one queued-or-running job per page -----------------------------------------


def test_one_active_job_per_page(db: Database, page: tuple[int, int]) -> None:
    wiki_id, _ = page
    for n, (first, second) in enumerate(product(ACTIVE_JOB_STATUSES, repeat=2)):
        with db.write() as conn:
            page_id = add_page(conn, wiki_id, pageid=100 + n, title=f"P{n}")
            add_job(conn, page_id, first)
        with pytest.raises(IntegrityError), db.write() as conn:
            add_job(conn, page_id, second)
    assert count(db, FetchJob) == 4


def test_a_finished_job_does_not_block_a_new_one(db: Database, page: tuple[int, int]) -> None:
    wiki_id, _ = page
    for n, finished in enumerate(FINISHED_JOB_STATUSES):
        with db.write() as conn:
            page_id = add_page(conn, wiki_id, pageid=100 + n, title=f"P{n}")
            for _ in range(2):
                add_job(conn, page_id, finished)
            add_job(conn, page_id, JobStatus.QUEUED)
    assert count(db, FetchJob) == 3 * len(FINISHED_JOB_STATUSES)


def test_a_job_that_finishes_frees_its_page(db: Database, page: tuple[int, int]) -> None:
    _, page_id = page
    with db.write() as conn:
        job_id = add_job(conn, page_id, JobStatus.RUNNING)
        conn.execute(update(FetchJob).where(FetchJob.id == job_id).values(status=JobStatus.DONE))
        add_job(conn, page_id, JobStatus.QUEUED)
    with pytest.raises(IntegrityError), db.write() as conn:  # and a requeue is blocked
        conn.execute(update(FetchJob).where(FetchJob.id == job_id).values(status=JobStatus.QUEUED))


def test_active_jobs_of_different_pages_coexist(db: Database, page: tuple[int, int]) -> None:
    wiki_id, page_id = page
    with db.write() as conn:
        add_job(conn, page_id, JobStatus.RUNNING)
        add_job(conn, add_page(conn, wiki_id, pageid=8, title="Tea"), JobStatus.RUNNING)
    assert count(db, FetchJob) == 2


# -- foreign keys ----------------------------------------------------------------------


def test_a_revision_belongs_to_its_pages_wiki(db: Database, page: tuple[int, int]) -> None:
    _, page_id = page
    with db.write() as conn:
        de = add_wiki(conn, "de")
    # One key, (page_id, wiki_id), holds both: a page of `en` takes no revision of `de`.
    with pytest.raises(IntegrityError), db.write() as conn:
        conn.execute(revision(de, page_id, 100))
    assert count(db, Revision) == 0


# -- deletes ----------------------------------------------------------------------------


def fill(conn: Connection, key: str) -> tuple[int, int, int]:
    """A wiki with a page, an editor, a revision, a job, an event and cached stats."""
    wiki_id = add_wiki(conn, key)
    page_id = add_page(conn, wiki_id)
    editor_id = add_editor(conn, wiki_id)
    conn.execute(revision(wiki_id, page_id, 1, editor_id))
    job_id = add_job(conn, page_id, JobStatus.DONE)
    add_event(conn, job_id, 1, EventKind.DONE)
    conn.execute(
        insert(PageStats).values(page_id=page_id, revid=1, version=1, data="{}", computed_at=0)
    )
    return wiki_id, page_id, editor_id


ROWS_OF_A_WIKI = [Page, Editor, Revision, FetchJob, JobEvent, PageStats]


def test_deleting_a_wiki_deletes_everything_of_it(db: Database) -> None:
    with db.write() as conn:
        en, _, _ = fill(conn, "en")
        fill(conn, "de")
    with db.write() as conn:
        # Its pages first: PostgreSQL may check that no revision keeps the wiki's editors
        # (their key has no cascade) before the pages' cascade reaches the revisions.
        conn.execute(delete(Page).where(Page.wiki_id == en))
        conn.execute(delete(Wiki).where(Wiki.id == en))
    assert count(db, Wiki) == 1
    assert {table.__name__: count(db, table) for table in ROWS_OF_A_WIKI} == {
        table.__name__: 1
        for table in ROWS_OF_A_WIKI  # the other wiki's
    }


def test_deleting_a_page_keeps_its_editors(db: Database) -> None:
    with db.write() as conn:
        _, page_id, _ = fill(conn, "en")
    with db.write() as conn:
        conn.execute(delete(Page).where(Page.id == page_id))
    counts = {table.__name__: count(db, table) for table in ROWS_OF_A_WIKI}
    assert counts == {name: 0 for name in counts} | {"Editor": 1}


def test_deleting_a_job_deletes_its_events(db: Database) -> None:
    with db.write() as conn:
        fill(conn, "en")
    with db.write() as conn:
        conn.execute(delete(FetchJob))
    assert count(db, JobEvent) == 0
    assert count(db, Page) == 1


def test_an_editor_with_revisions_cannot_be_deleted_alone(db: Database) -> None:
    with db.write() as conn:
        _, _, editor_id = fill(conn, "en")
    with pytest.raises(IntegrityError), db.write() as conn:
        conn.execute(delete(Editor).where(Editor.id == editor_id))
    assert count(db, Revision) == 1
