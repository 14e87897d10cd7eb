"""Under abuse, the other pages still answer: 45 analyses of a wiki that never answers,
and meanwhile the home page, timed.

Starts the simulator (the default wiki), a "black hole" wiki (a TCP server on loopback
that accepts connections and never says a word; allowed by name, as an operator would
allow a wiki of their own) and one `wikivice serve`. Sends 45 analyses of the black hole
at once, and requests `GET /` every 20 ms while they wait; reports the home page's
latency (p50, p99, max), its errors, how the 45 ended, and how long an unreachable name
and an unknown language take to be refused.

    python bench/abuse.py [--analyses 45] [--seconds 12]
"""

from __future__ import annotations

import argparse
import socket
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parent))
from common import USER_AGENT, server_env, serving, simulator  # noqa: E402


class BlackHole:
    """Accepts every connection and never answers (until closed)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(512)
        self.port = self.sock.getsockname()[1]
        self.held: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.held.append(conn)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--analyses", type=int, default=45)
    parser.add_argument("--seconds", type=float, default=12.0)
    args = parser.parse_args()
    hole = BlackHole()
    hole_api = f"http://127.0.0.1:{hole.port}/w/api.php"
    with simulator() as api, tempfile.TemporaryDirectory() as data:
        allowed = f"*.wikipedia.org,127.0.0.1:{hole.port},nowhere.invalid"
        env = server_env(data, api, allowed_wikis=allowed)
        try:
            with serving(env, ready="/") as (base, _):
                report(base, hole_api, args.analyses, args.seconds)
        finally:
            hole.sock.close()


def report(base: str, hole_api: str, analyses: int, seconds: float) -> None:
    endings: Counter[str] = Counter()
    answers: list[float] = []

    def analyse(n: int) -> None:
        started = time.perf_counter()
        try:
            with httpx.Client(timeout=120, headers={"User-Agent": USER_AGENT}) as http:
                body = {"wiki": hole_api, "title": f"Hole {n}"}
                endings[str(http.post(f"{base}/api/analyses", json=body).status_code)] += 1
        except httpx.HTTPError as exc:
            endings[type(exc).__name__] += 1
        answers.append(time.perf_counter() - started)

    attackers = [threading.Thread(target=analyse, args=(n,)) for n in range(analyses)]
    for thread in attackers:
        thread.start()
    home, errors = time_home(base, seconds)
    for thread in attackers:
        thread.join(180)
    print(f"{analyses} analyses of a wiki that never answers, sent at once:")
    print(f"  they ended: {dict(endings)}; slowest answer {max(answers):.1f} s")
    print(f"GET / every 20 ms for {seconds:g} s meanwhile: {len(home)} answers, {errors} errors")
    print(
        f"  p50 {statistics.median(home) * 1000:.0f} ms, p99 {percentile(home, 0.99) * 1000:.0f}"
        f" ms, max {max(home) * 1000:.0f} ms  (bar: p99 < 200 ms)"
    )
    with httpx.Client(timeout=30, headers={"User-Agent": USER_AGENT}) as http:
        for wiki in ("https://nowhere.invalid/w/api.php", "notawiki"):
            started = time.perf_counter()
            answer = http.post(f"{base}/api/analyses", json={"wiki": wiki, "title": "X"})
            took = time.perf_counter() - started
            print(f"  {wiki}: {answer.status_code} in {took:.2f} s: {answer.json()['detail']}")


def time_home(base: str, seconds: float) -> tuple[list[float], int]:
    latencies: list[float] = []
    errors = 0
    stop = time.monotonic() + seconds
    with httpx.Client(timeout=30, headers={"User-Agent": USER_AGENT}) as http:
        while time.monotonic() < stop:
            started = time.perf_counter()
            try:
                ok = http.get(f"{base}/").status_code == 200
            except httpx.HTTPError:
                ok = False
            latencies.append(time.perf_counter() - started)
            errors += not ok
            time.sleep(0.02)
    return latencies, errors


if __name__ == "__main__":
    main()
