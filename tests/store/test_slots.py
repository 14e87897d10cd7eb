"""Politeness slots in the database (PostgreSQL without Redis; SQLite too, where the
service uses lock files instead): at most `limit` leases of a host at once, a lease that
ends on its own, and a give that frees only the giver's slot."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from sqlalchemy import func, select

from wikivice.store.database import Database
from wikivice.store.models import WikiSlot
from wikivice.store.slots import SqlSlots


def test_at_most_limit_holders_across_threads(db: Database) -> None:
    slots = SqlSlots(db, 2, lease_seconds=30)
    holding, most, lock = 0, 0, threading.Lock()

    def work() -> None:
        nonlocal holding, most
        for _ in range(4):
            token = slots.take("en.wikipedia.org", 20)
            assert token is not None
            with lock:
                holding += 1
                most = max(most, holding)
            time.sleep(0.01)
            with lock:
                holding -= 1
            slots.give("en.wikipedia.org", token)

    threads = [threading.Thread(target=work) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most == 2
    with db.read() as conn:
        rows = conn.execute(select(func.count()).select_from(WikiSlot)).scalar_one()
        held = conn.execute(select(func.count()).where(WikiSlot.holder.is_not(None))).scalar()
    assert rows == 2 and held == 0  # one row per slot, all given back


def test_a_lease_ends_on_its_own(db: Database) -> None:
    slots = SqlSlots(db, 1, lease_seconds=0.3)
    assert slots.take("gone.org", 1) is not None  # its holder dies without giving it back
    assert slots.take("gone.org", 0.05) is None
    assert slots.take("gone.org", 2) is not None


def test_give_frees_only_the_givers_slot(db: Database) -> None:
    slots = SqlSlots(db, 1, lease_seconds=30)
    token = slots.take("w.org", 1)
    assert token is not None
    slots.give("w.org", "someone else's token")
    assert slots.take("w.org", 0.05) is None
    slots.give("w.org", token)
    assert slots.take("w.org", 0.5) is not None


def test_processes_with_their_own_slots_objects_share_the_rows(db: Database) -> None:
    first, second = SqlSlots(db, 1, 30), SqlSlots(db, 1, 30)
    assert first.take("shared.org", 1) is not None
    assert second.take("shared.org", 0.1) is None


def test_in_use_counts_unexpired_leases_of_every_holder(db: Database) -> None:
    first, second = SqlSlots(db, 3, 30), SqlSlots(db, 3, lease_seconds=0.2)
    assert first.in_use("count.org") == 0
    token = first.take("count.org", 1)
    assert token is not None and second.take("count.org", 1) is not None
    assert first.in_use("count.org") == 2 == second.in_use("count.org")
    time.sleep(0.3)  # the second lease ends on its own
    assert first.in_use("count.org") == 1
    first.give("count.org", token)
    assert second.in_use("count.org") == 0


def test_a_lease_commits_without_waiting_for_the_disk_on_postgresql(db: Database) -> None:
    """Two commits a request to the wiki: PostgreSQL's are asynchronous (the module
    docstring says why that is safe); each is seen by other sessions at once."""
    import psycopg

    seen: list[str] = []
    execute = psycopg.Cursor.execute

    def spy(self: psycopg.Cursor[Any], query: Any, *args: Any, **kw: Any) -> Any:
        seen.append(str(query))
        return execute(self, query, *args, **kw)

    slots, other = SqlSlots(db, 1, lease_seconds=30), SqlSlots(db, 1, lease_seconds=30)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(psycopg.Cursor, "execute", spy)
        token = slots.take("en.wikipedia.org", 5)
        assert token is not None
        assert other.in_use("en.wikipedia.org") == 1  # seen at once by another session
        slots.give("en.wikipedia.org", token)
        assert other.in_use("en.wikipedia.org") == 0
    postgresql = db.engine.dialect.name == "postgresql"
    assert sum("synchronous_commit = off" in q for q in seen) == (2 if postgresql else 0)
