"""What the service counts, for Prometheus (`GET /metrics`).

Every process counts what it does itself (requests to wikis, retries, waits for a
politeness slot, revisions stored, jobs ended, open event streams, refusals). Two ways
to see a fleet's counts together:

- **One machine, many processes**: set `WIKIVICE_METRICS_DIR` to one folder for all of
  them (emptied before they start); each process writes its counts there
  (prometheus-client's multiprocess mode) and any web process's `/metrics` adds them up.
  The folder must be set before prometheus-client is imported: this module does it, from
  the setting, when it is first imported.
- **Otherwise**, each web process shows its own counts, and `wikivice worker` shows its
  own on `WIKIVICE_METRICS_PORT` when that is set: let Prometheus scrape each.

What the database knows (jobs by state, the queue's depth) is read when `/metrics` is
asked (`web/routes/metrics.py`), the same whichever process answers.
"""

from __future__ import annotations

import os
from pathlib import Path

from wikivice.settings import Settings

_DIRECTORY = Settings().metrics_dir
if _DIRECTORY is not None:
    _DIRECTORY.mkdir(parents=True, exist_ok=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(_DIRECTORY)

from prometheus_client import Counter, Gauge, Histogram  # noqa: E402 (after the folder)

# Seconds: from a quick answer to Wikipedia's slowest.
_REQUEST_BUCKETS = (0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 2, 5, 10, 30)
_JOB_BUCKETS = (0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200)
_WAIT_BUCKETS = (0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30)

WIKI_REQUESTS = Counter(
    "wikivice_wiki_requests",
    "Requests sent to wikis, by host and outcome (an HTTP status, or timeout, unreachable).",
    ["host", "status"],
)
WIKI_REQUEST_SECONDS = Histogram(
    "wikivice_wiki_request_seconds",
    "Time from sending a request to a wiki to having read its answer.",
    ["host"],
    buckets=_REQUEST_BUCKETS,
)
WIKI_RETRIES = Counter(
    "wikivice_wiki_retries",
    "Retries of requests to wikis, by host and reason (maxlag, 429, 5xx, timeout, …).",
    ["host", "reason"],
)
WIKI_RETRY_WAIT_SECONDS = Counter(
    "wikivice_wiki_retry_wait_seconds",
    "Seconds waited before retries (Retry-After, maxlag, backoff), by host and reason.",
    ["host", "reason"],
)
SLOT_WAIT_SECONDS = Histogram(
    "wikivice_politeness_wait_seconds",
    "Time a request waited for one of its wiki's fleet-wide politeness slots.",
    ["host"],
    buckets=_WAIT_BUCKETS,
)
REVISIONS_STORED = Counter(
    "wikivice_revisions_stored", "Revisions stored (new ones, each counted once)."
)
JOBS_ENDED = Counter(
    "wikivice_jobs_ended",
    "Runs of fetch jobs that ended in this process, by outcome (done, failed, requeued).",
    ["outcome"],
)
JOB_SECONDS = Histogram(
    "wikivice_job_run_seconds",
    "Time one run of a fetch job took, from its claim to its end, by outcome.",
    ["outcome"],
    buckets=_JOB_BUCKETS,
)
STREAMS_OPEN = Gauge(
    "wikivice_event_streams_open",
    "Progress streams open now.",
    multiprocess_mode="livesum",
)
REFUSALS = Counter(
    "wikivice_refusals",
    "Requests refused by the abuse limits, by limit (analyses, lookups, exports, "
    "streams, queue, busy).",
    ["limit"],
)


def directory() -> Path | None:
    """The multiprocess folder, when the processes share one."""
    return _DIRECTORY


def forget_process(pid: int | None = None) -> None:
    """A process ends: its live gauges (open streams) leave the fleet's sum. Counters
    stay: they are what the process did."""
    if _DIRECTORY is None:
        return
    from prometheus_client import multiprocess

    pid = pid if pid is not None else os.getpid()
    multiprocess.mark_process_dead(pid, str(_DIRECTORY))  # type: ignore[no-untyped-call]


def sweep_dead() -> None:
    """Forget the live gauges of this machine's processes that died without a word
    (SIGKILL): their files would count their open streams for ever."""
    if _DIRECTORY is None:
        return
    for path in _DIRECTORY.glob("gauge_live*_*.db"):
        pid = int(path.stem.rsplit("_", 1)[1])
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            forget_process(pid)
        except PermissionError:
            pass  # alive, another user's


def serve(port: int) -> None:
    """This process's counts at http://0.0.0.0:PORT/metrics, in a thread (`wikivice
    worker` with WIKIVICE_METRICS_PORT): all of this machine's with a shared folder."""
    from prometheus_client import REGISTRY, CollectorRegistry, start_http_server

    registry = REGISTRY
    if _DIRECTORY is not None:
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=str(_DIRECTORY))  # type: ignore[no-untyped-call]
    start_http_server(port, registry=registry)
