"""Many progress streams on one web process: how late does each event arrive?

Starts the simulator and one `wikivice serve`, starts a long fetch (its job emits a
progress event about every 250 ms), and opens N concurrent event streams on that job
from a separate process (raw asyncio sockets, so the client is not the bottleneck).
Each event carries the time it was stored (`at`); delivery latency = arrival − at.

    python bench/streams.py [--streams 1000] [--seconds 10]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parent))
AT = re.compile(rb'"at":([0-9.]+)')
TIMELINE: list[tuple[float, float]] = []
from common import WIKIVICE, free_port, server_env, simulator, wait_for  # noqa: E402


async def follow(
    port: int, path: str, latencies: list[float], stop: float, measure_from: float
) -> int:
    """One stream, read in chunks (a light client: the server is what is measured)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=1 << 20)
    writer.write(
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n".encode()
    )
    await writer.drain()
    events = 0
    pending = b""
    try:
        while time.time() < stop:
            chunk = await asyncio.wait_for(reader.read(65536), timeout=max(0.1, stop - time.time()))
            if not chunk:
                break
            arrived = time.time()
            pending += chunk
            *lines, pending = pending.split(b"\n")
            for line in lines:
                if line.startswith(b"data: "):
                    at = float(AT.search(line).group(1))  # type: ignore[union-attr]
                    # Only events made once every stream is open: the replay of older
                    # ones and the storm of a thousand connections are not delays.
                    if at > measure_from:
                        latencies.append(arrived - at)
                        TIMELINE.append((at, arrived - at))
                    events += 1
    except TimeoutError:
        pass
    finally:
        writer.close()
    return events


async def run_clients(
    port: int, path: str, streams: int, seconds: float, warmup: float
) -> list[float]:
    latencies: list[float] = []
    start = time.time()
    stop, measure_from = start + warmup + seconds, start + warmup
    counts = await asyncio.gather(
        *(follow(port, path, latencies, stop, measure_from) for _ in range(streams))
    )
    print(f"  {sum(1 for c in counts if c)} of {streams} streams received events")
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--streams", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=3.0, help="connect, then measure")
    parser.add_argument(
        "--separate-worker", action="store_true", help="fetch in a `wikivice worker` process"
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/15")
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, 4 * args.streams)), hard))
    port = free_port()
    with simulator(latency=0.02) as api, tempfile.TemporaryDirectory() as data:
        env = server_env(data, api)
        if args.separate_worker:  # the web process only serves; Redis carries wake-ups
            env["WIKIVICE_REDIS_URL"] = args.redis_url
        command = [WIKIVICE, "serve", "--port", str(port)]
        command += ["--no-worker"] if args.separate_worker else []
        quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
        server = subprocess.Popen(command, env=env, **quiet)  # type: ignore[call-overload]
        worker = None
        if args.separate_worker:
            worker = subprocess.Popen([WIKIVICE, "worker"], env=env, **quiet)  # type: ignore[call-overload]
        try:
            wait_for(f"http://127.0.0.1:{port}/static/app.css")
            job = httpx.post(
                f"http://127.0.0.1:{port}/api/analyses",
                json={"title": "Synthetic 1000000"},
                timeout=30,
            ).json()
            latencies = asyncio.run(
                run_clients(port, job["events_url"], args.streams, args.seconds, args.warmup)
            )
        finally:
            for process in (server, worker):
                if process is not None:
                    process.terminate()
                    process.wait(10)
    if os.environ.get("TIMELINE"):
        from collections import defaultdict

        worst: dict[float, float] = defaultdict(float)
        for at, lat in TIMELINE:
            worst[at] = max(worst[at], lat)
        first = min(worst)
        for at in sorted(worst):
            print(f"    event at +{at - first:6.2f} s: slowest {worst[at] * 1000:.0f} ms")
    latencies.sort()
    if not latencies:
        raise SystemExit("no events arrived")
    p = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000  # noqa: E731
    where = "worker in its own process" if args.separate_worker else "worker inside serve"
    print(
        f"{args.streams} concurrent streams on one web process ({where}), "
        f"{len(latencies)} deliveries: "
        f"p50 {p(0.5):.0f} ms, p90 {p(0.9):.0f} ms, p99 {p(0.99):.0f} ms, "
        f"max {latencies[-1] * 1000:.0f} ms (mean {statistics.mean(latencies) * 1000:.0f} ms)"
    )


if __name__ == "__main__":
    main()
