"""Everything a process needs, built once from settings and passed to whoever needs it."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from wikivice.jobs.machine import Jobs
from wikivice.jobs.wakeups import LocalNotifier, Notifier, RedisNotifier
from wikivice.settings import Settings
from wikivice.store.database import Database, sqlite_folder
from wikivice.store.slots import SqlSlots
from wikivice.wiki.guard import policy_of
from wikivice.wiki.politeness import FileSlots, RedisSlots, Slots
from wikivice.wiki.pool import WikiClients

if TYPE_CHECKING:
    from wikivice.jobs.queue import JobQueue


class Runtime:
    def __init__(
        self, settings: Settings, db: Database, wikis: WikiClients, notifier: Notifier
    ) -> None:
        self.settings = settings
        self.db = db
        self.wikis = wikis
        self.notifier = notifier
        self.jobs = Jobs(db, notifier.publish, max_attempts=settings.job_attempts)

    @classmethod
    def create(
        cls, settings: Settings, *, migrate: bool = True, wikis: WikiClients | None = None
    ) -> Runtime:
        db = Database(settings.sqlalchemy_url, timeout=settings.db_timeout)
        if migrate:
            db.migrate()
        notifier: Notifier = (
            RedisNotifier(settings.redis_url) if settings.redis_url else LocalNotifier()
        )
        # Web processes and workers fetch what strangers typed: a guarded pool.
        wikis = wikis or WikiClients(settings, guard=policy_of(settings))
        wikis.slots = fleet_slots(settings, db)
        return cls(settings, db, wikis, notifier)

    @cached_property
    def queue(self) -> JobQueue:
        """Built on first use: `wikivice fetch` runs its job itself and seldom needs it
        (importing Huey and its backends costs a tenth of a second)."""
        from wikivice.jobs.queue import JobQueue

        return JobQueue(self.settings)

    def close(self) -> None:
        self.notifier.close()
        self.wikis.close()
        close_slots = getattr(self.wikis.slots, "close", None)
        if close_slots is not None:
            close_slots()
        if "queue" in self.__dict__:  # built (cached_property): close its connections
            self.queue.close()
        self.db.dispose()


def fleet_slots(settings: Settings, db: Database) -> Slots:
    """The politeness slots every process of the service shares (`wiki.politeness`):
    in Redis when it is configured, else in the database (PostgreSQL), else in lock
    files beside the SQLite database. A lease outlives any request (`request_timeout`
    is per read, not per request), and expires if its process dies."""
    limit, lease = settings.max_concurrent_requests, settings.request_timeout * 2 + 30
    if settings.redis_url:
        return RedisSlots(settings.redis_url, limit, lease)
    beside = sqlite_folder(db)
    if beside is not None:
        return FileSlots(beside / "slots", limit)
    return SqlSlots(db, limit, lease)
