"""The job inspector's door (web/operator.py, routes/admin.py) over a real uvicorn: not
there without WIKIVICE_ADMIN_TOKEN, refused without the token or with a wrong one (in
constant time, and rate limited), open with it (Bearer or the sign-in form's cookie);
its list, a job's event log, and its actions. What a browser sees is
test_browser_admin.py's.

Clients are named by X-Forwarded-For, which the test server trusts from 127.0.0.1."""

from __future__ import annotations

import contextlib
import hmac
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from support import LiveServer, make_settings
from wikivice.settings import Settings
from wikivice.simulator import SimulatorServer
from wikivice.store.vocabulary import JobStatus
from wikivice.web import operator
from wikivice.web.app import create_app

TOKEN = "s3cret-token-for-tests-only"
ALICE = {"X-Forwarded-For": "203.0.113.1"}
BOB = {"X-Forwarded-For": "203.0.113.2"}
BEARER = {"Authorization": f"Bearer {TOKEN}"}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@contextlib.contextmanager
def serve(tmp_path: Path, simulator: SimulatorServer, **changes: Any) -> Iterator[httpx.Client]:
    """The app (no worker: jobs stay queued) and a client of it."""
    settings = make_settings(tmp_path, default_wiki=simulator.api_url, **changes)
    with LiveServer(create_app(settings, worker=False)) as live:
        with httpx.Client(base_url=live.url, timeout=30) as http:
            yield http


@pytest.fixture
def http(tmp_path: Path, simulator: SimulatorServer) -> Iterator[httpx.Client]:
    with serve(tmp_path, simulator, admin_token=SecretStr(TOKEN)) as client:
        yield client


def started(http: httpx.Client, title: str, who: dict[str, str]) -> int:
    response = http.post("/api/analyses", json={"title": title}, headers=who)
    assert response.status_code == 202, response.text
    return int(response.json()["job_id"])


def test_without_a_token_set_there_is_no_inspector(
    tmp_path: Path, simulator: SimulatorServer
) -> None:
    with serve(tmp_path, simulator) as http:
        assert Settings(_env_file=None).admin_token is None  # type: ignore[call-arg]
        for response in (
            http.get("/admin"),
            http.get("/admin/jobs/1"),
            http.get("/api/admin/jobs", headers=BEARER),
            http.post("/admin/login", data={"token": TOKEN}),
        ):
            assert response.status_code == 404, response.text
        assert "Sign in" not in http.get("/admin").text


def test_no_credentials_get_the_sign_in_form_and_401(http: httpx.Client) -> None:
    page = http.get("/admin")
    assert page.status_code == 401 and 'name="token"' in page.text
    assert http.get("/admin/jobs/1").status_code == 401
    api = http.get("/api/admin/jobs")
    assert api.status_code == 401 and "Sign in" in api.json()["detail"]
    assert http.post("/admin/retry-failed", headers=FORM).status_code == 401


def test_a_wrong_token_is_refused_in_constant_time(
    http: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    compared: list[tuple[bytes, bytes]] = []
    original = hmac.compare_digest

    def spy(a: Any, b: Any) -> bool:
        compared.append((a, b))
        return original(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    wrong = {"Authorization": "Bearer not-the-token"}
    assert http.get("/api/admin/jobs", headers=wrong).status_code == 403
    assert compared == [(b"not-the-token", TOKEN.encode())]
    page = http.post("/admin/login", data={"token": "nope ünïcode"})
    assert page.status_code == 403 and "not the right one" in page.text
    assert (b"nope \xc3\xbcn\xc3\xafcode", TOKEN.encode()) in compared
    forged = http.get("/admin", headers={"Cookie": f"{operator.COOKIE}={'0' * 64}"})
    assert forged.status_code == 403
    assert http.get("/api/admin/jobs", headers=BEARER).status_code == 200


def test_the_sign_in_form_sets_a_strict_http_only_cookie(http: httpx.Client) -> None:
    response = http.post("/admin/login", data={"token": TOKEN})
    assert response.status_code == 303 and response.headers["location"] == "/admin"
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "path=/" in cookie
    assert TOKEN.lower() not in cookie  # an HMAC of it, not the token
    page = http.get("/admin")
    assert page.status_code == 200 and 'id="politeness"' in page.text
    http.post("/admin/logout")
    assert http.get("/admin").status_code == 401


def test_sign_in_attempts_are_rate_limited(tmp_path: Path, simulator: SimulatorServer) -> None:
    with serve(
        tmp_path, simulator, admin_token=SecretStr(TOKEN), rate_limit_admin="3/minute"
    ) as http:
        codes = [
            http.post("/admin/login", data={"token": "x"}, headers=ALICE).status_code
            for _ in range(4)
        ]
        assert codes == [403, 403, 403, 429]
        other = http.post("/admin/login", data={"token": TOKEN}, headers=BOB)
        assert other.status_code == 303  # another client is unaffected


def test_a_cross_site_sign_in_is_refused(http: httpx.Client) -> None:
    refused = http.post(
        "/admin/login", data={"token": TOKEN}, headers={"Sec-Fetch-Site": "cross-site"}
    )
    assert refused.status_code == 403 and "set-cookie" not in refused.headers


def test_the_inspector_lists_jobs_by_state_with_their_event_log(http: httpx.Client) -> None:
    queued = started(http, "Synthetic 300", ALICE)
    cancelled = started(http, "Synthetic 301", ALICE)
    assert http.post(f"/api/jobs/{cancelled}/cancel", headers=ALICE).status_code == 200
    body = http.get("/api/admin/jobs", headers=BEARER).json()
    assert body["counts"]["queued"] == 1 and body["counts"]["cancelled"] == 1
    rows = {job["id"]: job for job in body["jobs"]}
    assert rows[queued]["state"] == "queued" and rows[queued]["title"] == "Synthetic 300"
    assert rows[queued]["requested_by"] == ALICE["X-Forwarded-For"]
    assert rows[cancelled]["cancelled_by"] == "requester"
    assert [p["limit"] for p in body["politeness"]] == [3]
    only = http.get("/api/admin/jobs?state=cancelled", headers=BEARER).json()["jobs"]
    assert [job["id"] for job in only] == [cancelled]
    assert http.get("/api/admin/jobs?state=nonsense", headers=BEARER).status_code == 422
    log = http.get(f"/admin/jobs/{cancelled}", headers=BEARER)
    assert log.status_code == 200
    assert log.text.index('id="event-1"') < log.text.index('id="event-2"')
    assert 'data-kind="cancelled"' in log.text
    assert http.get("/admin/jobs/999999", headers=BEARER).status_code == 404


def test_the_inspector_actions_cancel_retry_and_now(http: httpx.Client) -> None:
    job_id = started(http, "Synthetic 302", ALICE)
    act = {**BEARER, **FORM}
    now = http.post(f"/admin/jobs/{job_id}/now", headers=act, data={"back": "/admin?state=queued"})
    assert now.status_code == 303 and now.headers["location"] == "/admin?state=queued"
    cancel = http.post(
        f"/admin/jobs/{job_id}/cancel", headers=act, data={"back": "https://evil.example/"}
    )
    assert cancel.status_code == 303 and cancel.headers["location"] == f"/admin/jobs/{job_id}"
    job = http.get(f"/api/jobs/{job_id}").json()
    assert job["status"] == JobStatus.CANCELLED and job["cancelled_by"] == "operator"
    again = http.post(f"/admin/jobs/{job_id}/now", headers=act)
    assert again.status_code == 409 and "is cancelled, not waiting" in again.text
    missing = http.post("/admin/jobs/999999/now", headers=act)  # a 409 before (a probe)
    assert missing.status_code == 404 and "There is no job 999999" in missing.text
    retry = http.post(f"/admin/jobs/{job_id}/retry", headers=act)
    assert retry.status_code == 303
    assert http.get(f"/api/jobs/{job_id}").json()["status"] == JobStatus.QUEUED
    assert http.post("/admin/retry-failed", headers=act).status_code == 303


# -- Cancel and Resume for the person who started it (routes/control.py) -------------------


def test_only_the_client_that_started_a_job_may_cancel_it(http: httpx.Client) -> None:
    job_id = started(http, "Synthetic 303", ALICE)
    refused = http.post(f"/api/jobs/{job_id}/cancel", headers=BOB)
    assert refused.status_code == 403
    assert "Only the person who started this analysis" in refused.json()["detail"]
    assert http.post(f"/api/jobs/{job_id}/resume", headers=BOB).status_code == 403
    page_refused = http.post(f"/jobs/{job_id}/cancel", headers={**BOB, **FORM})
    assert page_refused.status_code == 403 and "Only the person" in page_refused.text
    ok = http.post(f"/api/jobs/{job_id}/cancel", headers=ALICE)
    assert ok.status_code == 200 and ok.json()["status"] == JobStatus.CANCELLED
    resumed = http.post(f"/api/jobs/{job_id}/resume", headers=ALICE)
    assert resumed.status_code == 202 and resumed.json()["status"] == JobStatus.QUEUED
    by_operator = http.post(f"/api/jobs/{job_id}/cancel", headers=BEARER)  # the admin can always
    assert by_operator.json()["cancelled_by"] == "operator"
    assert http.post("/api/jobs/999999/cancel", headers=ALICE).status_code == 404


def test_the_article_page_cancels_and_resumes_without_javascript(
    http: httpx.Client, key: str
) -> None:
    job_id = started(http, "Synthetic 304", ALICE)
    page = http.get(f"/wiki/{key}/Synthetic_304", headers=ALICE)
    assert f'action="/jobs/{job_id}/cancel"' in page.text
    assert 'id="cancel-form"' not in http.get(f"/wiki/{key}/Synthetic_304", headers=BOB).text
    cancel = http.post(f"/jobs/{job_id}/cancel", headers={**ALICE, **FORM})
    assert (
        cancel.status_code == 303
        and cancel.headers["location"] == "/wiki/" + key + "/Synthetic_304"
    )
    mine = http.get(cancel.headers["location"], headers=ALICE).text
    assert "Cancelled by you after 0 edits; resume to fetch the rest." in mine
    theirs = http.get(cancel.headers["location"], headers=BOB).text
    assert "Cancelled by the person who started it after 0 edits." in theirs
    assert 'id="resume-form"' not in theirs  # but Try again, which starts a new analysis
    assert 'id="retry-form" method="post" action="/analyse" hidden' not in theirs
    assert 'id="retry-form" method="post" action="/analyse" hidden' in mine  # Resume instead
    resume = http.post(f"/jobs/{job_id}/resume", headers={**ALICE, **FORM})
    assert resume.status_code == 303
    assert http.get(f"/api/jobs/{job_id}").json()["status"] == JobStatus.QUEUED
