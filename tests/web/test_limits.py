"""The abuse limits over a real uvicorn (issue 10): per-client rate limits, job caps and
the stream cap; each refusal a 429 (503 when the service is full) with Retry-After, JSON
under /api/ and a page for people; another client unaffected.

Clients are named by X-Forwarded-For, which the test server trusts from 127.0.0.1 (as
`wikivice serve` does from `WIKIVICE_FORWARDED_ALLOW_IPS`)."""

from __future__ import annotations

import contextlib
import logging
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from support import LiveServer, make_settings, read_events
from wikivice.settings import Settings
from wikivice.simulator import SimulatorServer
from wikivice.web.app import create_app

ALICE = {"X-Forwarded-For": "203.0.113.1"}
BOB = {"X-Forwarded-For": "203.0.113.2"}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@contextlib.contextmanager
def serve(settings: Settings, **server: Any) -> Iterator[httpx.Client]:
    """The app (no worker: jobs stay queued) and a client of it."""
    with LiveServer(create_app(settings, worker=False), **server) as live:
        with httpx.Client(base_url=live.url, timeout=30) as http:
            yield http


def limited(tmp_path: Path, simulator: SimulatorServer, **changes: Any) -> Settings:
    return make_settings(tmp_path, default_wiki=simulator.api_url, **changes)


def analyse(http: httpx.Client, title: str, who: dict[str, str]) -> httpx.Response:
    return http.post("/api/analyses", json={"title": title}, headers=who)


def assert_refused(response: httpx.Response, status: int = 429) -> int:
    """A refusal as the API gives it: status, Retry-After, ErrorOut; returns the wait."""
    assert response.status_code == status, response.text
    wait = int(response.headers["Retry-After"])
    assert wait >= 1
    body = response.json()
    assert set(body) == {"detail", "suggestions"} and body["detail"]
    return wait


def test_analyses_past_the_rate_get_429_and_another_client_is_unaffected(
    tmp_path: Path, simulator: SimulatorServer
) -> None:
    from wikivice import metrics

    settings = limited(tmp_path, simulator, rate_limit_analyses="3/minute;50/hour")
    counted = metrics.REFUSALS.labels("analyses")
    with serve(settings) as http:
        for n in range(3):
            assert analyse(http, f"Synthetic {n + 10}", ALICE).status_code == 202
        before = counted._value.get()
        refused = analyse(http, "Synthetic 20", ALICE)
        wait = assert_refused(refused)
        assert counted._value.get() == before + 1  # wikivice_refusals{limit="analyses"}
        assert 50 <= wait <= 60  # the oldest of the three leaves the minute's window then
        assert "3 per 1 minute" in refused.json()["detail"]
        assert analyse(http, "Synthetic 20", BOB).status_code == 202
        # The form posts count against the same limit, and people get a page.
        page = http.post("/search", content="title=Synthetic+21", headers={**FORM, **ALICE})
        assert page.status_code == 429 and int(page.headers["Retry-After"]) >= 1
        assert page.headers["content-type"].startswith("text/html")
        assert "Please wait a moment" in page.text and "try again in" in page.text


def test_random_and_analyse_buttons_count_as_analyses(
    tmp_path: Path, simulator: SimulatorServer
) -> None:
    settings = limited(tmp_path, simulator, rate_limit_analyses="2/minute")
    with serve(settings) as http:
        assert http.post("/random", content="wiki=", headers={**FORM, **ALICE}).status_code == 303
        form = "title=Synthetic+30"
        assert http.post("/analyse", content=form, headers={**FORM, **ALICE}).status_code == 303
        for path in ("/random", "/analyse", "/search"):
            answer = http.post(path, content=form, headers={**FORM, **ALICE})
            assert answer.status_code == 429 and "Retry-After" in answer.headers


def test_a_comparison_counts_each_analysis_it_starts(
    tmp_path: Path, simulator: SimulatorServer
) -> None:
    # Found by a probe: one POST /compare started two analyses and counted one, so a
    # client's analyses came at twice the setting's rate.
    from sqlalchemy import select

    from wikivice.store.database import Database
    from wikivice.store.models import Page

    settings = limited(tmp_path, simulator, rate_limit_analyses="3/minute")
    db = Database(settings.sqlalchemy_url)

    def stored() -> set[str]:
        with db.read() as conn:
            return set(conn.execute(select(Page.title)).scalars())

    with serve(settings) as http:
        pair = "a=Synthetic+40&b=Synthetic+41"
        assert http.post("/compare", content=pair, headers={**FORM, **ALICE}).status_code == 303
        assert {"Synthetic 40", "Synthetic 41"} <= stored()
        pair = "a=Synthetic+42&b=Synthetic+43"  # the third analysis passes, the fourth not
        refused = http.post("/compare", content=pair, headers={**FORM, **ALICE})
        assert refused.status_code == 429 and "Retry-After" in refused.headers
        assert analyse(http, "Synthetic 44", ALICE).status_code == 429
        assert not {"Synthetic 42", "Synthetic 43", "Synthetic 44"} & stored()
        assert http.post("/compare", content=pair, headers={**FORM, **BOB}).status_code == 303
        assert {"Synthetic 42", "Synthetic 43"} <= stored()
    db.dispose()


def test_lookups_and_exports_have_limits_of_their_own(
    tmp_path: Path, simulator: SimulatorServer, key: str
) -> None:
    settings = limited(
        tmp_path, simulator, rate_limit_lookups="2/minute", rate_limit_exports="1/minute"
    )
    with LiveServer(create_app(settings)) as live, httpx.Client(base_url=live.url) as http:
        suggestions = f"/api/wikis/{key}/suggestions?q=Synth"
        assert http.get(suggestions, headers=ALICE).status_code == 200
        assert http.get(f"/api/wikis/{key}/random", headers=ALICE).status_code == 200
        assert_refused(http.get(f"/api/wikis/{key}/recent-changes", headers=ALICE))
        assert http.get(suggestions, headers=BOB).status_code == 200
        # Analyses are not lookups: Alice may still analyse, then download once.
        job = analyse(http, "Synthetic 40", ALICE).json()
        with http.stream("GET", job["events_url"], timeout=30) as events:
            events.read()
        csv = f"/api/pages/{key}/Synthetic_40/revisions.csv"
        assert http.get(csv, headers=ALICE).status_code == 200
        assert_refused(http.get(csv.replace(".csv", ".json"), headers=ALICE))
        assert http.get(csv, headers=BOB).status_code == 200
        # The history explorer's pages are lookups (each may scan 20,000 revisions),
        # asked as JSON or as the article page's filtered history (without JavaScript);
        # the article page itself and its paging are not.
        history = f"/api/pages/{key}/Synthetic_40/revisions?kind=anon"
        assert_refused(http.get(history, headers=ALICE))
        assert http.get(history, headers=BOB).status_code == 200
        article = f"/wiki/{key}/Synthetic_40"
        for _ in range(3):
            assert http.get(article, headers=ALICE).status_code == 200
        assert http.get(f"{article}?before=999999999999999", headers=ALICE).status_code == 200
        refused = http.get(f"{article}?q=rv", headers={**ALICE, "Accept": "text/html"})
        assert refused.status_code == 429 and "try again in" in refused.text
        fragment = f"/dashboard/{key}/Synthetic_40?kind=bot"
        assert http.get(fragment, headers=ALICE).status_code == 429


def test_x_forwarded_for_counts_only_from_a_trusted_proxy(
    tmp_path: Path, simulator: SimulatorServer, key: str
) -> None:
    settings = limited(tmp_path, simulator, rate_limit_lookups="2/minute")
    with serve(settings, forwarded_allow_ips="192.0.2.9") as http:  # we are not that proxy
        url = f"/api/wikis/{key}/suggestions?q=S"
        assert http.get(url, headers=ALICE).status_code == 200
        assert http.get(url, headers=BOB).status_code == 200
        assert_refused(http.get(url, headers={"X-Forwarded-For": "203.0.113.3"}))


def test_redis_limits_are_shared_by_two_app_instances(
    tmp_path: Path, simulator: SimulatorServer, key: str, redis_url: str
) -> None:
    settings = limited(tmp_path, simulator, rate_limit_lookups="3/minute", redis_url=redis_url)
    url = f"/api/wikis/{key}/suggestions?q=S"
    with serve(settings) as one, serve(settings) as two:
        assert one.get(url, headers=ALICE).status_code == 200
        assert two.get(url, headers=ALICE).status_code == 200
        assert one.get(url, headers=ALICE).status_code == 200
        assert_refused(two.get(url, headers=ALICE))
        assert_refused(one.get(url, headers=ALICE))
        assert two.get(url, headers=BOB).status_code == 200


def test_limits_fail_open_with_a_warning_when_redis_is_down(
    tmp_path: Path, simulator: SimulatorServer, key: str, caplog: pytest.LogCaptureFixture
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))  # a port nobody listens on
        dead = f"redis://127.0.0.1:{sock.getsockname()[1]}/0"
        settings = limited(tmp_path, simulator, rate_limit_exports="1/minute", redis_url=dead)
        caplog.set_level(logging.WARNING, logger="wikivice.web.ratelimits")
        with serve(settings) as http:
            # An export reads only the database: nothing else here needs Redis.
            url = f"/api/pages/{key}/Never_analysed/revisions.csv"
            answers = [http.get(url, headers=ALICE).status_code for _ in range(4)]
    assert answers == [404] * 4  # neither 500 nor 429: the limit let them through
    warnings = [r for r in caplog.records if "rate limits are not enforced" in r.message]
    assert len(warnings) == 1  # said once, not once per request


# -- job caps ----------------------------------------------------------------------------


def test_job_caps_per_client_and_overall(wiki_settings: Settings) -> None:
    settings = wiki_settings.model_copy(update={"max_queued_per_client": 2, "max_queued_jobs": 3})
    with serve(settings) as http:
        first = analyse(http, "Synthetic 101", ALICE)
        assert first.status_code == 202
        assert analyse(http, "Synthetic 102", ALICE).status_code == 202
        refused = analyse(http, "Synthetic 103", ALICE)
        assert_refused(refused, 429)
        assert "2 analyses waiting or running" in refused.json()["detail"]
        # Joining the job already running for an article is always allowed.
        joined = analyse(http, "Synthetic 101", ALICE)
        assert joined.status_code == 202 and joined.json()["job_id"] == first.json()["job_id"]
        assert joined.json()["joined"]
        assert analyse(http, "Synthetic 101", BOB).json()["joined"]
        # Bob has his own cap; the service's is 3 jobs.
        assert analyse(http, "Synthetic 104", BOB).status_code == 202
        busy = analyse(http, "Synthetic 105", {"X-Forwarded-For": "203.0.113.3"})
        assert_refused(busy, 503)
        page = http.post("/search", content="title=Synthetic+106", headers={**FORM, **BOB})
        assert page.status_code == 503 and "Retry-After" in page.headers
        assert "busy" in page.text


def test_web_jobs_record_their_client_and_revision_limit(wiki_settings: Settings) -> None:
    from sqlalchemy import select

    from wikivice.store.database import Database
    from wikivice.store.models import FetchJob

    settings = wiki_settings.model_copy(update={"max_revisions": 1234})
    with serve(settings) as http:
        analyse(http, "Synthetic 111", {"X-Forwarded-For": "2001:db8:1:2:3:4:5:6"})
    db = Database(settings.sqlalchemy_url)
    try:
        with db.read() as conn:
            row = conn.execute(select(FetchJob.requested_by, FetchJob.revision_limit)).one()
    finally:
        db.dispose()
    assert tuple(row) == ("2001:db8:1:2::/64", 1234)


# -- the stream cap ----------------------------------------------------------------------


def test_streams_past_the_cap_get_429_and_closing_one_frees_its_slot(
    tmp_path: Path, simulator: SimulatorServer
) -> None:
    settings = limited(tmp_path, simulator, max_streams_per_client=2)
    with serve(settings) as http:
        events_url = analyse(http, "Synthetic 120", ALICE).json()["events_url"]
        with contextlib.ExitStack() as streams:
            opened = [
                streams.enter_context(http.stream("GET", events_url, headers=ALICE))
                for _ in range(2)
            ]
            assert [s.status_code for s in opened] == [200, 200]
            third = http.get(events_url, headers=ALICE)
            assert_refused(third)
            assert "open progress streams" in third.json()["detail"]
            with http.stream("GET", events_url, headers=BOB) as other:
                assert other.status_code == 200
            opened[0].close()
            assert_eventually_open(http, events_url)


def assert_eventually_open(http: httpx.Client, url: str) -> None:
    """The server notices a closed stream at its next write or disconnect check."""
    import time

    deadline = time.monotonic() + 10
    while True:
        with http.stream("GET", url, headers=ALICE) as again:
            if again.status_code == 200:
                return
            assert again.status_code == 429
        assert time.monotonic() < deadline, "the closed stream's slot was never freed"
        time.sleep(0.1)


# -- the revision limit, as people see it --------------------------------------------------


def test_a_history_cut_at_the_revision_limit_says_why_on_its_pages(
    tmp_path: Path, simulator: SimulatorServer, key: str
) -> None:
    settings = limited(tmp_path, simulator, max_revisions=1200, fresh_seconds=0)
    with LiveServer(create_app(settings)) as live, httpx.Client(base_url=live.url) as http:
        job = analyse(http, "Synthetic 3000", ALICE).json()
        events = read_events(http, job["events_url"])
        done = events[-1]
        assert done.event == "done" and done.data["done"] == 1200
        assert done.data["message"].startswith("Stopped at 1,200 revisions, the most this")
        for url in (f"/wiki/{key}/Synthetic_3000", f"/dashboard/{key}/Synthetic_3000"):
            page = http.get(url)
            assert page.status_code == 200
            assert "Stopped at 1,200 revisions, the most this server fetches" in page.text
            assert 'id="revision-limit"' in page.text
            assert 'id="refresh"' not in page.text  # a refresh would stop at once


def test_client_keys_name_ipv4_addresses_and_ipv6_networks() -> None:
    from wikivice.web.clients import key_for_host

    assert key_for_host("203.0.113.7") == "203.0.113.7"
    assert key_for_host("2001:db8:a:b:1:2:3:4") == key_for_host("2001:db8:a:b:ffff::1")
    assert key_for_host("2001:db8:a:b:1:2:3:4") == "2001:db8:a:b::/64"
    assert key_for_host("2001:db8:a:c::1") != key_for_host("2001:db8:a:b::1")
    assert key_for_host("::ffff:203.0.113.7") == "203.0.113.7"
    assert key_for_host("testclient") == "testclient" and key_for_host("") == "unknown"
    assert len(key_for_host("x" * 500)) == 64  # fits fetch_jobs.requested_by


def test_ipv6_clients_share_the_limit_of_their_64(
    tmp_path: Path, simulator: SimulatorServer, key: str
) -> None:
    settings = limited(tmp_path, simulator, rate_limit_lookups="2/minute")
    with serve(settings) as http:
        url = f"/api/wikis/{key}/suggestions?q=S"
        for address in ("2001:db8:5:6::1", "2001:db8:5:6::2"):
            assert http.get(url, headers={"X-Forwarded-For": address}).status_code == 200
        assert_refused(http.get(url, headers={"X-Forwarded-For": "2001:db8:5:6:7::9"}))
        assert http.get(url, headers={"X-Forwarded-For": "2001:db8:5:7::1"}).status_code == 200


def test_a_bad_rate_setting_is_a_clear_error_at_start_up(tmp_path: Path) -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="is not a rate: write `N/unit`"):
        make_settings(tmp_path, rate_limit_analyses="twenty a minute")


def test_wikivice_serve_with_a_bad_rate_says_which_setting_in_one_line() -> None:
    import os
    import subprocess
    import sys

    command = [str(Path(sys.executable).parent / "wikivice"), "serve", "--port", "1"]
    env = {**os.environ, "WIKIVICE_RATE_LIMIT_EXPORTS": "lots"}
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0 and done.stderr.startswith("wikivice: ")
    assert "WIKIVICE_RATE_LIMIT_EXPORTS" in done.stderr and "is not a rate" in done.stderr
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_a_black_holed_redis_costs_one_short_wait_then_none(tmp_path: Path) -> None:
    """Redis accepts the connection and never answers: the first check waits its short
    timeout and lets the request through; the next ones do not ask it at all."""
    import asyncio
    import time

    from wikivice.web.ratelimits import REDIS_TIMEOUT, Limit, RateLimits

    with socket.socket() as hole:
        hole.bind(("127.0.0.1", 0))
        hole.listen(100)  # the kernel accepts; nobody ever reads
        url = f"redis://127.0.0.1:{hole.getsockname()[1]}/0"
        limits = RateLimits(make_settings(tmp_path, rate_limit_lookups="1/minute", redis_url=url))

        async def timed() -> float:
            started = time.monotonic()
            await limits.check(Limit.LOOKUPS, "203.0.113.1")
            return time.monotonic() - started

        first, *later = asyncio.run(_in_turn([timed] * 5))
    assert first < REDIS_TIMEOUT * 3 and max(later) < 0.05


async def _in_turn(calls: list[Any]) -> list[float]:
    return [await call() for call in calls]
