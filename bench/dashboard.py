"""The dashboard of a 100,000-revision article: served cold and warm, and its weight.

Fetches `Synthetic 100000` from a zero-latency `wikivice simulator` into a fresh SQLite
data dir (`wikivice fetch --json`), drops any cached figures (so the first view computes
them, as the first visitor after a fetch does), starts `wikivice serve` on that data
dir, then measures with a plain HTTP client:

- cold: the first GET of /wiki/{wiki}/Synthetic_100000 (figures computed and cached),
  3 s after the server answers (its warm-up done, as before any real visitor); and the
  first GET in a second fresh process (the figures kept: the usual first view, since the
  worker computes them after a fetch);
- warm: the median (and p90, max) of the next `--repeat` GETs (the rendering kept in
  memory, web/renders.py); then the same with its ETag (a 304, nothing rendered);
- the fragment swapped in after a fetch, the JSON the page loads afterwards, and the
  revisions CSV streamed whole;
- the page weight: HTML, our JS and CSS, the JSON loaded after it, and plotly.min.js
  apart, raw and gzipped (`gzip -6`: what a compressing proxy would send; the app
  itself sends them uncompressed).

Bars (issue 11): warm <= 50 ms, cold <= 600 ms (issue 4's were 150 ms and 1.5 s).

    .venv/bin/python bench/dashboard.py [--revisions 100000] [--repeat 20]
"""

from __future__ import annotations

import argparse
import gzip
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import orjson

sys.path.insert(0, str(Path(__file__).parent))
from common import ROOT, WIKIVICE, run_child, serving, simulator  # noqa: E402

WARM_BAR, COLD_BAR = 0.050, 0.6
# A server is up before its first visitor: its warm-up (web/warmup.py) is not the cold
# view's time.
SETTLE = 3.0


def timed_get(client: httpx.Client, url: str) -> tuple[float, httpx.Response]:
    started = time.perf_counter()
    response = client.get(url)
    took = time.perf_counter() - started
    response.raise_for_status()
    return took, response


def weight(content: bytes) -> tuple[int, int]:
    return len(content), len(gzip.compress(content, 6))


def kb(size: int) -> str:
    return f"{size / 1024:8.1f} kB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--revisions", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--json", action="store_true", help="print one JSON object too")
    args = parser.parse_args()
    title = f"Synthetic {args.revisions}"
    results: dict[str, Any] = {"title": title}

    with simulator() as api, tempfile.TemporaryDirectory() as data:
        env = {
            "WIKIVICE_DATA_DIR": data,
            "WIKIVICE_DATABASE_URL": "",
            "WIKIVICE_REDIS_URL": "",
            "WIKIVICE_DEFAULT_WIKI": api,
        }
        fetched = run_child([WIKIVICE, "fetch", title, "--json"], env)
        summary = orjson.loads(fetched.stdout)
        print(f"fetched {summary['revisions']:,} revisions in {fetched.seconds:.1f} s")
        with sqlite3.connect(Path(data) / "wikivice.db") as db:
            dropped = db.execute("DELETE FROM page_stats").rowcount  # a cold first view
        print(f"cached figures dropped: {dropped}")

        with serving(env) as (base, _), httpx.Client(base_url=base, timeout=60) as client:
            time.sleep(SETTLE)
            results.update(measure(client, summary["wiki"], summary["title"], args.repeat))
        # The usual first view: the figures were computed once (by the worker after a
        # fetch; here by the view above) and a fresh process draws them.
        with serving(env) as (base, _), httpx.Client(base_url=base, timeout=60) as client:
            time.sleep(SETTLE)
            page = f"/wiki/{quote(summary['wiki'], safe=':')}/{quote(title.replace(' ', '_'))}"
            results["cold_cached_seconds"] = timed_get(client, page)[0]
    report(results)
    if args.json:
        print(orjson.dumps(results).decode())


def measure(client: httpx.Client, wiki: str, title: str, repeat: int) -> dict[str, Any]:
    slug = quote(title.replace(" ", "_"))
    page = f"/wiki/{quote(wiki, safe=':')}/{slug}"
    api = f"/api/pages/{quote(wiki, safe=':')}/{slug}"
    cold, first = timed_get(client, page)
    assert 'id="dashboard-body"' in first.text, "the page did not show the dashboard"
    warm = [timed_get(client, page)[0] for _ in range(repeat)]
    held = []
    if "etag" in first.headers:  # (an older server, measured for comparison, has none)
        tag = {"If-None-Match": first.headers["etag"]}
        for _ in range(repeat):
            started = time.perf_counter()
            assert client.get(page, headers=tag).status_code == 304, "no 304 when unchanged"
            held.append(time.perf_counter() - started)
    fragment = [timed_get(client, f"/dashboard/{quote(wiki, safe=':')}/{slug}")[0]
                for _ in range(repeat)]  # fmt: skip
    _, recent = timed_get(client, f"{api}/recent-edits")
    recent_times = [timed_get(client, f"{api}/recent-edits")[0] for _ in range(repeat)]
    _, extract = timed_get(client, f"{api}/extract")
    revid = recent.json()["incident"]["revid"]
    diff_cold, diff = timed_get(client, f"{api}/diffs/{revid}")
    diff_warm = [timed_get(client, f"{api}/diffs/{revid}")[0] for _ in range(repeat)]
    csv_time, csv = timed_get(client, f"{api}/revisions.csv")
    scripts = [f"js/{p.name}" for p in sorted((ROOT / "src/wikivice/web/static/js").glob("*.js"))]
    assets = {
        name: client.get(f"/static/{name}").content
        for name in ("app.css", "dashboard.css", "js/vocabulary.js", *scripts)
    }
    topojson = client.get("/static/topojson/world_110m.json").content
    plotly = client.get("/static/vendor/plotly.min.js").content
    loaded = recent.content + extract.content + diff.content + topojson
    charts = sum(len(m) for m in _chart_blocks(first.text))
    return {
        "cold_seconds": cold,
        "warm_median_seconds": statistics.median(warm),
        "warm_p90_seconds": sorted(warm)[int(0.9 * (len(warm) - 1))],
        "warm_max_seconds": max(warm),
        "not_modified_median_seconds": statistics.median(held) if held else float("nan"),
        "fragment_median_seconds": statistics.median(fragment),
        "recent_edits_median_seconds": statistics.median(recent_times),
        "diff_cold_seconds": diff_cold,
        "diff_warm_median_seconds": statistics.median(diff_warm),
        "csv_seconds": csv_time,
        "csv_bytes": len(csv.content),
        "html": weight(first.content),
        "chart_json_in_html_bytes": charts,
        "our_js_css": weight(b"".join(assets.values())),
        "json_after_load": weight(loaded),
        "plotly_js": weight(plotly),
    }


def _chart_blocks(html: str) -> list[str]:
    import re

    return re.findall(r'class="chart-data"[^>]*>(.*?)</script>', html, re.S)


def report(r: dict[str, Any]) -> None:
    def ms(key: str) -> str:
        return f"{r[key] * 1000:8.1f} ms"

    def mark(ok: bool) -> str:
        return "ok" if ok else "OVER"

    print(f"dashboard of {r['title']}:")
    cold_ok, warm_ok = r["cold_seconds"] <= COLD_BAR, r["warm_median_seconds"] <= WARM_BAR
    print(f"  cold (figures computed):      {ms('cold_seconds')}  bar  600 ms {mark(cold_ok)}")
    print(f"  cold (figures kept, new process): {ms('cold_cached_seconds')}")
    print(
        f"  warm median:                  {ms('warm_median_seconds')}  bar   50 ms {mark(warm_ok)}"
    )
    print(f"  warm p90 / max:               {ms('warm_p90_seconds')} / {ms('warm_max_seconds')}")
    print(f"  304 with its ETag (median):   {ms('not_modified_median_seconds')}")
    print(f"  fragment (after a fetch):     {ms('fragment_median_seconds')}")
    print(f"  recent edits JSON:            {ms('recent_edits_median_seconds')}")
    diff_cold, diff_warm = ms("diff_cold_seconds"), ms("diff_warm_median_seconds")
    print(f"  diff: from the wiki / cached: {diff_cold} / {diff_warm}")
    print(f"  revisions CSV ({r['csv_bytes'] / 2**20:.1f} MB):      {ms('csv_seconds')}")
    print("page weight (raw, gzip -6):")
    for key, what in (
        ("html", "HTML (with chart JSON)"),
        ("our_js_css", "app + dashboard JS and CSS"),
        ("json_after_load", "JSON loaded after (recent, lead, diff, map)"),
        ("plotly_js", "plotly.min.js (cached after the first page)"),
    ):
        raw, packed = r[key]
        print(f"  {what:46} {kb(raw)} {kb(packed)}")
    print(f"  of which chart JSON in the HTML: {kb(r['chart_json_in_html_bytes'])}")


if __name__ == "__main__":
    main()
