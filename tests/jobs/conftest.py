"""What the state machine's tests share (test_machine.py, test_reaping.py): a job table
on a clock the test moves, and a page to fetch."""

from __future__ import annotations

import pytest

from support import Clock
from wikivice.jobs.machine import Jobs
from wikivice.store import pages
from wikivice.store.database import Database
from wikivice.wiki.client import ResolvedPage
from wikivice.wiki.sites import parse_wiki


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def notified() -> list[int]:
    return []


@pytest.fixture
def jobs(db: Database, clock: Clock, notified: list[int]) -> Jobs:
    return Jobs(db, notified.append, max_attempts=2, clock=clock)


@pytest.fixture
def page_id(db: Database) -> int:
    with db.write() as conn:
        wiki_id = pages.ensure_wiki(conn, parse_wiki("en"))
        page = pages.upsert_page(conn, wiki_id, ResolvedPage(7, 0, "Coffee", 100, 2000))
    return page.id
