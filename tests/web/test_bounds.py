"""Out-of-range numbers and over-long or unreadable strings from a URL or a body are a
422 (or a plain "not found"), never a 500, on SQLite and PostgreSQL (issue 10: a job id
past 64 bits was a 500 on SQLite, an over-long wiki key one on PostgreSQL). The OpenAPI
fuzz test (test_openapi_fuzz.py) tries such requests at random; these are the known ones."""

from __future__ import annotations

from urllib.parse import quote

import httpx
import pytest

from support import read_events

HUGE = str(2**64)
PAST_32_BITS = str(2**31)  # job ids and event numbers are 32-bit on PostgreSQL
NUL = quote("\x00")


@pytest.fixture
def analysed(client: httpx.Client) -> tuple[int, str]:
    """A finished job's id and the /api/pages address of its article."""
    body = client.post("/api/analyses", json={"title": "Synthetic 30"}).json()
    assert read_events(client, body["events_url"])[-1].event == "done"
    page = body["page"]
    return body["job_id"], f"/api/pages/{page['wiki']}/Synthetic_30"


def test_out_of_range_numbers_are_422(client: httpx.Client, analysed: tuple[int, str]) -> None:
    job_id, page = analysed
    asked = [
        f"/api/jobs/{HUGE}",
        f"/api/jobs/{PAST_32_BITS}",
        "/api/jobs/0",
        "/api/jobs/-1",
        f"/api/jobs/{job_id}/events?after={HUGE}",
        f"/api/jobs/{job_id}/events?after=-1",
        f"{page}/diffs/{HUGE}",
        f"{page}/diffs/0",
        f"/api/recent-analyses?limit={HUGE}",
        "/api/recent-analyses?limit=0",
        f"/api/wikis/en/suggestions?q=a&limit={HUGE}",
        f"/api/wikis/en/recent-changes?limit={HUGE}",
    ]
    for url in asked:
        response = client.get(url)
        assert response.status_code == 422, (url, response.text)
        assert response.json()["detail"]
    late = client.get(f"/api/jobs/{job_id}/events", headers={"Last-Event-ID": HUGE})
    assert late.status_code == 422


def test_over_long_or_unreadable_path_strings_are_422(client: httpx.Client, key: str) -> None:
    asked = [
        f"/api/pages/{'k' * 201}/Coffee/stats",
        f"/api/pages/{key}/{'T' * 256}/stats",
        f"/api/pages/{key}/{'T' * 256}/revisions.csv",
        f"/api/pages/en{NUL}/Coffee/stats",
        f"/api/pages/{key}/Cof{NUL}fee/recent-edits",
        f"/api/editors/{key}/{'N' * 513}",
        f"/api/editors/{key}/Alice{NUL}",
        f"/wiki/{key}/{'T' * 256}",
        f"/wiki/{key}/Cof{NUL}fee",
        f"/editor/{key}/{'N' * 513}",
    ]
    for url in asked:
        response = client.get(url)
        assert response.status_code == 422, (url, response.text)


def test_bad_strings_in_a_submission_are_422(client: httpx.Client, simulator_url: str) -> None:
    bodies = [
        '{"title": "\\ud800"}',  # half a surrogate pair: no character at all
        '{"title": "Coffee\\u0000"}',
        '{"title": "' + "T" * 256 + '"}',
        '{"title": "' + "T" * 1001 + '"}',
        '{"title": "Coffee", "wiki": "en\\u0000"}',
        '{"title": "Coffee", "wiki": "\\udfff"}',
        '{"title": "Coffee", "wiki": "' + "w" * 501 + '"}',
        # Under 500 characters, but a key past the 200 of wikis.key.
        '{"title": "Coffee", "wiki": "' + simulator_url + "/" + "d" * 300 + '/api.php"}',
    ]
    for body in bodies:
        response = client.post(
            "/api/analyses", content=body, headers={"Content-Type": "application/json"}
        )
        assert response.status_code == 422, (body[:60], response.text)
        assert response.json()["detail"]


def test_bad_strings_in_page_queries_are_not_errors(client: httpx.Client, key: str) -> None:
    compared = client.get("/compare", params={"wiki": key, "a": "Cof\x00fee", "b": "\x7f"})
    assert compared.status_code == 200
    for params in ({"wiki": "en\x00"}, {"wiki": "w" * 501}, {"title": "T\x00", "wiki": key}):
        assert client.get("/search", params={"title": "x"} | params).status_code in (303, 422)


@pytest.fixture
def simulator_url(key: str) -> str:
    return f"http://{key}"
