"""A bounded load test on loopback: searches, dashboards and 1,000 event streams at once
on one `wikivice serve`, for a fixed time; every answer counted, none may fail.

Starts the simulator and one server (its worker inside), analyses a few articles, starts
a long fetch whose progress the streams follow (at the simulated wiki's pace: 100 ms a
request by default, as Wikipedia answers), then for `--seconds` runs `--clients`
clients that alternate a search (`GET /search`), an article page (`GET /wiki/…`, its
dashboard) and its figures (`GET /api/pages/…/stats`), while `--streams` event streams
stay open. Reports, per kind, the count, errors, p50 and p99, and the server's memory.

    python bench/load.py [--seconds 30] [--clients 20] [--streams 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import httpx
import psutil

sys.path.insert(0, str(Path(__file__).parent))
from common import USER_AGENT, server_env, serving, simulator  # noqa: E402

ARTICLES = [f"Synthetic {n}" for n in (1500, 3000, 6000, 12000)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--streams", type=int, default=1000)
    parser.add_argument(
        "--latency", type=float, default=0.1, help="of the simulated wiki (Wikipedia's order)"
    )
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, 4 * args.streams)), hard))
    with simulator(latency=args.latency) as api, tempfile.TemporaryDirectory() as data:
        with serving(server_env(data, api), ready="/") as (base, server):
            port = int(base.rsplit(":", 1)[1])
            key, events_url = prepare(base)
            results = asyncio.run(load(port, base, key, events_url, args))
            rss = psutil.Process(server.pid).memory_info().rss / 2**20
    print_results(results, args, rss)


def prepare(base: str) -> tuple[str, str]:
    """Analyse the articles (to the end), then start the long fetch the streams follow."""
    with httpx.Client(base_url=base, timeout=120, headers={"User-Agent": USER_AGENT}) as http:
        for title in ARTICLES:
            job = http.post("/api/analyses", json={"title": title}).json()
            if job.get("events_url"):
                with http.stream("GET", job["events_url"]) as stream:
                    for line in stream.iter_lines():
                        if line in ("event: done", "event: failed"):
                            break
        long = http.post("/api/analyses", json={"title": "Synthetic 1000000"}).json()
        return long["page"]["wiki"], long["events_url"]


async def load(
    port: int, base: str, key: str, events_url: str, args: argparse.Namespace
) -> dict[str, list[float | None]]:
    """`None` marks a failed request."""
    results: dict[str, list[float | None]] = defaultdict(list)
    stop = time.monotonic() + args.seconds
    streams = [
        asyncio.create_task(stream(port, events_url, stop, results)) for _ in range(args.streams)
    ]
    limits = httpx.Limits(max_connections=args.clients * 2)
    async with httpx.AsyncClient(
        base_url=base, timeout=30, limits=limits, headers={"User-Agent": USER_AGENT}
    ) as http:
        await asyncio.gather(*(client(http, key, n, stop, results) for n in range(args.clients)))
    await asyncio.gather(*streams)
    return results


async def client(
    http: httpx.AsyncClient, key: str, n: int, stop: float, results: dict[str, list[float | None]]
) -> None:
    step = 0
    while time.monotonic() < stop:
        title = ARTICLES[(n + step) % len(ARTICLES)]
        slug = title.replace(" ", "_")
        for kind, path in (
            ("search", f"/search?wiki={key}&title={slug}"),
            ("dashboard", f"/wiki/{key}/{slug}"),
            ("stats", f"/api/pages/{key}/{slug}/stats"),
        ):
            started = time.perf_counter()
            try:
                answer = await http.get(path, follow_redirects=True)
                ok = answer.status_code == 200
            except httpx.HTTPError:
                ok = False
            results[kind].append(time.perf_counter() - started if ok else None)
        step += 1


async def stream(port: int, path: str, stop: float, results: dict[str, list[float | None]]) -> None:
    """One event stream held open until `stop`; its time to the first event is recorded
    (None: it failed, or no event came)."""
    started = time.perf_counter()
    first: float | None = None
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
        await writer.drain()
        ok = b" 200 " in await reader.readline()
        while ok and time.monotonic() < stop:
            try:
                line = await asyncio.wait_for(reader.readline(), stop - time.monotonic())
            except TimeoutError:
                break  # held open to the end: what was asked
            if not line:
                ok = False  # the server ended it early
            elif first is None and line.startswith(b"data: "):
                first = time.perf_counter() - started
        writer.close()
    except OSError:
        ok = False
    results["stream (first event)"].append(first if ok else None)


def print_results(
    results: dict[str, list[float | None]], args: argparse.Namespace, rss: float
) -> None:
    print(
        f"{args.seconds:g} s on loopback: {args.clients} clients (search, dashboard, stats) and "
        f"{args.streams} event streams on one web process; server RSS at the end {rss:.0f} MB"
    )
    for kind, values in results.items():
        done = sorted(v for v in values if v is not None)
        errors = len(values) - len(done)
        if not done:
            print(f"  {kind}: {len(values)} requests, all failed")
            continue
        print(
            f"  {kind}: {len(values)} requests, {errors} errors, p50 {ms(done, 0.5)} ms, "
            f"p99 {ms(done, 0.99)} ms, max {ms(done, 1.0)} ms"
        )


def ms(ordered: list[float], share: float) -> str:
    return f"{ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000:.0f}"


if __name__ == "__main__":
    main()
