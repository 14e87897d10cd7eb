"""Recent activity and diffs: MediaWiki's diff table read into plain lines, the cache,
and the latest edits and incidents of hand-made histories (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest

from factories import History, example
from support import fetch
from wikivice.figures import activity
from wikivice.jobs.runtime import Runtime
from wikivice.simulator import FaultSpec, SimulatorServer
from wikivice.store.database import Database
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


def test_latest_edits_are_newest_first_with_badges(db: Database) -> None:
    history = example()
    history.edit("Mallory", "2021-07-01T00:00:00Z", 0, tags=("mw-blank", "possible vandalism"))
    page_id = history.store(db)
    with db.read() as conn:
        edits = activity.latest_edits(conn, page_id, limit=4)
    assert [e["timestamp"] for e in edits] == [
        "2021-07-01T00:00:00Z",
        "2021-06-01T00:00:00Z",
        "2021-01-01T00:00:00Z",
        "2020-03-02T00:00:00Z",
    ]
    assert edits[0]["user"] == "Mallory" and edits[0]["delta"] == -500
    assert edits[0]["badges"] == ["vandalism"]
    assert edits[0]["tags"] == ["mw-blank", "possible vandalism"]
    assert edits[3]["user"] is None and edits[3]["user_hidden"] and edits[3]["kind"] == "hidden"


def test_latest_incident_is_the_newest_revert_with_whom_it_undid(db: Database) -> None:
    page_id = example().store(db)
    with db.read() as conn:
        incident = activity.latest_incident(conn, page_id)
    assert incident is not None
    # Row 5: Alice restores the text the temporary account blanked.
    assert incident["timestamp"] == "2020-02-01T13:00:00Z" and incident["user"] == "Alice"
    assert incident["badges"] == ["revert"] and incident["undid"] == ["~2025-00001-01"]


def test_latest_incident_includes_vandalism_tags_and_none_without_any(db: Database) -> None:
    quiet = History("Quiet", pageid=2)
    quiet.edit("Alice", "2020-01-01T00:00:00Z", 10)
    quiet.edit("Bob", "2020-01-02T00:00:00Z", 20)
    tagged = History("Tagged", pageid=3)
    tagged.edit("Alice", "2020-01-01T00:00:00Z", 10)
    tagged.edit("203.0.113.9", "2020-01-02T00:00:00Z", 5, tags=("possible vandalism",))
    quiet_id, tagged_id = quiet.store(db), tagged.store(db)
    with db.read() as conn:
        assert activity.latest_incident(conn, quiet_id) is None
        incident = activity.latest_incident(conn, tagged_id)
    assert incident is not None
    assert incident["user"] == "203.0.113.9" and incident["badges"] == ["vandalism"]
    assert incident["undid"] == []


def test_stored_revision_belongs_to_its_page(db: Database) -> None:
    first, second = History("First", pageid=1), History("Second", pageid=2)
    revid = first.edit("Alice", "2020-01-01T00:00:00Z", 10)
    other = second.edit("Bob", "2020-01-01T00:00:00Z", 10)
    first_id, _ = first.store(db), second.store(db)
    with db.read() as conn:
        found = activity.stored_revision(conn, first_id, revid)
        assert found is not None and found["user"] == "Alice"
        assert activity.stored_revision(conn, first_id, other) is None
