"""The interpreter, set for `wikivice` commands rather than short scripts."""

from __future__ import annotations

import gc
import sys


def tune_interpreter() -> None:
    """CPython's collector, set for short scripts, tuned for processes that stream
    hundreds of thousands of revisions: its youngest generation is collected every
    10,000 new containers instead of 700. A fetch allocates a dict per revision, and
    collecting every 700 cost 0.3 s of the 4.5 s of CPU of a 100,000-revision fetch
    (docs/benchmarks.md, Ingest). `wikivice serve` goes further once its modules are
    loaded (`web/server.py`)."""
    gc.set_threshold(10_000, 10, 10)


def hand_the_gil_over_quickly() -> None:
    """For `wikivice fetch`: a thread waiting for the GIL gets it within 1 ms instead of
    5. The thread that walks the history waits for it each time an answer arrives, while
    the one storing the batch before runs Python, and each millisecond there delays the
    next request. Not for `wikivice serve`: there its event loop, writing to 1,000
    streams, lost the GIL to the worker's threads that much more often, and events
    reached the streams seconds late (bench/streams.py: p50 0.15-1.5 s -> 3.6-4.7 s)."""
    sys.setswitchinterval(0.001)
