"""Dashboards kept and validated (issue 11, parts 3 and 6): ETags and 304s for the
dashboard fragment, the article page and the stats API, a new ETag once a batch is
stored, and the partial dashboard of a fetch under way or stopped short, labelled (SQLite
and PostgreSQL, a real uvicorn, the simulator)."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import func, select

from support import LiveServer, fetch
from wikivice.jobs.analyses import start_analysis
from wikivice.jobs.control import cancel, requeue_stopped
from wikivice.jobs.runner import run_claimed
from wikivice.jobs.runtime import Runtime
from wikivice.settings import Settings
from wikivice.simulator import SimulatorServer
from wikivice.store.models import Revision
from wikivice.store.vocabulary import Canceller, JobStatus
from wikivice.web.app import create_app
from wikivice.web.renders import Rendered, Renders, etag
from wikivice.wiki.sites import parse_wiki


@pytest.fixture
def web(wiki_settings: Settings, rt: Runtime) -> Iterator[httpx.Client]:
    """The app without a worker (jobs are run here, step by step), over `rt`'s database."""
    with LiveServer(create_app(wiki_settings, worker=False)) as live:
        with httpx.Client(base_url=live.url, timeout=30) as http:
            yield http


def urls_of(simulator: SimulatorServer, title: str) -> dict[str, str]:
    key, slug = parse_wiki(simulator.api_url).key, title.replace(" ", "_")
    return {
        "fragment": f"/dashboard/{key}/{slug}",
        "article": f"/wiki/{key}/{slug}",
        "stats": f"/api/pages/{key}/{slug}/stats",
    }


ON_ITS_WAY = "the rest is on its way."
NOT_HERE = "the fetch stopped, so the rest of the history is not here."
NOTICE_WORDS = re.compile(r'<span id="partial-(running|stopped)"( hidden)?>([^<]*)</span>')


def notice_of(html: str) -> str:
    """A partial dashboard's notice as a browser shows it before its script runs: of
    its two wordings (both there, for progress.js to switch), the one not hidden."""
    words = {kind: (text, bool(hidden)) for kind, hidden, text in NOTICE_WORDS.findall(html)}
    assert set(words) == {"running", "stopped"}, words
    shown = [text for text, hidden in words.values() if not hidden]
    assert len(shown) == 1, words
    return shown[0]


def stored(rt: Runtime) -> int:
    with rt.db.read() as conn:
        return int(conn.execute(select(func.count()).select_from(Revision)).scalar_one())


class StopAt(threading.Event):
    """A worker's stop signal that trips once `most` revisions are stored."""

    def __init__(self, rt: Runtime, most: int) -> None:
        super().__init__()
        self.rt, self.most = rt, most

    def is_set(self) -> bool:
        return stored(self.rt) >= self.most


def test_an_unchanged_dashboard_answers_304_and_a_new_batch_a_new_etag(
    web: httpx.Client, rt: Runtime, simulator: SimulatorServer
) -> None:
    fetch(rt, "Synthetic 741")
    tags: dict[str, str] = {}
    for name, url in urls_of(simulator, "Synthetic 741").items():
        first = web.get(url)
        assert first.status_code == 200 and first.headers["cache-control"] == "no-cache"
        tags[name] = first.headers["etag"]
        again = web.get(url, headers={"If-None-Match": tags[name]})
        assert again.status_code == 304 and again.content == b"", name
        assert again.headers["etag"] == tags[name]
        assert web.get(url, headers={"If-None-Match": '"other"'}).status_code == 200
    assert tags["stats"].startswith('W/"')  # its `now` moves, its meaning does not
    simulator.sim.grow("Synthetic 741", 3)  # three new edits on the wiki
    fetch(rt, "Synthetic 741")  # the refresh stores them
    for name, url in urls_of(simulator, "Synthetic 741").items():
        changed = web.get(url, headers={"If-None-Match": tags[name]})
        assert changed.status_code == 200, name
        assert changed.headers["etag"] != tags[name]
    assert "744" in web.get(urls_of(simulator, "Synthetic 741")["fragment"]).text


def test_the_dashboard_body_is_rendered_once_for_every_visitor(
    web: httpx.Client, rt: Runtime, simulator: SimulatorServer
) -> None:
    fetch(rt, "Synthetic 742")
    urls = urls_of(simulator, "Synthetic 742")
    pages = [web.get(urls["article"]).text for _ in range(3)]
    assert pages[0] == pages[1] == pages[2] and 'id="dashboard-body"' in pages[0]
    fragment = web.get(urls["fragment"]).text
    assert fragment.count('class="chart-data"') == pages[0].count('class="chart-data"') > 0


def test_a_fetch_under_way_shows_a_labelled_partial_dashboard(
    web: httpx.Client, rt: Runtime, simulator: SimulatorServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from wikivice.web import renders as module

    # Each view here may be a new rendering (how often is the next test's subject).
    monkeypatch.setattr(module, "GROUP_GAP", 0.0)
    monkeypatch.setattr(module, "GROUP_COST_FACTOR", 0)
    fetch(rt, "Synthetic 20")  # the wiki's bot accounts known: the lookup brings 500
    site = parse_wiki(simulator.api_url)
    analysis = start_analysis(rt, site, "Synthetic 3000", enqueue=False)
    assert analysis.job_id is not None
    urls = urls_of(simulator, "Synthetic 3000")
    first = web.get(urls["fragment"])
    assert first.status_code == 200 and 'data-partial="yes"' in first.text
    assert (
        notice_of(first.text) == "Based on the first 500 edits stored, oldest first: " + ON_ITS_WAY
    )
    assert 'id="recent"' not in first.text and 'class="chart-data"' in first.text
    assert (
        web.get(urls["fragment"], headers={"If-None-Match": first.headers["etag"]}).status_code
        == 304
    )
    # The job stores a few batches, then its worker stops: the partial view follows.
    claim = rt.jobs.claim(analysis.job_id)
    assert claim is not None
    run_claimed(rt, claim, StopAt(rt, 1000), requeue=lambda job_id: None)
    later = web.get(urls["fragment"], headers={"If-None-Match": first.headers["etag"]})
    assert later.status_code == 200 and later.headers["etag"] != first.headers["etag"]
    job = rt.jobs.get(analysis.job_id)
    assert job is not None and job.done >= 1000
    assert job.total is not None  # the wiki's count (it leaves out hidden revisions)
    # What its figures were computed from; the total is the progress bar's to say.
    assert (
        notice_of(later.text)
        == f"Based on the first {job.done:,} edits stored, oldest first: " + ON_ITS_WAY
    )
    # The article page while it runs: the bar first; the page asks for this afterwards.
    page = web.get(urls["article"]).text
    assert 'id="progress"' in page and 'id="dashboard-body"' not in page
    # It fails: what it stored stays on view, with the reason, and exactly what it
    # stored, however recent the last partial view (the gaps are back as they are).
    monkeypatch.undo()
    claim = rt.jobs.claim(analysis.job_id)
    assert claim is not None
    rt.jobs.fail(claim, "127.0.0.1 stopped answering")
    failed = web.get(urls["article"]).text
    assert "Failed: 127.0.0.1 stopped answering" in failed
    assert (
        notice_of(failed)
        == f"Based on the first {job.done:,} edits stored, oldest first: " + NOT_HERE
    )
    assert 'data-partial="yes"' in failed


def test_the_partial_notice_follows_the_job_through_cancel_and_resume(
    web: httpx.Client, rt: Runtime, simulator: SimulatorServer
) -> None:
    analysis = start_analysis(rt, parse_wiki(simulator.api_url), "Synthetic 3000", enqueue=False)
    assert analysis.job_id is not None
    claim = rt.jobs.claim(analysis.job_id)
    assert claim is not None
    run_claimed(rt, claim, StopAt(rt, 500), requeue=lambda job_id: None)  # queued again
    job = rt.jobs.get(analysis.job_id)
    assert job is not None and 0 < job.done < 3000 and job.status == JobStatus.QUEUED
    urls = urls_of(simulator, "Synthetic 3000")
    based_on = f"Based on the first {job.done:,} edits stored, oldest first: "
    waiting = web.get(urls["fragment"])
    assert notice_of(waiting.text) == based_on + ON_ITS_WAY
    # Cancelled: the same revisions, other words, so another ETag; the article page
    # shows it at once, as it is.
    assert cancel(rt.jobs, job.id, Canceller.REQUESTER)
    cancelled = web.get(urls["fragment"], headers={"If-None-Match": waiting.headers["etag"]})
    assert cancelled.status_code == 200
    assert notice_of(cancelled.text) == based_on + NOT_HERE
    assert notice_of(web.get(urls["article"]).text) == based_on + NOT_HERE
    # Resumed: on its way again.
    assert requeue_stopped(rt.jobs, job.id, (JobStatus.CANCELLED,), "resumed")
    resumed = web.get(urls["fragment"], headers={"If-None-Match": cancelled.headers["etag"]})
    assert resumed.status_code == 200
    assert notice_of(resumed.text) == based_on + ON_ITS_WAY


def test_a_page_with_nothing_stored_has_no_dashboard_to_show(
    web: httpx.Client, rt: Runtime, simulator: SimulatorServer
) -> None:
    start_analysis(rt, parse_wiki(simulator.api_url), "Synthetic 743", enqueue=False)
    answer = web.get(urls_of(simulator, "Synthetic 743")["fragment"])
    assert answer.status_code == 404 and "has not been analysed yet" in answer.text


def test_renders_keep_the_most_recent_few() -> None:
    renders = Renders(kept=2)
    renders.put("a", "<p>a</p>", 1)
    renders.put("b", "<p>b</p>", 2)
    assert renders.get("a") is not None  # now the most recent
    renders.put("c", "<p>c</p>", 3)
    assert renders.get("b") is None and len(renders) == 2
    assert (renders.hits, renders.misses) == (1, 1)


def test_etags_differ_with_what_they_describe() -> None:
    assert etag("x", 1) == etag("x", 1) != etag("x", 2)
    assert etag("x", weak=True) == "W/" + etag("x")


def test_a_kept_answer_is_the_same_page_compressed_or_not(
    web: httpx.Client, rt: Runtime, simulator: SimulatorServer
) -> None:
    fetch(rt, "Synthetic 744")
    for url in list(urls_of(simulator, "Synthetic 744").values())[:2]:
        plain = web.get(url, headers={"Accept-Encoding": "identity"})
        packed = [web.get(url, headers={"Accept-Encoding": "gzip"}) for _ in range(2)]
        refused = web.get(url, headers={"Accept-Encoding": "gzip;q=0, identity"})
        assert "content-encoding" not in plain.headers
        assert "content-encoding" not in refused.headers and refused.text == plain.text
        for answer in packed:
            assert answer.headers["content-encoding"] == "gzip"
            assert answer.headers["etag"] == plain.headers["etag"]
            assert answer.text == plain.text  # httpx took the gzip off
        assert packed[0].headers["content-security-policy"]  # the security headers too


def test_a_group_is_rendered_once_at_a_time_and_not_more_often_than_its_gap(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A running job's partial dashboards: however many ask (eight threads here, each
    with a newer count), one rendering at a time; in between, the last one."""
    import time

    from wikivice.web import renders as module

    renders = Renders()
    rendered: list[int] = []
    gate = threading.Event()
    gate.set()

    def render(n: int) -> Rendered:
        rendered.append(n)
        gate.wait(5)  # a slow computation
        return Rendered(f"<p>{n}</p>", n)

    first = renders.throttled("job", ("job", 0), lambda: render(0))  # the group's first
    assert first == (("job", 0), Rendered("<p>0</p>", 0)) and rendered == [0]
    # Recent: every newer count gets the last rendering, nothing is computed.
    answers = [renders.throttled("job", ("job", n), lambda n=n: render(n)) for n in (1, 2)]
    assert [key for key, _ in answers] == [("job", 0), ("job", 0)] and rendered == [0]
    # Past its gap, one thread renders the newest; the others get the last one meanwhile.
    monkeypatch.setattr(module, "GROUP_GAP", 0.0)
    monkeypatch.setattr(module, "GROUP_COST_FACTOR", 0)
    gate.clear()
    got: list[object] = []
    threads = [
        threading.Thread(
            target=lambda n=n: got.append(renders.throttled("job", ("job", n), lambda: render(n)))
        )
        for n in range(10, 18)
    ]
    for thread in threads:
        thread.start()
        time.sleep(0.01)
    time.sleep(0.1)
    gate.set()
    for thread in threads:
        thread.join(5)
    assert len(rendered) == 2 and rendered[1] >= 10  # one more rendering, not eight
    assert sorted({key for key, _ in got}) == sorted({("job", 0), ("job", rendered[1])})
    # Another group is not held up by this one.
    assert renders.throttled("other", ("other", 1), lambda: Rendered("x", 1))[0] == ("other", 1)
