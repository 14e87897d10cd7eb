"""GET /api/pages/{wiki}/{title}/heatmap?tz=…: the heatmap in the reader's time zone."""

from __future__ import annotations

import httpx

from factories import History
from support import LiveServer
from wikivice.settings import Settings
from wikivice.store.database import Database
from wikivice.web.app import create_app


def test_the_heatmap_in_a_zone_a_bad_zone_and_an_unknown_page(
    settings: Settings, db: Database
) -> None:
    h = History("Clocks")
    h.edit("Alice", "2020-07-01T12:00:00Z", 100)  # Wednesday 14:00 in Paris (summer)
    h.store(db)
    with LiveServer(create_app(settings, worker=False)) as live:
        with httpx.Client(base_url=live.url, timeout=30) as http:
            paris = http.get("/api/pages/en/Clocks/heatmap", params={"tz": "Europe/Paris"})
            utc = http.get("/api/pages/en/Clocks/heatmap")
            again = http.get("/api/pages/en/Clocks/heatmap", params={"tz": "Europe/Paris"})
            bad = [
                http.get("/api/pages/en/Clocks/heatmap", params={"tz": tz})
                for tz in ("Mars/Olympus", "../../etc/passwd", "", "x" * 65)
            ]
            missing = http.get("/api/pages/en/Nothing/heatmap", params={"tz": "Asia/Tokyo"})
    assert paris.status_code == 200 and paris.json()["zone"] == "Europe/Paris"
    assert paris.json()["edits"][2][14] == 1 and sum(map(sum, paris.json()["edits"])) == 1
    assert utc.json()["zone"] == "UTC" and utc.json()["edits"][2][12] == 1
    assert again.json() == paris.json()
    for answer in bad:
        assert answer.status_code == 422, answer.text
        assert answer.json()["detail"]
    assert "time zone" in bad[0].json()["detail"]
    assert missing.status_code == 404
