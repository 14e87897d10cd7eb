"""A job as the code sees it (`JobSnapshot`) and what its event rows hold (`event_data`)."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

import orjson
import pytest
from sqlalchemy import select

from wikivice.jobs.machine import Jobs
from wikivice.jobs.snapshot import (
    PLACE_FIELDS,
    SNAPSHOT_COLUMNS,
    TIME_COLUMNS,
    JobSnapshot,
    event_data,
)
from wikivice.store import pages
from wikivice.store.database import Database
from wikivice.store.models import FetchJob
from wikivice.store.vocabulary import JobStatus, Stage
from wikivice.wiki.client import ResolvedPage
from wikivice.wiki.sites import parse_wiki


def row(**changes: Any) -> dict[str, Any]:
    """A job's columns as a driver returns them: plain strings, SQLite's 0/1 booleans."""
    values: dict[str, Any] = {
        "id": 3,
        "page_id": 9,
        "status": "running",
        "stage": "fetching",
        "message": None,
        "done": 500,
        "total": 1200,
        "total_is_lower_bound": 0,
        "total_is_estimate": 0,
        "new_revisions": 500,
        "attempts": 1,
        "max_attempts": 3,
        "error": None,
        "cancelled_by": None,
        "events": 4,
        "created_at": 1_700_000_000.0,
        "started_at": 1_700_000_001.0,
        "finished_at": None,
        "heartbeat_at": 1_700_000_002.0,
    }
    values.update(changes)
    return values


def test_snapshot_columns_are_the_snapshots_fields() -> None:
    columns = [column.key for column in (*SNAPSHOT_COLUMNS, *TIME_COLUMNS)]
    assert sorted([*columns, *PLACE_FIELDS]) == sorted(f.name for f in fields(JobSnapshot))


def test_a_snapshot_from_a_row_has_no_place_in_line_until_one_is_given() -> None:
    job = JobSnapshot.from_row(row())
    assert (job.position, job.expected_wait, job.place) == (None, None, None)


def test_from_row_turns_words_into_enums() -> None:
    job = JobSnapshot.from_row(row())
    assert job.status is JobStatus.RUNNING
    assert job.stage is Stage.FETCHING


@pytest.mark.parametrize(
    ("stored", "expected"), [(0, False), (1, True), (False, False), (True, True)]
)
def test_from_row_turns_the_lower_bound_flag_into_a_bool(stored: object, expected: bool) -> None:
    flag = JobSnapshot.from_row(row(total_is_lower_bound=stored)).total_is_lower_bound
    assert flag is expected


def test_from_row_keeps_the_other_columns_as_they_are() -> None:
    job = JobSnapshot.from_row(row())
    assert (job.id, job.page_id, job.done, job.total, job.events) == (3, 9, 500, 1200, 4)
    assert job.started_at == 1_700_000_001.0 and job.finished_at is None


@pytest.mark.parametrize("column", ["status", "stage"])
def test_from_row_refuses_an_unknown_word(column: str) -> None:
    with pytest.raises(ValueError):
        JobSnapshot.from_row(row(**{column: "paused"}))


def test_from_row_reads_rows_as_the_database_returns_them(db: Database) -> None:
    with db.write() as conn:
        wiki_id = pages.ensure_wiki(conn, parse_wiki("en"))
        page = pages.upsert_page(conn, wiki_id, ResolvedPage(7, 0, "Coffee", 100, 2000))
    job_id, _ = Jobs(db, lambda job_id: None).submit(page.id)
    with db.read() as conn:
        stored = conn.execute(
            select(*SNAPSHOT_COLUMNS, *TIME_COLUMNS).where(FetchJob.id == job_id)
        ).one()
    job = JobSnapshot.from_row(stored._mapping)
    assert job.status is JobStatus.QUEUED and job.stage is Stage.QUEUED
    assert job.total_is_lower_bound is False
    assert job.id == job_id and job.page_id == page.id


@pytest.mark.parametrize("status", list(JobStatus))
def test_finished_exactly_for_done_failed_and_cancelled(status: JobStatus) -> None:
    finished = JobSnapshot.from_row(row(status=status)).finished
    assert finished is (status in (JobStatus.DONE, JobStatus.FAILED, JobStatus.CANCELLED))


def test_as_dict_holds_every_field_and_encodes_as_json() -> None:
    job = JobSnapshot.from_row(row())
    data = job.as_dict()
    assert data == {f.name: getattr(job, f.name) for f in fields(JobSnapshot)}
    decoded = orjson.loads(orjson.dumps(data))
    assert decoded["status"] == "running" and decoded["stage"] == "fetching"
    assert decoded["total_is_lower_bound"] is False


def test_event_data_drops_the_checkpoint_and_adds_the_time() -> None:
    # The checkpoint is the worker's business (and would travel to every browser).
    source = row(checkpoint='{"rvcontinue": "20231124180557|12773"}')
    data = event_data(source, {}, at=1_700_000_005.5)
    assert "checkpoint" not in data
    assert data["at"] == 1_700_000_005.5
    assert {k: v for k, v in data.items() if k != "at"} == row()
    assert "checkpoint" in source  # the row itself is left alone


def test_event_data_extras_are_added_and_override_the_row() -> None:
    data = event_data(row(), {"rate": 812.5, "eta": 0.9, "done": 510}, at=1.0)
    assert data["rate"] == 812.5 and data["eta"] == 0.9
    assert data["done"] == 510
