"""Fair queues: many small analyses submitted together with one huge one, for 1, 2 and 4
workers.

For each worker count: a simulator at `--latency` seconds per API call, one `wikivice
serve --no-worker` and one `wikivice worker` with that many job threads (SQLite, the
embedded default; metrics shared through WIKIVICE_METRICS_DIR). `--small` articles
(`Synthetic 600` … `Synthetic 1,999`, 2 to 4 requests of revisions each) and one
`Synthetic --huge` are posted together through the web process, 16 at a time, the huge
one first. Reported, from the jobs' own times (GET /api/jobs/{id}):
- jobs per minute, from the first submission to the last job's end (and the small ones'
  alone, to the last small job's end);
- the small jobs' wait (created → first started): median, p90, max;
- the huge job's run: when it ended, and how often it gave way (its `requeued` events);
- where the politeness cap binds: the share of 0.25 s samples of /metrics in which every
  fleet-wide slot of the simulator's host was in use, and the seconds requests waited for
  one (wikivice_politeness_wait_seconds), while the analyses were submitted (each POST
  resolves its title) and while the jobs ran.
`--unfair` runs the same with WIKIVICE_HUGE_JOB_REVISIONS past the huge size: no job
ever gives way (the queue as it was before issue 13).

    python bench/fairness.py [--workers 1 2 4] [--small 200] [--huge 1000000]
                             [--latency 0.1] [--unfair]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

sys.path.insert(0, str(Path(__file__).parent))
from common import WIKIVICE, free_port, server_env, simulator, wait_for  # noqa: E402

HOST = "127.0.0.1"


def small_titles(count: int) -> list[str]:
    """Histories of 600 to 1,999 revisions: each needs a job (since issue 11 the answer to
    the submission itself stores an article of up to 500, with no job), of 1 to 3 requests
    after that first one."""
    return [f"Synthetic {600 + (n * 7) % 1400}" for n in range(count)]


class SlotSampler:
    """Samples /metrics every 0.25 s: how often every slot of the host was in use."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.samples = 0
        self.full = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with httpx.Client(timeout=10) as client:
            while not self.stop.wait(0.25):
                try:
                    text = client.get(self.url).text
                except httpx.HTTPError:
                    continue
                values = samples(text)
                in_use = values.get(("wikivice_politeness_slots_in_use", HOST))
                cap = values.get(("wikivice_politeness_slots_cap", HOST))
                if in_use is None or cap is None:
                    continue  # no job queued or running
                self.samples += 1
                self.full += in_use >= cap


def samples(text: str) -> dict[tuple[str, str], float]:
    return {
        (s.name, s.labels.get("host", "")): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def moment(value: str) -> float:
    return datetime.fromisoformat(value).timestamp()


def one_round(api: str, workers: int, args: argparse.Namespace) -> dict[str, float]:
    threshold = str(args.huge * 10 if args.unfair else 20_000)
    with tempfile.TemporaryDirectory() as data:
        metrics = Path(data) / "metrics"
        env = server_env(data, api, workers=str(workers), huge_job_revisions=threshold,
                         metrics_dir=str(metrics), log_level="warning")  # fmt: skip
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        log = (Path(data) / "processes.log").open("w")
        web = subprocess.Popen([WIKIVICE, "serve", "--no-worker", "--port", str(port)], env=env,
                               stdout=log, stderr=subprocess.STDOUT)  # fmt: skip
        worker = subprocess.Popen([WIKIVICE, "worker"], env=env, stdout=log,
                                  stderr=subprocess.STDOUT)  # fmt: skip
        try:
            try:
                wait_for(f"{base}/healthz", timeout=90)
            except RuntimeError:
                print((Path(data) / "processes.log").read_text()[-3000:], file=sys.stderr)
                raise
            return measure(base, args)
        finally:
            for process in (worker, web):
                process.terminate()
                process.wait(30)
            log.close()


def measure(base: str, args: argparse.Namespace) -> dict[str, float]:
    titles = [f"Synthetic {args.huge}", *small_titles(args.small)]
    sampler = SlotSampler(f"{base}/metrics")
    with httpx.Client(base_url=base, timeout=60) as client:
        sampler.thread.start()
        started = time.time()
        with ThreadPoolExecutor(16) as pool:
            answers = list(pool.map(lambda t: client.post("/api/analyses", json={"title": t}),
                                    titles))  # fmt: skip
        refused = [a for a in answers if a.status_code not in (200, 202)]
        if answers[0].status_code not in (200, 202):
            raise SystemExit(f"the huge article was refused: {answers[0].text[:300]}")
        for answer in refused[:3]:
            print(f"    refused: HTTP {answer.status_code} {answer.text[:200]}", file=sys.stderr)
        answered = [a.json() for a in answers if a.status_code in (200, 202)]
        # An article stored whole by its submission (up to 500 revisions) has no job.
        urls = [a["job_url"] for a in answered if a["job_url"]]
        at_once = len(answered) - len(urls)
        key = ("wikivice_politeness_wait_seconds_sum", HOST)
        submitting = samples(client.get("/metrics").text).get(key, 0.0)
        jobs = wait_all(client, urls, args.timeout)
        sampler.stop.set()
        waited = samples(client.get("/metrics").text).get(key, 0.0)
        huge_events = client.get(urls[0] + "/events").text
    huge, small = jobs[0], jobs[1:]
    waits = sorted(moment(j["started_at"]) - moment(j["created_at"]) for j in small)
    ends = [moment(j["finished_at"]) for j in small]
    last = max([*ends, moment(huge["finished_at"])])
    return {
        "jobs/min": len(jobs) / (last - started) * 60,
        "small jobs/min": len(small) / (max(ends) - started) * 60,
        "small wait median": statistics.median(waits),
        "small wait p90": waits[int(0.9 * (len(waits) - 1))],
        "small wait max": waits[-1],
        "huge ended after": moment(huge["finished_at"]) - started,
        "huge gave way": huge_events.count("event: requeued"),
        "stored by their submission": at_once,
        "refused at submission": len(refused),
        "cap binds (share of samples)": sampler.full / max(1, sampler.samples),
        "slot wait s (submitting)": submitting,
        "slot wait s (running)": waited - submitting,
    }


def wait_all(client: httpx.Client, urls: list[str], timeout: float) -> list[dict[str, str]]:
    deadline = time.monotonic() + timeout
    done: dict[str, dict[str, str]] = {}
    while len(done) < len(urls):
        if time.monotonic() > deadline:
            raise RuntimeError(f"{len(urls) - len(done)} jobs did not end in {timeout} s")
        for url in urls:
            if url not in done:
                job = client.get(url).json()
                if job["status"] in ("done", "failed"):
                    assert job["status"] == "done", job
                    done[url] = job
        time.sleep(1)
    return [done[url] for url in urls]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--small", type=int, default=200)
    parser.add_argument("--huge", type=int, default=1_000_000)
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--timeout", type=float, default=3600)
    parser.add_argument("--unfair", action="store_true", help="no job ever gives way")
    args = parser.parse_args()
    mode = "no job gives way (before)" if args.unfair else "huge jobs give way (issue 13)"
    print(f"{args.small} small + Synthetic {args.huge:,}, {args.latency * 1000:.0f} ms a call, "
          f"{mode}:")  # fmt: skip
    with simulator(latency=args.latency) as api:
        for workers in args.workers:
            result = one_round(api, workers, args)
            shown = ", ".join(
                f"{name} {value:.2f}" if isinstance(value, float) else f"{name} {value}"
                for name, value in result.items()
            )
            print(f"  {workers} worker{'s' if workers > 1 else ''}: {shown}", flush=True)


if __name__ == "__main__":
    main()
