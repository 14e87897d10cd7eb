"""Everything a process needs, built once from settings and passed to whoever needs it."""

from __future__ import annotations

from dataclasses import dataclass

from wikivice.db import Database
from wikivice.events import LocalNotifier, Notifier, RedisNotifier
from wikivice.jobs import Jobs
from wikivice.mediawiki import Wikis
from wikivice.queue import JobQueue
from wikivice.settings import Settings


@dataclass
class Runtime:
    settings: Settings
    db: Database
    wikis: Wikis
    notifier: Notifier
    jobs: Jobs
    queue: JobQueue

    @classmethod
    def create(cls, settings: Settings, *, migrate: bool = True) -> Runtime:
        db = Database(settings.sqlalchemy_url)
        if migrate:
            db.migrate()
        notifier: Notifier = (
            RedisNotifier(settings.redis_url) if settings.redis_url else LocalNotifier()
        )
        return cls(
            settings=settings,
            db=db,
            wikis=Wikis(settings),
            notifier=notifier,
            jobs=Jobs(db, notifier.publish, max_attempts=settings.job_attempts),
            queue=JobQueue(settings),
        )

    def close(self) -> None:
        self.notifier.close()
        self.wikis.close()
        self.db.dispose()
