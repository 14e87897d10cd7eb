"""`make bench`: every benchmark, one after the other, each in its own processes.

Results go to stdout and to artifacts/bench.txt; docs/benchmarks.md records them with
the commands. Pass names to run only some: `python bench/run.py ingest web`.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).parent
BENCHES = {
    "ingest": ["ingest.py", "--repeat", "5", "--flat"],
    "ingest-postgres": ["ingest_postgres.py", "--revisions", "100000", "--repeat", "3"],
    "ingest-postgres-10ms": ["ingest_postgres.py", "--repeat", "3", "--latency", "0.01"],
    "stats": ["stats_bench.py", "--revisions", "100000"],
    "dashboard": ["dashboard.py"],
    "history": ["history.py", "--repeat", "15"],
    "web": ["web.py", "--latency", "0.2", "--runs", "5"],
    "partial": ["web.py", "--partial", "--revisions", "100000", "--latency", "0.1", "--runs", "3"],
    "progress": ["progress.py", "--latency", "0.01"],
    "streams": ["streams.py", "--streams", "1000", "--seconds", "10"],
    "abuse": ["abuse.py", "--analyses", "45", "--seconds", "12"],
    "load": ["load.py", "--seconds", "30", "--clients", "20", "--streams", "1000"],
    # Quick by default (minutes); the full size: --small 200 --huge 1000000.
    "fairness": ["fairness.py", "--small", "40", "--huge", "100000", "--latency", "0.1"],
}


def main() -> None:
    chosen = sys.argv[1:] or list(BENCHES)
    out = HERE.parent / "artifacts" / "bench.txt"
    out.parent.mkdir(exist_ok=True)
    with out.open("w") as log:
        for name in chosen:
            script, *options = BENCHES[name]
            command = [sys.executable, str(HERE / script), *options]
            header = f"== {name}: python bench/{script} {' '.join(options)}"
            print(header, flush=True)
            log.write(header + "\n")
            started = time.monotonic()
            result = subprocess.run(command, capture_output=True, text=True, check=False)
            text = result.stdout + (result.stderr if result.returncode else "")
            footer = f"   ({time.monotonic() - started:.0f} s, exit {result.returncode})"
            print(text + footer, flush=True)
            log.write(text + footer + "\n")


if __name__ == "__main__":
    main()
