"""Ingest on PostgreSQL beside SQLite: `wikivice fetch TITLE --json` into each, in turn.

Each fetch is its own process against the same simulator process, into a
database made for it (a new SQLite file; a new PostgreSQL database on the server at
WIKIVICE_BENCH_POSTGRES_URL, dropped afterwards), migrated by an untimed first fetch of a
one-revision page. Two times per fetch: the whole process, wall to wall (imports and the
analysis included), and the ingest alone, read from the job's own events (from its
`fetching` stage to its `done` event: the walk, every batch stored, the page's count). The bar
(issue 13): PostgreSQL's ingest at most 1.2 x SQLite's. With `--latency`, every answer of the
simulator waits that long, as a real wiki's do: then both walk at the serial floor.

    python bench/ingest_postgres.py [--revisions 100000] [--repeat 3] [--latency 0]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import orjson
import psycopg
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).parent))
from common import WIKIVICE, run_child, simulator  # noqa: E402

SERVER = os.environ.get(
    "WIKIVICE_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
STAGES_SQL = """
SELECT kind, data, created_at FROM job_events
WHERE job_id = (SELECT max(id) FROM fetch_jobs) AND kind IN ('stage', 'done') ORDER BY seq
"""


@contextlib.contextmanager
def postgres_database() -> Iterator[str]:
    """A new database on the benchmark's server, dropped afterwards."""
    admin = make_url(SERVER).set(drivername="postgresql").render_as_string(False)
    name = f"wikivice_bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(SERVER).set(database=name).render_as_string(False)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def sqlite_database() -> Iterator[str]:
    with tempfile.TemporaryDirectory() as folder:
        yield f"sqlite:///{folder}/wikivice.db"


def ingest_seconds(url: str) -> float:
    """From the newest job's `fetching` stage to its `done` event, by its events."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text(STAGES_SQL)).all()
    finally:
        engine.dispose()
    at = {orjson.loads(data)["stage"]: float(created) for _, data, created in rows}
    return at["done"] - at["fetching"]


def one_fetch(api: str, title: str, database: str) -> tuple[float, float]:
    """(wall seconds of `wikivice fetch`, seconds of its ingest) into a new database."""
    opener = postgres_database if database == "postgresql" else sqlite_database
    with opener() as url, tempfile.TemporaryDirectory() as data:
        env = {"WIKIVICE_DATA_DIR": data, "WIKIVICE_DATABASE_URL": url, "WIKIVICE_REDIS_URL": ""}
        run_child([WIKIVICE, "fetch", "Synthetic 1", "--wiki", api, "--json"], env=env)
        run = run_child([WIKIVICE, "fetch", title, "--wiki", api, "--json"], env=env)
        summary = orjson.loads(run.stdout)
        assert summary["revisions"] == int(title.split()[1]), summary
        return run.seconds, ingest_seconds(url)


def spread(values: list[float]) -> str:
    median = statistics.median(values)
    return f"median {median:6.2f} s  (min {min(values):.2f}, max {max(values):.2f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--revisions", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds per answer")
    args = parser.parse_args()
    title = f"Synthetic {args.revisions}"
    walls: dict[str, list[float]] = {"sqlite": [], "postgresql": []}
    ingests: dict[str, list[float]] = {"sqlite": [], "postgresql": []}
    with simulator(args.latency) as api:
        one_fetch(api, "Synthetic 1000", "sqlite")  # warm the simulator's caches, the disk
        for _ in range(args.repeat):
            for database in walls:  # alternating, so a busy moment hits both alike
                wall, ingest = one_fetch(api, title, database)
                walls[database].append(wall)
                ingests[database].append(ingest)
    latency = f"{args.latency * 1000:g} ms" if args.latency else "zero"
    print(f"{title}, {latency}-latency simulator, {args.repeat} runs each, alternating:")
    for database in walls:
        print(f"  {database:10s} ingest {spread(ingests[database])}")
        print(f"  {'':10s} fetch  {spread(walls[database])}")
        print(f"  {'':10s} ingest runs: {', '.join(f'{s:.2f}' for s in ingests[database])}")
    ratio = statistics.median(ingests["postgresql"]) / statistics.median(ingests["sqlite"])
    print(f"  ratio PostgreSQL / SQLite, ingest: {ratio:.2f}  (bar: at most 1.20)")
    whole = statistics.median(walls["postgresql"]) / statistics.median(walls["sqlite"])
    print(f"  ratio PostgreSQL / SQLite, whole fetch: {whole:.2f}")


if __name__ == "__main__":
    main()
