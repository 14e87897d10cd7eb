"""`Runtime`: what a process builds from its settings — a migrated database, the wiki
clients, the notifier its backend calls for, the queue when first needed — and closes."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import redis
from sqlalchemy import inspect

from support import make_settings
from wikivice.jobs.runtime import Runtime
from wikivice.jobs.wakeups import LocalNotifier, RedisNotifier
from wikivice.settings import Settings
from wikivice.store import pages
from wikivice.store.models import Base
from wikivice.wiki.client import ResolvedPage
from wikivice.wiki.pool import WikiClients
from wikivice.wiki.sites import parse_wiki


@pytest.fixture
def runtimes() -> Iterator[list[Runtime]]:
    """Runtimes a test made, closed afterwards unless it closed them itself."""
    made: list[Runtime] = []
    yield made
    for rt in made:
        if not rt.wikis.http.is_closed:
            rt.close()


def create(runtimes: list[Runtime], settings: Settings, **kwargs: object) -> Runtime:
    rt = Runtime.create(settings, **kwargs)  # type: ignore[arg-type]
    runtimes.append(rt)
    return rt


def open_files(path: Path) -> list[str]:
    """This process's open files at `path` (and its -wal, -shm), from Linux's /proc."""
    found = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith(str(path)):
            found.append(target)
    return found


def redis_clients(url: str) -> int:
    """Connections to Redis on `url`'s database (our own counting one included)."""
    db = urlsplit(url).path.lstrip("/") or "0"
    with redis.Redis.from_url(url) as admin:
        return sum(1 for client in admin.client_list() if client["db"] == db)


def test_create_migrates_the_database(runtimes: list[Runtime], settings: Settings) -> None:
    rt = create(runtimes, settings)
    assert set(Base.metadata.tables) <= set(inspect(rt.db.engine).get_table_names())


def test_create_without_migrating_leaves_the_database_alone(
    runtimes: list[Runtime], tmp_path: Path
) -> None:
    rt = create(runtimes, make_settings(tmp_path), migrate=False)
    assert inspect(rt.db.engine).get_table_names() == []


def test_without_redis_the_notifier_is_in_process(runtimes: list[Runtime], tmp_path: Path) -> None:
    rt = create(runtimes, make_settings(tmp_path))
    assert type(rt.notifier) is LocalNotifier


@pytest.mark.redis
def test_with_redis_the_notifier_is_redis(
    runtimes: list[Runtime], tmp_path: Path, redis_url: str
) -> None:
    rt = create(runtimes, make_settings(tmp_path, redis_url=redis_url))
    assert isinstance(rt.notifier, RedisNotifier)


def test_jobs_follow_the_settings_and_publish_through_the_notifier(
    runtimes: list[Runtime], tmp_path: Path
) -> None:
    rt = create(runtimes, make_settings(tmp_path, job_attempts=5))
    woken: list[int] = []
    rt.notifier.subscribe(woken.append)
    with rt.db.write() as conn:
        wiki_id = pages.ensure_wiki(conn, parse_wiki("en"))
        page = pages.upsert_page(conn, wiki_id, ResolvedPage(7, 0, "Coffee", 100, 2000))
    job_id, _ = rt.jobs.submit(page.id)
    assert woken == [job_id]
    job = rt.jobs.get(job_id)
    assert job is not None and job.max_attempts == 5


def test_create_uses_the_wiki_clients_it_is_given(runtimes: list[Runtime], tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    wikis = WikiClients(settings)  # `wikivice fetch` made them for its head start
    rt = create(runtimes, settings, wikis=wikis)
    assert rt.wikis is wikis


def test_the_queue_is_built_on_first_use(runtimes: list[Runtime], tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    rt = create(runtimes, settings)
    assert "queue" not in vars(rt)
    assert not settings.queue_path.exists()  # `wikivice fetch` never makes the file
    queue = rt.queue
    assert rt.queue is queue
    assert settings.queue_path.exists()


@pytest.mark.redis
def test_with_redis_the_queue_is_redis(
    runtimes: list[Runtime], tmp_path: Path, redis_url: str
) -> None:
    settings = make_settings(tmp_path, redis_url=redis_url)
    rt = create(runtimes, settings)
    assert type(rt.queue.huey).__name__ == "RedisHuey"
    assert not settings.queue_path.exists()


def test_close_closes_the_database_wikis_and_notifier(
    runtimes: list[Runtime], tmp_path: Path
) -> None:
    settings = make_settings(tmp_path)
    rt = create(runtimes, settings)
    woken: list[int] = []
    rt.notifier.subscribe(woken.append)
    with rt.db.read() as conn:
        conn.exec_driver_sql("SELECT 1")
    assert open_files(settings.data_dir / "wikivice.db")
    rt.close()
    assert open_files(settings.data_dir / "wikivice.db") == []
    assert rt.wikis.http.is_closed
    rt.notifier.publish(1)
    assert woken == []


@pytest.mark.redis
def test_close_closes_the_redis_connections(
    runtimes: list[Runtime], tmp_path: Path, redis_url: str
) -> None:
    before = redis_clients(redis_url)
    rt = create(runtimes, make_settings(tmp_path, redis_url=redis_url))
    rt.notifier.subscribe(lambda job_id: None)
    rt.notifier.publish(1)
    rt.queue.enqueue(1)
    assert redis_clients(redis_url) > before
    rt.close()
    assert redis_clients(redis_url) <= before


def test_close_closes_the_sqlite_queue(runtimes: list[Runtime], tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    rt = create(runtimes, settings)
    rt.queue.enqueue(1)
    assert open_files(settings.queue_path)
    rt.close()
    assert open_files(settings.queue_path) == []
