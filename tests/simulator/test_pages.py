"""The simulated wiki's own pages (simulator/pages.py): the history, diff and
contributions pages WikiVice's "on the wiki" links open, with every string escaped."""

from __future__ import annotations

import httpx

from wikivice.simulator import SimulatorServer
from wikivice.wiki.sites import parse_wiki


def test_history_diff_and_contributions_pages(simulator: SimulatorServer) -> None:
    site = parse_wiki(simulator.api_url)
    sim = simulator.sim
    page = sim.history("Alan Turing")
    assert page is not None
    latest = page.revision(page.count - 1)
    # What the dashboard links to: the wiki's own URLs, built by WikiSite.
    history_url = site.history_url("Alan Turing")
    diff_url = site.diff_url(latest["revid"])
    with httpx.Client(timeout=30) as http:
        history = http.get(history_url)
        diff = http.get(diff_url)
        user = latest["user"]
        contributions = http.get(site.contributions_url(user))
        older = http.get(history_url + "&offset=100&limit=50")
        missing = http.get(site.diff_url(1))
        unknown = http.get(site.history_url("No such page"))
    assert history.status_code == 200 and "Alan Turing: revision history" in history.text
    assert history.text.count("<li>") == 100 and f"diff={latest['revid']}" in history.text
    assert older.status_code == 200 and older.text.count("<li>") == 50
    assert f"diff={latest['revid']}" not in older.text
    assert diff.status_code == 200 and f"Revision {latest['revid']}" in diff.text
    assert contributions.status_code == 200 and f"diff={latest['revid']}" in contributions.text
    assert missing.status_code == 404 and unknown.status_code == 404


def test_the_pages_escape_the_simulator_s_hostile_strings(simulator: SimulatorServer) -> None:
    page = simulator.sim.history("Alan Turing")
    assert page is not None
    with httpx.Client(timeout=30) as http:
        text = http.get(
            f"{simulator.base_url}/w/index.php",
            params={"title": "Alan_Turing", "action": "history", "limit": 500},
        ).text
    assert "<script>" not in text and "<b>bold</b>" not in text
    assert "&lt;b&gt;bold&lt;/b&gt;" in text or "&lt;script&gt;" in text
