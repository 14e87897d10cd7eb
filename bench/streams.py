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
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import orjson

sys.path.insert(0, str(Path(__file__).parent))
from common import WIKIVICE, free_port, simulator, wait_for  # noqa: E402


async def follow(port: int, path: str, latencies: list[float], stop: float) -> int:
    reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=1 << 20)
    writer.write(
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n".encode()
    )
    await writer.drain()
    events = 0
    try:
        while time.time() < stop:
            line = await asyncio.wait_for(reader.readline(), timeout=max(0.1, stop - time.time()))
            if not line:
                break
            if line.startswith(b"data: "):
                arrived = time.time()
                data = orjson.loads(line[6:])
                latencies.append(arrived - data["at"])
                events += 1
    except TimeoutError:
        pass
    finally:
        writer.close()
    return events


async def run_clients(port: int, path: str, streams: int, seconds: float) -> list[float]:
    latencies: list[float] = []
    stop = time.time() + seconds
    counts = await asyncio.gather(*(follow(port, path, latencies, stop) for _ in range(streams)))
    print(f"  {sum(1 for c in counts if c)} of {streams} streams received events")
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--streams", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, 4 * args.streams)), hard))
    port = free_port()
    with simulator(latency=0.02) as api, tempfile.TemporaryDirectory() as data:
        env = {"WIKIVICE_DATA_DIR": data, "WIKIVICE_DATABASE_URL": "", "WIKIVICE_REDIS_URL": "",
               "WIKIVICE_DEFAULT_WIKI": api}  # fmt: skip
        server = subprocess.Popen(
            [WIKIVICE, "serve", "--port", str(port)],
            env={**os.environ, **env},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_for(f"http://127.0.0.1:{port}/static/app.css")
            job = httpx.post(
                f"http://127.0.0.1:{port}/api/analyses",
                json={"title": "Synthetic 1000000"},
                timeout=30,
            ).json()
            latencies = asyncio.run(
                run_clients(port, job["events_url"], args.streams, args.seconds)
            )
        finally:
            server.terminate()
            server.wait(10)
    latencies.sort()
    if not latencies:
        raise SystemExit("no events arrived")
    p = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000  # noqa: E731
    print(
        f"{args.streams} concurrent streams on one web process, {len(latencies)} deliveries: "
        f"p50 {p(0.5):.0f} ms, p90 {p(0.9):.0f} ms, p99 {p(0.99):.0f} ms, "
        f"max {latencies[-1] * 1000:.0f} ms (mean {statistics.mean(latencies) * 1000:.0f} ms)"
    )


if __name__ == "__main__":
    main()
