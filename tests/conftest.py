"""Shared fixtures: real databases, real services, the simulator. Built in one place.

Services: PostgreSQL (WIKIVICE_TEST_POSTGRES_URL), Redis (WIKIVICE_TEST_REDIS_URL), nginx and
Chromium (/usr/bin/chromium). Under CI=true a missing service fails the tests that need
it; elsewhere they are skipped with a reason saying how to enable them.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from sqlalchemy.engine import make_url

from services import PostgresCluster, RedisServer
from support import BrowserPage, LiveServer, Process, Stack, free_port, make_settings
from wikivice.jobs.runtime import Runtime
from wikivice.settings import Settings
from wikivice.simulator import FaultSpec, Simulator, SimulatorServer
from wikivice.store.database import Database

# Each test's app would warm up again (web/warmup.py): off for the suite, processes it
# starts included; tests/web/test_warmup.py tests it.
os.environ.setdefault("WIKIVICE_WARM_UP", "false")
CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
POSTGRES_URL = os.environ.get(
    "WIKIVICE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("WIKIVICE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
CHROMIUM = os.environ.get("WIKIVICE_TEST_CHROMIUM", "/usr/bin/chromium")


def require(available: bool, what: str, how: str) -> None:
    """Skip outside CI, fail loudly under CI, when a service is missing."""
    if available:
        return
    message = f"{what} is not available: {how}"
    if CI:
        pytest.fail(f"CI=true requires it: {message}", pytrace=False)
    pytest.skip(message)


def _postgres_admin_url() -> str:
    return make_url(POSTGRES_URL).set(drivername="postgresql").render_as_string(False)


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """The admin URL of a reachable PostgreSQL server."""
    import psycopg

    try:
        with psycopg.connect(_postgres_admin_url(), connect_timeout=3):
            ok = True
    except psycopg.Error:
        ok = False
    require(
        ok,
        f"PostgreSQL at {POSTGRES_URL}",
        "start PostgreSQL or set WIKIVICE_TEST_POSTGRES_URL to a server where the user may "
        "CREATE DATABASE",
    )
    return _postgres_admin_url()


def _new_postgres_database(server: str) -> str:
    import psycopg

    name = f"wikivice_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return make_url(POSTGRES_URL).set(database=name).render_as_string(False)


def _drop_postgres_database(server: str, url: str) -> None:
    import psycopg

    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The browser tests first (each 5–25 s, a fifth of the suite): pytest-xdist hands
    tests out in this order, so the long ones no longer end the run on one worker while
    the other waits."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is None)


def pytest_collection_finish(session: pytest.Session) -> None:
    """What collection imported (the app, SQLAlchemy, Playwright, Hypothesis…) stays for
    the whole run: moved out of the cyclic collector's sight (`gc.freeze`), so the full
    collection each PostgreSQL test ends with (`_collect_leaked_connections`) scans only
    what the tests made: 125–150 ms a test before."""
    import gc

    gc.collect()
    gc.freeze()


def _collect_leaked_connections() -> None:
    """Collect, now and quietly, the psycopg connections a finished test left unclosed.

    A few tests leave a connection unclosed (as far as we can tell, a thread of their
    server that ends after its engine was disposed: tests/web/test_api.py's replay);
    psycopg warns (ResourceWarning) when it is collected, in whichever later test that
    happens. While each test had a database of its own, dropped WITH (FORCE), these were
    never seen; on the reused one they failed a random later test. They belong to the
    test that just ended: collected here, where the warning means nothing, they never
    reach another."""
    import gc
    import warnings

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "<psycopg.Connection object", ResourceWarning)
        gc.collect()


SMALL = 5000  # rows: a test's tables up to this are emptied by DELETE, not TRUNCATE


def _empty(conn: Any, tables: set[str]) -> None:
    """Every row of `tables` gone and their ids starting at 1 again. A TRUNCATE of the
    schema's tables costs ~65 ms whatever they hold (a new file for each table and
    index); a test's few rows go in ~8 ms by DELETE, children first. A test that stored
    a long history gets the TRUNCATE."""
    from wikivice.store.models import Base

    big = (
        conn.execute(
            f"SELECT count(*) FROM (SELECT 1 FROM revisions LIMIT {SMALL + 1}) AS r"
        ).fetchone()[0]
        > SMALL
        or conn.execute(
            f"SELECT count(*) FROM (SELECT 1 FROM editors LIMIT {SMALL + 1}) AS e"
        ).fetchone()[0]
        > SMALL
    )
    if big:
        conn.execute(f"TRUNCATE {', '.join(sorted(tables))} RESTART IDENTITY CASCADE")
        return
    with conn.transaction():
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(f"DELETE FROM {table.name}")
        for (sequence,) in conn.execute(
            "SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'"
        ).fetchall():
            conn.execute(f'ALTER SEQUENCE "{sequence}" RESTART')


class ReusedPostgres:
    """One migrated PostgreSQL database per pytest worker, emptied after each test
    (creating and migrating a database cost ~0.3 s a test, most of the suite's PostgreSQL
    time). It is renamed for each test (see `_rename`), and dropped and made again
    whenever a test leaves it otherwise than at the schema's head with every table
    emptiable at once (a lock held past its end, a table added or dropped): no test sees
    another's rows."""

    def __init__(self, server: str) -> None:
        self.server = server
        self.url: str | None = None

    def take(self) -> str:
        if self.url is None:
            from wikivice.store.database import Database

            url = _new_postgres_database(self.server)
            database = Database(url)
            try:
                database.migrate()
            finally:
                database.dispose()
            self.url = url
        return self.url

    def give_back(self) -> None:
        import psycopg

        from wikivice.store.database import SCHEMA_REVISION
        from wikivice.store.models import Base

        if self.url is None:
            return
        _collect_leaked_connections()
        address = make_url(self.url).set(drivername="postgresql").render_as_string(False)
        try:
            with psycopg.connect(address, autocommit=True, connect_timeout=5) as conn:
                # What a test left connected (a thread still finishing, a process still
                # exiting) is cut off, as DROP DATABASE … WITH (FORCE) would: the next test
                # starts alone, and no lock it held delays the TRUNCATE.
                conn.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
                conn.execute("SET lock_timeout = '3s'")
                tables = {
                    r[0]
                    for r in conn.execute(
                        "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
                    )
                }
                version = conn.execute("SELECT version_num FROM alembic_version").fetchall()
                if tables != {*Base.metadata.tables, "alembic_version"} or version != [
                    (SCHEMA_REVISION,)
                ]:
                    raise RuntimeError("the test changed the schema")
                _empty(conn, tables - {"alembic_version"})
            self._rename()
        except (psycopg.Error, RuntimeError):
            self.close()

    def _rename(self) -> None:
        """A new name for the next test: a thread of the last one still finishing (a
        side request of a fetch, say) then finds no database by the name it knows, as
        it would after a DROP, and never writes into the next test's rows."""
        import psycopg

        assert self.url is not None
        old, new = make_url(self.url).database, f"wikivice_test_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.server, autocommit=True, connect_timeout=5) as conn:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                (old,),
            )
            conn.execute(f'ALTER DATABASE "{old}" RENAME TO "{new}"')
        self.url = make_url(self.url).set(database=new).render_as_string(False)

    def close(self) -> None:
        if self.url is not None:
            _drop_postgres_database(self.server, self.url)
            self.url = None


@pytest.fixture(scope="session")
def reused_postgres(postgres_server: str) -> Iterator[ReusedPostgres]:
    reused = ReusedPostgres(postgres_server)
    try:
        yield reused
    finally:
        reused.close()


@pytest.fixture
def postgres_url(reused_postgres: ReusedPostgres) -> Iterator[str]:
    """A PostgreSQL database for one test, migrated to the schema's head and empty (see
    `ReusedPostgres`)."""
    try:
        yield reused_postgres.take()
    finally:
        reused_postgres.give_back()


@pytest.fixture
def new_postgres_url(postgres_server: str) -> Iterator[str]:
    """A brand-new PostgreSQL database, never migrated, dropped afterwards."""
    url = _new_postgres_database(postgres_server)
    try:
        yield url
    finally:
        _drop_postgres_database(postgres_server, url)


@pytest.fixture
def redis_url() -> Iterator[str]:
    """A Redis database for one test, flushed before and after (one database per
    pytest-xdist worker, so parallel workers never flush each other's)."""
    import redis

    worker = os.environ.get("PYTEST_XDIST_WORKER", "").removeprefix("gw")
    own = REDIS_URL
    if worker.isdigit():
        # The databases after the configured one (so runs given different ones keep apart).
        base = int(urlsplit(REDIS_URL).path.strip("/") or 0)
        own = urlsplit(REDIS_URL)._replace(path=f"/{base + 1 + int(worker)}").geturl()
    client = redis.Redis.from_url(own, socket_connect_timeout=3)
    try:
        ok = bool(client.ping())
    except redis.RedisError:
        ok = False
    require(ok, f"Redis at {REDIS_URL}", "start Redis or set WIKIVICE_TEST_REDIS_URL")
    client.flushdb()
    try:
        yield own
    finally:
        client.flushdb()
        client.close()


@pytest.fixture
def chromium() -> str:
    require(
        Path(CHROMIUM).exists() and shutil.which(CHROMIUM) is not None,
        f"Chromium at {CHROMIUM}",
        "apt-get install -y chromium (or set WIKIVICE_TEST_CHROMIUM)",
    )
    return CHROMIUM


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite database migrated to the schema's head, copied for each test that wants
    one (a copy costs a millisecond; migrating, ~30 ms)."""
    from wikivice.store.database import Database

    path = tmp_path_factory.mktemp("template") / "wikivice.db"
    database = Database(f"sqlite:///{path}")
    try:
        database.migrate()
    finally:
        database.dispose()  # the last connection checkpoints the WAL into the file
    return path


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each test using it runs on SQLite and on PostgreSQL, on a database migrated to
    the schema's head and empty."""
    if request.param == "sqlite":
        path = tmp_path / "wikivice.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def new_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database that was never migrated, on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'new.db'}"
    return str(request.getfixturevalue("new_postgres_url"))


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return make_settings(tmp_path, database_url=database_url)


@pytest.fixture
def db(settings: Settings) -> Iterator[Database]:
    database = Database(settings.sqlalchemy_url)
    database.migrate()
    yield database
    database.dispose()


# -- the MediaWiki simulator -----------------------------------------------------------

ANCHOR = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture(scope="session")
def shared_simulator() -> Iterator[SimulatorServer]:
    """One simulator over real HTTP for the session (tests that grow pages or need
    their own settings start their own)."""
    with SimulatorServer(Simulator(anchor=ANCHOR)) as server:
        yield server


@pytest.fixture
def simulator(shared_simulator: SimulatorServer) -> Iterator[SimulatorServer]:
    """The shared simulator with fresh counters, no faults and no latency."""
    sim = shared_simulator.sim
    sim.faults = FaultSpec.parse("")
    sim.latency = 0.0
    sim.reset_stats()
    yield shared_simulator
    sim.faults = FaultSpec.parse("")
    sim.latency = 0.0


@pytest.fixture
def own_simulator() -> Iterator[SimulatorServer]:
    """A simulator of this test's own (for tests that change histories)."""
    with SimulatorServer(Simulator(anchor=ANCHOR)) as server:
        yield server


@pytest.fixture
def wiki_settings(settings: Settings, simulator: SimulatorServer) -> Settings:
    return settings.model_copy(update={"default_wiki": simulator.api_url})


@pytest.fixture
def rt(wiki_settings: Settings) -> Iterator[Runtime]:
    runtime = Runtime.create(wiki_settings)
    yield runtime
    runtime.close()


# -- a browser, and the app as real processes ------------------------------------------


@pytest.fixture(scope="module")
def browser_session() -> Iterator[Any]:
    """Chromium for one test module (Playwright's sync API holds an event loop on this
    thread while it runs: other modules' asyncio.run() must not see it)."""
    require(
        Path(CHROMIUM).exists(),
        f"Chromium at {CHROMIUM}",
        "apt-get install -y chromium (or set WIKIVICE_TEST_CHROMIUM)",
    )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-gpu",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def browser_page(browser_session: Any, request: pytest.FixtureRequest) -> Iterator[BrowserPage]:
    context = browser_session.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    errors: list[str] = []
    urls: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: urls.append(r.url))
    yield BrowserPage(page, errors, urls, request.node.name.replace("[", "-").rstrip("]"))
    context.close()


@contextlib.contextmanager
def stack_maker(data: Path) -> Iterator[Any]:
    """`make(latency=…, worker=…, env=…)` starts a simulator and the app on it as real
    processes (data under `data`); every one started is stopped at the end."""
    started: list[Process] = []

    def make(
        *, latency: float = 0.0, worker: bool = True, env: dict[str, str] | None = None
    ) -> Stack:
        sim_port, web_port = free_port(), free_port()
        sim_url = f"http://127.0.0.1:{sim_port}"
        simulator = Process(
            ["simulator", "--port", str(sim_port), "--latency", str(latency),
             "--anchor", "2026-01-01T00:00:00Z"],
            {},
            f"{sim_url}/_simulator/stats",
        ).start()  # fmt: skip
        started.append(simulator)
        settings = {
            "WIKIVICE_DATA_DIR": str(data / "data"),
            "WIKIVICE_DATABASE_URL": "",
            "WIKIVICE_REDIS_URL": "",
            "WIKIVICE_DEFAULT_WIKI": f"{sim_url}/w/api.php",
            "WIKIVICE_CONTACT": "wikivice-tests@example.org",
            "WIKIVICE_HEARTBEAT_SECONDS": "0.3",
            "WIKIVICE_STALE_SECONDS": "2",
            "WIKIVICE_EVENT_POLL_SECONDS": "0.5",
            "WIKIVICE_MAX_RETRIES": "2",
            "WIKIVICE_MAX_RETRY_WAIT": "0.2",
            "WIKIVICE_JOB_RETRY_DELAY": "2",
            **(env or {}),
        }
        args = ["serve", "--port", str(web_port)] + ([] if worker else ["--no-worker"])
        web = Process(args, settings, f"http://127.0.0.1:{web_port}/static/app.css").start()
        started.append(web)
        return Stack(simulator, sim_url, web, f"http://127.0.0.1:{web_port}", settings)

    try:
        yield make
    finally:
        for process in reversed(started):
            process.stop()


@pytest.fixture
def make_stack(tmp_path: Path) -> Iterator[Any]:
    with stack_maker(tmp_path) as make:
        yield make


@pytest.fixture(scope="module")
def module_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """One simulator and app for a whole test module (for tests that only read)."""
    with stack_maker(tmp_path_factory.mktemp("stack")) as make:
        yield make()


@pytest.fixture
def client(wiki_settings: Settings) -> Iterator[httpx.Client]:
    """An HTTP client of the app on a real uvicorn, wired to the shared simulator."""
    from wikivice.web.app import create_app

    with LiveServer(create_app(wiki_settings)) as live:
        with httpx.Client(base_url=live.url, timeout=30) as http:
            yield http


@pytest.fixture
def key(simulator: SimulatorServer) -> str:
    """The shared simulator's key in our URLs (`127.0.0.1:PORT`)."""
    from wikivice.wiki.sites import parse_wiki

    return parse_wiki(simulator.api_url).key


# -- servers of a test's own, to stop and start (tests/services.py) ----------------------


@pytest.fixture
def own_postgres() -> Iterator[PostgresCluster]:
    """A PostgreSQL cluster of the test's own (`initdb`), running."""
    require(PostgresCluster.available(), "PostgreSQL's initdb", "apt-get install -y postgresql")
    cluster = PostgresCluster().init()
    yield cluster
    cluster.remove()


@pytest.fixture
def own_redis() -> Iterator[RedisServer]:
    """A Redis of the test's own, running."""
    require(RedisServer.available(), "redis-server", "apt-get install -y redis-server")
    server = RedisServer().start()
    yield server
    server.stop()
