"""Ingest speed and memory: `wikivice fetch` against a bare continuation walk and mwclient.

Each contender is its own process, timed wall to wall (imports included), against the
same zero-latency simulator process:
- bare: httpx + orjson walking `continue` for the page, doing nothing with the rows;
- mwclient: `page.revisions(api_chunk_size=500)` iterated to the end (fetch only);
- wikivice: `wikivice fetch TITLE --json` into a new SQLite database (fetch, derive,
  store, analyse).
Then peak RSS of `wikivice fetch` for 10,000, 100,000 and 1,000,000 revisions.

    python bench/ingest.py [--revisions 100000] [--repeat 3] [--flat]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).parent))
from common import WIKIVICE, Run, run_child, simulator  # noqa: E402

PROPS = "ids|timestamp|user|userid|size|sha1|comment|flags|tags"

BARE = """
import sys, httpx, orjson
api, title, props = sys.argv[1], sys.argv[2], sys.argv[3]
client = httpx.Client(headers={"User-Agent": "bare-loop/1.0 (bench@example.org)"})
params = {"action": "query", "prop": "revisions", "titles": title, "rvprop": props,
          "rvlimit": "max", "rvdir": "newer", "format": "json", "formatversion": "2",
          "maxlag": "5"}
cont, n = {}, 0
while True:
    data = orjson.loads(client.get(api, params={**params, **cont}).content)
    n += len(data["query"]["pages"][0]["revisions"])
    if "continue" not in data:
        break
    cont = data["continue"]
print(n)
"""

MWCLIENT = """
import sys, mwclient
from urllib.parse import urlsplit
api, title, props = sys.argv[1], sys.argv[2], sys.argv[3]
url = urlsplit(api)
site = mwclient.Site(url.netloc, path="/w/", scheme=url.scheme,
                     clients_useragent="mwclient-bench/1.0 (bench@example.org)")
page = site.pages[title]
n = sum(1 for _ in page.revisions(api_chunk_size=500, dir="newer", prop=props))
print(n)
"""


def bare(api: str, title: str) -> Run:
    return run_child([sys.executable, "-c", BARE, api, title, PROPS])


def mwclient_loop(api: str, title: str) -> Run:
    return run_child([sys.executable, "-c", MWCLIENT, api, title, PROPS])


def wikivice_fetch(api: str, title: str) -> tuple[Run, dict[str, object]]:
    """A fetch into an existing database (created and migrated by a first fetch of a
    one-revision page, untimed) that does not hold `title` yet."""
    with tempfile.TemporaryDirectory() as data:
        env = {"WIKIVICE_DATA_DIR": data, "WIKIVICE_DATABASE_URL": ""}
        run_child([WIKIVICE, "fetch", "Synthetic 1", "--wiki", api, "--json"], env=env)
        run = run_child([WIKIVICE, "fetch", title, "--wiki", api, "--json"], env=env)
    return run, orjson.loads(run.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--revisions", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--flat", action="store_true", help="also RSS at 10k/100k/1M")
    args = parser.parse_args()
    title = f"Synthetic {args.revisions}"
    results: dict[str, list[Run]] = {"bare": [], "mwclient": [], "wikivice": []}
    inside: list[float] = []  # `wikivice fetch --json`'s own seconds: from the title lookup
    with simulator() as api:
        bare(api, "Synthetic 1000")  # warm the simulator's caches and the disk
        for _ in range(args.repeat):
            for name, fn in (("bare", bare), ("mwclient", mwclient_loop)):
                run = fn(api, title)
                assert int(run.stdout) == args.revisions, run.stdout
                results[name].append(run)
            run, summary = wikivice_fetch(api, title)
            assert summary["revisions"] == args.revisions, summary
            results["wikivice"].append(run)
            inside.append(float(summary["seconds"]))  # type: ignore[arg-type]
        medians = {k: statistics.median(r.seconds for r in v) for k, v in results.items()}
        print(f"{title}, zero-latency simulator, median of {args.repeat} (wall, process):")
        for name, runs in results.items():
            rate = args.revisions / medians[name]
            rss = max(r.peak_rss_mb for r in runs)
            print(f"  {name:9s} {medians[name]:6.2f} s  {rate:9,.0f} rev/s  peak RSS {rss:6.1f} MB")
        alone = statistics.median(inside)
        print(f"  wikivice from its title lookup on (its --json seconds): {alone:.2f} s")
        print(f"  ratio wikivice / bare     = {medians['wikivice'] / medians['bare']:.2f}")
        print(f"  ratio wikivice / mwclient = {medians['wikivice'] / medians['mwclient']:.2f}")
        if args.flat:
            print("Peak RSS of wikivice fetch by history size:")
            for n in (10_000, 100_000, 1_000_000):
                run, summary = wikivice_fetch(api, f"Synthetic {n}")
                rss = run.peak_rss_mb
                print(f"  {n:>9,} revisions: {run.seconds:6.1f} s, peak RSS {rss:6.1f} MB")


if __name__ == "__main__":
    main()
