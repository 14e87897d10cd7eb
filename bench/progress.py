"""How true the progress bar is (issue 11): the total and ETA a page shows at 20%, 50% and
80% of a fetch whose count the wiki caps at 30,000, against what really happened.

`wikivice fetch TITLE` runs against a simulator at a low latency, into a new SQLite
database; afterwards its job's progress events (each holds the total shown, whether it
is an estimate, and the ETA, with the time it was written) are read back. At the first
event past each fraction: the total's error against the real size, and the ETA's against
the time the last revision was in fact stored.

    python bench/progress.py [--titles "Synthetic 300000" "Synthetic 150000"] [--latency 0.01]

It also says how steady the bar was: how often and how far it went back, and the spread
of the totals it showed past 20 %.
"""

from __future__ import annotations

import argparse
import json
import re
import sqlite3
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from common import WIKIVICE, run_child, simulator  # noqa: E402

FRACTIONS = (0.2, 0.5, 0.8)


@dataclass(frozen=True)
class Shown:
    """What one progress event put on the page."""

    at: float
    done: int
    total: int
    estimated: bool
    eta: float | None
    floor: bool  # the total is only the wiki's capped count: the page draws no share


def progress_events(database: Path) -> list[Shown]:
    with sqlite3.connect(database) as conn:
        rows = conn.execute(
            "SELECT data FROM job_events WHERE kind = 'progress' ORDER BY job_id, seq"
        ).fetchall()
    events = [json.loads(data) for (data,) in rows]
    return [
        Shown(
            e["at"],
            e["done"],
            e["total"] or 0,
            bool(e["total_is_estimate"]),
            e.get("eta"),
            bool(e["total_is_lower_bound"]) and not e["total_is_estimate"],
        )
        for e in events
    ]


def measure(api: str, title: str) -> list[str]:
    size = int(re.sub(r"\D", "", title))
    with tempfile.TemporaryDirectory() as data:
        env = {"WIKIVICE_DATA_DIR": data}
        run = run_child([WIKIVICE, "fetch", title, "--wiki", api, "--json"], env)
        events = progress_events(Path(data) / "wikivice.db")
    stored = json.loads(run.stdout)["revisions"]
    end = next(e.at for e in events if e.done >= stored)
    lines = [f"{title}: {stored:,} revisions stored in {run.seconds:.1f} s"]
    for fraction in FRACTIONS:
        shown = next(e for e in events if e.done >= fraction * size)
        left = end - shown.at
        eta = "none" if shown.eta is None else f"{shown.eta:.1f} s"
        eta_error = "-" if shown.eta is None else f"{shown.eta / left - 1:+.0%}"
        lines.append(
            f"  at {fraction:.0%} ({shown.done:,} stored): shown "
            f"{'about ' if shown.estimated else ''}{shown.total:,} "
            f"(error {shown.total / stored - 1:+.0%}), ETA {eta} against {left:.1f} s "
            f"(error {eta_error})"
        )
    lines.append("  " + steadiness(events, stored))
    return lines


def steadiness(events: list[Shown], stored: int) -> str:
    """How steady the bar was: the times it went back (by more than half a point of the
    whole), its largest step back, and the spread of the totals shown past 20 %. While
    the total is only a floor the page draws no share (progress.js), so neither does
    this."""
    bar = [e.done / e.total for e in events if e.total and not e.floor]
    drops = [before - after for before, after in zip(bar, bar[1:], strict=False)]
    back = [d for d in drops if d > 0.005]
    later = [e.total for e in events if e.total and e.done >= 0.2 * stored]
    low, high = min(later) / stored - 1, max(later) / stored - 1
    return (
        f"bar went back {len(back)} times of {len(drops)}, by {max(back, default=0):.1%} "
        f"at most; totals shown past 20 %: {low:+.0%} to {high:+.0%}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--titles", nargs="+", default=["Synthetic 300000", "Synthetic 150000"])
    parser.add_argument("--latency", type=float, default=0.01)
    args = parser.parse_args()
    with simulator(latency=args.latency) as api:
        print(f"simulator latency {args.latency:g} s; error = shown / true - 1")
        for title in args.titles:
            print("\n".join(measure(api, title)), flush=True)


if __name__ == "__main__":
    main()
