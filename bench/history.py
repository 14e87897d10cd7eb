"""The history explorer on a 100,000-revision article: every filter, first page and deep.

Fetches `Synthetic 100000` from a zero-latency `wikivice simulator` into a fresh SQLite
data dir (`wikivice fetch --json`), or into PostgreSQL with `--database-url`, starts
`wikivice serve` on it, then times `GET /api/pages/{wiki}/{title}/revisions` with a plain
HTTP client, for each filter: the first page, and a deep page (`before` the revision
halfway down the history: page 1,000 of 50), `--repeat` times each, reporting the median,
p90 and max. Also the article page itself (its first history page rendered in it).

Bar (issue 12 part 3): every page under 200 ms.

    .venv/bin/python bench/history.py [--revisions 100000] [--repeat 15] [--database-url URL]

With PostgreSQL, the table is vacuumed and analysed after the fetch (as autovacuum does
soon after a large load; `--no-vacuum` measures before it).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import orjson

sys.path.insert(0, str(Path(__file__).parent))
from common import WIKIVICE, run_child, server_env, serving, simulator  # noqa: E402

BAR = 0.200


def cases(top: str, rare: str, middle_year: int) -> dict[str, dict[str, Any]]:
    """The filters measured: each alone, the ones that match nothing (a whole scan of the
    page), and two together."""
    return {
        "no filter": {},
        "kind=anon": {"kind": "anon"},
        "kind=bot": {"kind": "bot"},
        "kind=user+temp": {"kind": ["user", "temp"]},
        "editor (most edits)": {"editor": top},
        "editor (one edit)": {"editor": rare},
        "editor (none)": {"editor": "No such editor"},
        "tag=mw-rollback": {"tag": "mw-rollback"},
        "tag (none)": {"tag": "no-such-tag"},
        "reverts=reverted": {"reverts": "reverted"},
        "reverts=revert": {"reverts": "revert"},
        "min_change=1000": {"min_change": 1000},
        "max_change=-1000": {"max_change": -1000},
        "q=rv": {"q": "rv"},
        "q (none)": {"q": "zzz no such summary"},
        f"from/to {middle_year}": {"from": f"{middle_year}-01-01", "to": f"{middle_year}-12-31"},
        "kind=anon&reverts=reverted": {"kind": "anon", "reverts": "reverted"},
    }


def vacuum(url: str) -> None:
    """What PostgreSQL's autovacuum does within a minute or so of a 100,000-row load: the
    planner's statistics (without them it expects a page of a few hundred revisions and
    sorts all 100,000), and the visibility map (index-only scans)."""
    import psycopg
    from sqlalchemy.engine import make_url

    plain = make_url(url).set(drivername="postgresql").render_as_string(False)
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE revisions")


def timed(client: httpx.Client, url: str, params: dict[str, Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    response = client.get(url, params=params)
    took = time.perf_counter() - started
    response.raise_for_status()
    return took, response


def stats(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    return {
        "median": statistics.median(ordered),
        "p90": ordered[int(0.9 * (len(ordered) - 1))],
        "max": ordered[-1],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--revisions", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--database-url", default="", help="PostgreSQL (default: SQLite)")
    parser.add_argument("--json", action="store_true", help="print one JSON object too")
    parser.add_argument(
        "--no-vacuum", action="store_true", help="PostgreSQL: measure before autovacuum ran"
    )
    args = parser.parse_args()
    title = f"Synthetic {args.revisions}"
    with simulator() as api, tempfile.TemporaryDirectory() as data:
        env = server_env(data, api, database_url=args.database_url)
        fetched = run_child([WIKIVICE, "fetch", title, "--json"], env)
        summary = orjson.loads(fetched.stdout)
        print(f"fetched {summary['revisions']:,} revisions in {fetched.seconds:.1f} s")
        if args.database_url and not args.no_vacuum:
            vacuum(args.database_url)
        with (
            serving(env, timeout=120) as (base, _),
            httpx.Client(base_url=base, timeout=60) as client,
        ):
            results = measure(client, summary["wiki"], summary["title"], args.repeat)
    report(title, "PostgreSQL" if args.database_url else "SQLite", results)
    if args.json:
        print(orjson.dumps(results).decode())


def measure(client: httpx.Client, wiki: str, title: str, repeat: int) -> dict[str, Any]:
    slug = quote(title.replace(" ", "_"))
    key = quote(wiki, safe=":")
    api = f"/api/pages/{key}/{slug}/revisions"
    # The editors and years to filter by, and the position halfway down, from the API.
    everything: list[dict[str, Any]] = []
    body = client.get(api, params={"limit": 500}).json()
    while True:
        everything += body["revisions"]
        if not body["older"]:
            break
        body = client.get(api, params={"limit": 500, "before": body["older"]}).json()
    counts: dict[str, int] = {}
    for r in everything:
        if r["user"]:
            counts[r["user"]] = counts.get(r["user"], 0) + 1
    top = max(counts, key=lambda name: counts[name])
    rare = min(counts, key=lambda name: counts[name])
    middle = everything[len(everything) // 2]
    deep = f"{middle['ts']}-{middle['revid']}"
    year = int(middle["timestamp"][:4])
    results: dict[str, Any] = {"revisions": len(everything), "cases": {}}
    for name, params in cases(top, rare, year).items():
        timed(client, api, params)  # warm the connection and the planner's caches
        first = [timed(client, api, params)[0] for _ in range(repeat)]
        deep_params = {**params, "before": deep}
        deeper = [timed(client, api, deep_params)[0] for _ in range(repeat)]
        found = len(timed(client, api, params)[1].json()["revisions"])
        results["cases"][name] = {"first": stats(first), "deep": stats(deeper), "rows": found}
    page = f"/wiki/{key}/{slug}"
    timed(client, page, {})
    results["article_page"] = stats([timed(client, page, {})[0] for _ in range(repeat)])
    filtered = {"kind": "anon", "reverts": "reverted"}
    results["article_page_filtered"] = stats(
        [timed(client, page, filtered)[0] for _ in range(repeat)]
    )
    return results


def report(title: str, database: str, r: dict[str, Any]) -> None:
    def ms(value: float) -> str:
        return f"{value * 1000:7.1f}"

    print(f"history explorer of {title} ({r['revisions']:,} revisions, {database}), ms:")
    head = "first: median  p90   max", "deep: median  p90   max"
    print(f"  {'filter':30} {'rows':>5}  {head[0]:>26}  {head[1]:>25}")
    worst = 0.0
    for name, case in r["cases"].items():
        f, d = case["first"], case["deep"]
        worst = max(worst, f["max"], d["max"])
        print(
            f"  {name:30} {case['rows']:>5}  {ms(f['median'])} {ms(f['p90'])} {ms(f['max'])}"
            f"   {ms(d['median'])} {ms(d['p90'])} {ms(d['max'])}"
        )
    verdict = "ok" if worst < BAR else "OVER"
    print(f"  slowest of all: {ms(worst)} ms   bar {BAR * 1000:.0f} ms {verdict}")
    for key, what in (("article_page", "article page"), ("article_page_filtered", "filtered")):
        s = r[key]
        print(f"  {what} (dashboard + first history page): median {ms(s['median'])} "
              f"p90 {ms(s['p90'])} max {ms(s['max'])}")  # fmt: skip


if __name__ == "__main__":
    main()
