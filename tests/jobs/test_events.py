"""A job's events as stored rows: their wire format and reading them in order."""

from __future__ import annotations

import orjson

from wikivice.jobs.events import Event, events_after, newest_seqs
from wikivice.jobs.machine import Jobs
from wikivice.store import pages
from wikivice.store.database import Database
from wikivice.store.vocabulary import EventKind
from wikivice.wiki.client import ResolvedPage
from wikivice.wiki.sites import parse_wiki


def submit_job(db: Database) -> tuple[Jobs, int]:
    with db.write() as conn:
        wiki_id = pages.ensure_wiki(conn, parse_wiki("en"))
        page = pages.upsert_page(conn, wiki_id, ResolvedPage(1, 0, "Tea", 9, 10))
    jobs = Jobs(db, lambda job_id: None)
    job_id, _ = jobs.submit(page.id)
    return jobs, job_id


def test_an_event_is_encoded_once_as_server_sent_events() -> None:
    data = orjson.dumps({"status": "done", "title": "<script>\n"}).decode()
    event = Event.from_row(12, EventKind.DONE, data)
    assert event.wire == f"id: 12\nevent: done\ndata: {data}\n\n".encode()
    assert event.data == {"status": "done", "title": "<script>\n"}
    assert event.wire.count(b"\n\n") == 1  # a newline in the data cannot end the event


def test_only_done_failed_and_cancelled_are_terminal() -> None:
    terminal = {kind for kind in EventKind if Event.from_row(1, kind, "{}").terminal}
    assert terminal == {EventKind.DONE, EventKind.FAILED, EventKind.CANCELLED}


def test_events_after_reads_in_order_from_a_sequence_number(db: Database) -> None:
    jobs, job_id = submit_job(db)
    claim = jobs.claim(job_id)
    assert claim is not None
    jobs.update(claim, EventKind.PROGRESS, done=10, total=20)
    jobs.finish(claim, "done")
    every = events_after(db, job_id)
    assert [e.kind for e in every] == ["queued", "started", "progress", "done"]
    assert [e.seq for e in every] == [1, 2, 3, 4]
    assert [e.seq for e in events_after(db, job_id, after=2)] == [3, 4]
    assert events_after(db, job_id, after=4) == []
    assert every[2].data["done"] == 10 and every[2].data["total"] == 20


def test_newest_seqs_gives_each_jobs_last_event_number(db: Database) -> None:
    jobs, first = submit_job(db)
    claim = jobs.claim(first)
    assert claim is not None
    assert newest_seqs(db, [first]) == {first: 2}
    assert newest_seqs(db, [first, 999]) == {first: 2}  # unknown jobs are left out
