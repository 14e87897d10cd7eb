"""Diffs: MediaWiki's diff table read into plain lines, and the cache (the latest edits
and incidents are figures: tests/figures/test_activity.py)."""

from __future__ import annotations

import pytest

from support import fetch
from wikivice.jobs.runtime import Runtime
from wikivice.simulator import FaultSpec, SimulatorServer
from wikivice.wiki.diffs import Diffs, LruCache, parse_diff
from wikivice.wiki.errors import MediaWikiError
from wikivice.wiki.sites import parse_wiki

# wikidiff2's table rows, as MediaWiki's action=compare returns them in `body`.
KEPT = "<div>Kept &amp; &lt;ref&gt;unchanged&lt;/ref&gt;</div>"
OLD = '<div>The <del class="diffchange diffchange-inline">old</del> word</div>'
NEW = '<div>The <ins class="diffchange diffchange-inline">new</ins> word</div>'
BODY = f"""<tr>
  <td colspan="2" class="diff-lineno" id="mw-diff-left-l4">Line 4:</td>
  <td colspan="2" class="diff-lineno">Line 5:</td>
</tr>
<tr>
  <td class="diff-marker"></td>
  <td class="diff-context diff-side-deleted">{KEPT}</td>
  <td class="diff-marker"></td>
  <td class="diff-context diff-side-added">{KEPT}</td>
</tr>
<tr>
  <td class="diff-marker" data-marker="\u2212"></td>
  <td class="diff-deletedline diff-side-deleted">{OLD}</td>
  <td class="diff-marker" data-marker="+"></td>
  <td class="diff-addedline diff-side-added">{NEW}</td>
</tr>
<tr>
  <td class="diff-marker" data-marker="\u2212"></td>
  <td class="diff-deletedline diff-side-deleted"><div>Gone</div></td>
  <td colspan="2" class="diff-empty diff-side-added"></td>
</tr>
<tr>
  <td colspan="2" class="diff-empty diff-side-deleted"></td>
  <td class="diff-marker" data-marker="+"></td>
  <td class="diff-addedline diff-side-added"><br /></td>
</tr>
"""


def test_parse_diff_reads_hunks_context_and_changed_words() -> None:
    lines, truncated = parse_diff(BODY)
    assert not truncated
    assert [(line["kind"], line["text"]) for line in lines] == [
        ("hunk", "Line 5"),
        ("context", "Kept & <ref>unchanged</ref>"),
        ("removed", "The old word"),
        ("added", "The new word"),
        ("removed", "Gone"),
        ("added", ""),
    ]
    assert lines[2]["segments"] == [
        {"text": "The ", "changed": False},
        {"text": "old", "changed": True},
        {"text": " word", "changed": False},
    ]
    assert lines[3]["segments"][1] == {"text": "new", "changed": True}


def test_parse_diff_keeps_markup_as_text_and_drops_the_wikis_tags() -> None:
    # Escaped wiki text becomes literal text; real tags (a hostile or broken wiki) are
    # dropped, their text kept: nothing of the wiki's HTML reaches the page as HTML.
    body = (
        '<tr><td class="diff-addedline"><div>&lt;script&gt;alert(1)&lt;/script&gt; '
        '<img src=x onerror=alert(1)>&quot;q&quot; <a href="javascript:x">link</a> '
        "𝔘 \u202e</div></td></tr>"
        '<tr><td class="diff-deletedline"><script>alert(2)</script></td></tr>'
    )
    lines, _ = parse_diff(body)
    assert lines[0]["text"] == '<script>alert(1)</script> "q" link 𝔘 \u202e'
    assert lines[1] == {
        "kind": "removed",
        "text": "alert(2)",
        "segments": [{"text": "alert(2)", "changed": False}],
    }


def test_parse_diff_stops_at_its_character_budget() -> None:
    row = '<tr><td class="diff-addedline"><div>{}</div></td></tr>'
    lines, truncated = parse_diff("".join(row.format("x" * 100) for _ in range(10)), 350)
    assert truncated and len(lines) == 3


def test_lru_cache_drops_the_least_recently_used_by_weight() -> None:
    cache: LruCache[str] = LruCache(10, weigh=len)
    cache.put("a", "aaaa")
    cache.put("b", "bbbb")
    assert cache.get("a") == "aaaa"  # now the most recently used
    cache.put("c", "cccc")
    assert cache.get("b") is None and cache.get("a") == "aaaa" and cache.get("c") == "cccc"
    assert cache.weight == 8
    cache.put("huge", "x" * 11)  # never fits: kept out rather than emptying the cache
    assert cache.get("huge") is None and len(cache) == 2


def test_lru_cache_expires_entries_after_their_ttl() -> None:
    now = [0.0]
    cache: LruCache[str] = LruCache(5, ttl=60, clock=lambda: now[0])
    cache.put("lead", "text")
    now[0] = 59
    assert cache.get("lead") == "text"
    now[0] = 60
    assert cache.get("lead") is None and cache.weight == 0


def test_diff_from_the_simulator_matches_its_texts_and_is_fetched_once(
    rt: Runtime, simulator: SimulatorServer
) -> None:
    fetch(rt, "Synthetic 300")
    truth = simulator.sim.history("Synthetic 300")
    assert truth is not None
    client = rt.wikis.client(parse_wiki(simulator.api_url))
    cache = Diffs()
    idx = 299
    revid = truth.first_revid + idx
    diff = cache.diff(client, revid)
    assert diff["revid"] == revid and diff["parent_revid"] == revid - 1
    old, new = truth.content(idx - 1).split("\n"), truth.content(idx).split("\n")
    kinds = {line["kind"] for line in diff["lines"]}
    assert kinds <= {"hunk", "context", "removed", "added"}
    for line in diff["lines"]:
        if line["kind"] == "added":
            assert line["text"] in new
        elif line["kind"] in ("removed", "context"):
            assert line["text"] in old
    requests = simulator.sim.stats.requests
    assert cache.diff(client, revid) is diff  # a revision never changes: cached
    assert simulator.sim.stats.requests == requests


def test_diff_of_a_failing_wiki_raises_and_is_not_cached(
    rt: Runtime, simulator: SimulatorServer
) -> None:
    client = rt.wikis.client(parse_wiki(simulator.api_url))
    simulator.sim.faults = FaultSpec.parse("5xx=1,retry_after=0")
    cache = Diffs()
    with pytest.raises(MediaWikiError, match="did not answer"):
        cache.diff(client, 3_000_000_001)
    assert len(cache.cache) == 0
