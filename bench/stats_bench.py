"""How long the dashboard's figures take: cold compute, cache write and cache read.

Builds one page with a realistic history (heavy-tailed editors, a quarter of the edits
anonymous, bots, temporary accounts, hidden users, identity reverts and edit wars) in a
fresh database, then times `page.page_figures` on a new connection (the first compute
after a fetch), `cache.store_figures` (compute and cache, what `analyse` does),
`cache.cached_figures` (what a warm dashboard reads) and `charts.dashboard_charts`.

    .venv/bin/python bench/stats_bench.py --revisions 100000
    .venv/bin/python bench/stats_bench.py --database-url postgresql+psycopg://…/db
    .venv/bin/python bench/stats_bench.py --index "ix_x:revisions(page_id, kind, ts)"
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson
from iptocc import country_code
from sqlalchemy import insert, text

from wikivice.figures import cache, charts
from wikivice.figures.page import page_figures
from wikivice.figures.types import PageFigures
from wikivice.store.database import Database
from wikivice.store.models import Editor, Page, Revision, Wiki

START = 1_000_000_000  # 2001-09-09
END = int(time.time())


def build(db: Database, revisions: int, editors: int, seed: int) -> int:
    """Insert one page of `revisions` revisions by about `editors` editors; its id."""
    rng = random.Random(seed)
    n_anon = int(editors * 0.6)
    n_temp = max(1, editors // 200)
    n_bots = 30
    n_users = editors - n_anon - n_temp - n_bots
    ips = [f"{rng.randint(1, 223)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{i % 250 + 1}"
           for i in range(n_anon)]  # fmt: skip
    names = (
        [(f"User {i}", "user") for i in range(n_users)]
        + [(ip, "anon") for ip in ips]
        + [(f"~2025-{i:05d}-{i % 90 + 10}", "temp") for i in range(n_temp)]
        + [(f"Bot {i}bot", "bot") for i in range(n_bots)]
    )
    countries = dict(zip(ips, country_code(ips), strict=True))
    with db.write() as conn:
        wiki_id = conn.execute(
            insert(Wiki)
            .values(
                key="bench",
                api_url="http://127.0.0.1/w/api.php",
                rest_url="http://127.0.0.1/w/rest.php",
                article_url="http://127.0.0.1/wiki/$1",
            )
            .returning(Wiki.id)
        ).scalar_one()
        conn.execute(
            insert(Editor),
            [
                {"wiki_id": wiki_id, "name": n, "userid": 0 if k == "anon" else i + 1, "kind": k,
                 "country": countries.get(n)}
                for i, (n, k) in enumerate(names)
            ],
        )  # fmt: skip
        ids = {n: i for n, i in conn.execute(text("SELECT name, id FROM editors"))}
        page_id = conn.execute(
            insert(Page)
            .values(wiki_id=wiki_id, pageid=1, ns=0, title="Bench", stored_revisions=0)
            .returning(Page.id)
        ).scalar_one()

    # Who edits: registered users heavy-tailed (Zipf-like), IPs mostly once or twice.
    users = [ids[n] for n, k in names if k == "user"]
    user_weights = [1 / (rank + 1) ** 1.1 for rank in range(len(users))]
    anon = [ids[n] for n, k in names if k == "anon"]
    temp = [ids[n] for n, k in names if k == "temp"]
    bots = [ids[n] for n, k in names if k == "bot"]
    # Times: more edits in later years, with bursts (news, edit wars).
    times = sorted(int(START + (END - START) * rng.random() ** 0.7) for _ in range(revisions))
    rows: list[dict[str, Any]] = []
    size, window = 0, []  # window: (index, sha1, size) of the last 15 revisions
    for i, ts in enumerate(times):
        roll = rng.random()
        if roll < 0.25:
            kind, editor = (
                ("temp", rng.choice(temp)) if roll < 0.005 else ("anon", rng.choice(anon))
            )
        elif roll < 0.30:
            kind, editor = "bot", rng.choice(bots)
        elif roll < 0.302:
            kind, editor = "hidden", None
        else:
            kind, editor = "user", rng.choices(users, user_weights)[0]
        is_revert = False
        if window and len(window) > 2 and rng.random() < 0.08:
            back = rng.randint(2, min(4, len(window)))
            _, sha1, size_then = window[-back]
            new_size = size_then
            is_revert = True
            for j, _, _ in window[-back + 1 :]:
                if rows[j]["reverted_by"] is None:
                    rows[j]["reverted"] = True
                    rows[j]["reverted_by"] = 10_000_000 + i
        else:
            sha1 = f"{i:040x}"
            jump = rng.random()
            if jump < 0.002:
                new_size = 0  # blanking
            elif jump < 0.01:
                new_size = size + rng.randint(2000, 20000)
            else:
                new_size = max(0, size + int(rng.gauss(40, 300)))
        rows.append(
            {
                "wiki_id": wiki_id, "revid": 10_000_000 + i, "page_id": page_id,
                "parent_id": 10_000_000 + i - 1 if i else 0, "ts": ts, "editor_id": editor,
                "kind": kind, "size": new_size, "delta": new_size - size if i else new_size,
                "minor": rng.random() < 0.3, "sha1": sha1, "comment": "bench edit",
                "tags": None, "hidden": 1 if editor is None else 0, "is_revert": is_revert,
                "reverted": False, "reverted_by": None,
            }
        )  # fmt: skip
        size = new_size
        window.append((i, sha1, size))
        del window[:-15]
    with db.write() as conn:
        for start in range(0, len(rows), 20_000):
            conn.execute(insert(Revision), rows[start : start + 20_000])
        conn.execute(
            text("""
            UPDATE pages SET stored_revisions = :n, stored_latest_revid = :revid,
                stored_latest_ts = :ts, fetched_at = :now WHERE id = :page
            """),
            {"n": len(rows), "revid": rows[-1]["revid"], "ts": rows[-1]["ts"],
             "now": time.time(), "page": page_id},
        )  # fmt: skip
        if db.engine.dialect.name == "postgresql":
            conn.execute(text("ANALYZE"))
    return int(page_id)


def timed(fn: Any, repeat: int) -> tuple[list[float], Any]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return times, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--revisions", type=int, default=100_000)
    parser.add_argument("--editors", type=int, default=None, help="default: 0.3 × revisions")
    parser.add_argument("--database-url", default=None, help="default: a new SQLite file")
    parser.add_argument("--index", action="append", default=[], help="name:table(columns)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--explain", action="store_true", help="log each query's time")
    args = parser.parse_args()

    tmp = tempfile.TemporaryDirectory()
    url = args.database_url or f"sqlite:///{Path(tmp.name) / 'bench.db'}"
    db = Database(url)
    db.migrate()
    started = time.perf_counter()
    page_id = build(
        db, args.revisions, args.editors or max(50, args.revisions * 3 // 10), args.seed
    )
    print(f"built {args.revisions:,} revisions on {db.engine.dialect.name} "
          f"in {time.perf_counter() - started:.1f} s")  # fmt: skip
    with db.write() as conn:
        for spec in args.index:
            name, on = spec.split(":", 1)
            conn.execute(text(f"CREATE INDEX {name} ON {on}"))
            print(f"index {name} ON {on}")
        if args.index and db.engine.dialect.name == "postgresql":
            conn.execute(text("ANALYZE"))
    db.dispose()

    if args.explain:
        _log_queries(db)
    # Cold: a new engine, so a new connection with an empty page cache (the OS may
    # still cache the file: the case right after a fetch wrote it).
    cold_db = Database(url)
    cold, figures = timed(lambda: _figures(cold_db, page_id), 1)
    cold_db.dispose()
    again, _ = timed(lambda: _figures(db, page_id), args.repeat)
    store, _ = timed(lambda: cache.store_figures(db, page_id), 1)
    with db.read() as conn:
        cached, _ = timed(lambda: cache.cached_figures(conn, page_id), args.repeat * 4)
    chart, built = timed(lambda: charts.dashboard_charts(figures), args.repeat)
    size = len(orjson.dumps(figures))
    chart_size = len(orjson.dumps(built))
    print(f"page_figures cold (new connection): {cold[0] * 1000:8.1f} ms")
    print(f"page_figures again (median of {len(again)}): {statistics.median(again) * 1000:8.1f} ms")
    print(f"store_figures (compute + cache):   {store[0] * 1000:8.1f} ms")
    print(f"cached_figures (median of {len(cached)}):   {statistics.median(cached) * 1000:8.1f} ms")
    print(f"dashboard_charts (median of {len(chart)}):  {statistics.median(chart) * 1000:8.1f} ms")
    print(f"figures JSON {size / 1024:.0f} kB; charts JSON {chart_size / 1024:.0f} kB")
    print(f"edits {figures['edits']:,}, editors {figures['editors']:,}, "
          f"anonymous share {figures['anonymous_share']:.1%}, "
          f"edit wars {len(figures['conflict']['edit_wars'])}")  # fmt: skip
    db.dispose()
    tmp.cleanup()


def _figures(db: Database, page_id: int) -> PageFigures:
    with db.read() as conn:
        return page_figures(conn, page_id)


def _log_queries(db: Database) -> None:
    """Print each statement's time (to find the slow figure)."""
    from sqlalchemy import event

    @event.listens_for(db.engine, "before_cursor_execute")
    def _before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        conn.info["started"] = time.perf_counter()

    @event.listens_for(db.engine, "after_cursor_execute")
    def _after(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        took = (time.perf_counter() - conn.info.pop("started")) * 1000
        print(f"  {took:7.1f} ms  {' '.join(statement.split())[:110]}")


if __name__ == "__main__":
    main()
