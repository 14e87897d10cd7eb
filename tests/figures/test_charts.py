"""The dashboard's charts and the compare page's (figures/charts.py): built from the
figures, JSON-able, and safe with hostile names."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson
import pytest

from factories import HOSTILE_NAMES, History, epoch, example, war_history
from wikivice.figures import charts
from wikivice.figures.page import page_figures
from wikivice.figures.plotting import PLOTLY_CONFIG, label
from wikivice.figures.types import PageFigures
from wikivice.store.database import Database

NOW = epoch("2021-06-01T12:00:00Z")


def figures_of(db: Database, history: History) -> PageFigures:
    page_id = history.store(db)
    with db.read() as conn:
        return page_figures(conn, page_id, NOW)


def strings(value: Any) -> Iterator[str]:
    """Every string inside a JSON-able value (keys too)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from strings(item)


def hostile_history() -> History:
    h = History("Hostile")
    h.edit("Alice", "2020-01-01T00:00:00Z", 100)
    for i, name in enumerate(HOSTILE_NAMES):
        h.edit(name, f"2020-01-02T{i:02d}:00:00Z", 200 + i)
        h.edit("Bob", f"2020-01-02T{i:02d}:30:00Z", reverts=1)  # an edit war about them
    return h


def test_charts_escape_every_user_string(db: Database) -> None:
    built = charts.dashboard_charts(figures_of(db, hostile_history()))
    # What plotly renders; `summary` is plain text for an HTML attribute (autoescaped).
    texts = list(strings([c["figure"] for c in built]))
    joined = "\n".join(texts)
    for name in HOSTILE_NAMES:
        if label(name) != name:
            assert name not in joined, name
        assert any(label(name) in text for text in texts), name
    assert "<img" not in joined and "<script" not in joined
    # User strings are data, never part of a template plotly would expand.
    for chart in built:
        for trace in chart["figure"]["data"]:
            for key in ("hovertemplate", "texttemplate", "name"):
                assert "%{x} %{customdata[0]}" not in str(trace.get(key, "")), key


def test_charts_put_names_in_tick_text_not_categories(db: Database) -> None:
    chart = charts.top_editors_by_edits(figures_of(db, hostile_history()))
    ranks = sorted(rank for trace in chart["data"] for rank in trace["y"])
    assert ranks == list(range(1, 13))  # ranks, not names
    ticks = chart["layout"]["yaxis"]["ticktext"]
    assert list(ticks[:3]) == ["Bob", "Alice", label(HOSTILE_NAMES[0])]
    third = next(
        row[0]
        for trace in chart["data"]
        for rank, row in zip(trace["y"], trace["customdata"], strict=True)
        if rank == 3
    )
    assert third == label(HOSTILE_NAMES[0])


def test_editor_bars_keep_look_alike_names_apart() -> None:
    long = "Extremely long user name that goes on and on"
    editors = [
        {"name": name, "kind": "user", "edits": 3 - i, "added": 0, "reverted": 0}
        for i, name in enumerate([long + " 1", long + " 2", "2001"])
    ]
    chart = charts.top_editors_by_edits({"top_editors": {"by_edits": editors}})
    ticks = list(chart["layout"]["yaxis"]["ticktext"])
    assert ticks[0] == ticks[1] == "Extremely long user name that g…"
    assert ticks[2] == "2001"
    assert list(chart["data"][0]["y"]) == [1, 2, 3]
    assert [row[0] for row in chart["data"][0]["customdata"]][:2] == [long + " 1", long + " 2"]


@pytest.mark.parametrize(
    "chart",
    [charts.top_editors_by_edits, charts.top_editors_by_bytes, charts.most_reverted_editors],
)
def test_editor_bars_are_one_row_thick_in_every_trace(chart: charts.Chart) -> None:
    # Bots at ranks 2 and 5, between registered editors: without a width of its own,
    # plotly would draw the bot trace's bars three rows thick.
    kinds = ["user", "bot", "user", "user", "bot", "anon"]
    editors = [
        {"name": f"Editor {i}", "kind": kind, "edits": 60 - i, "added": 600 - i,
         "reverted": 60 - i}
        for i, kind in enumerate(kinds)
    ]  # fmt: skip
    figures = {"top_editors": {"by_edits": editors, "by_bytes": editors},
               "conflict": {"most_reverted": editors}}  # fmt: skip
    traces = chart(figures)["data"]
    assert [t["name"] for t in traces] == ["registered", "IP address", "bot"]
    widths = {t["width"] for t in traces}  # in ranks: one width, at most a row
    assert len(widths) == 1 and 0 < widths.pop() <= 1
    assert sorted(rank for t in traces for rank in t["y"]) == list(range(1, 7))


def test_dashboard_charts_list(db: Database) -> None:
    built = charts.dashboard_charts(figures_of(db, example()))
    assert [c["id"] for c in built] == list(charts.CHARTS)
    for chart in built:
        assert chart["title"] and chart["config"] == PLOTLY_CONFIG
        assert set(chart["figure"]) == {"data", "layout"}
        assert chart["figure"]["data"], chart["id"]
    orjson.dumps(built)


def test_charts_use_no_cdn(db: Database) -> None:
    built = orjson.dumps(charts.dashboard_charts(figures_of(db, example()))).decode()
    assert "http" not in built
    assert PLOTLY_CONFIG["topojsonURL"] == "/static/topojson/"


@pytest.mark.parametrize("name", list(charts.CHARTS))
def test_every_chart_builds_for_an_empty_page(db: Database, name: str) -> None:
    _, chart = charts.CHARTS[name]
    orjson.dumps(chart(figures_of(db, History("Empty"))))


def test_edits_per_month_stacks_kinds_with_a_range_slider(db: Database) -> None:
    chart = charts.edits_per_month(figures_of(db, example()))
    assert [t["name"] for t in chart["data"]] == ["registered", "anonymous", "bots", "hidden user"]
    assert list(chart["data"][0]["y"])[:3] == [3, 1, 0]
    layout = chart["layout"]
    assert layout["barmode"] == "stack"
    assert layout["xaxis"]["rangeslider"]["visible"] is True
    assert [b["label"] for b in layout["xaxis"]["rangeselector"]["buttons"]] == ["1y", "5y", "all"]


def test_edits_per_day(db: Database) -> None:
    chart = charts.edits_per_day(figures_of(db, example()))
    assert list(chart["data"][0]["x"])[0] == "2020-01-01"
    assert list(chart["data"][0]["y"]) == [2, 1, 1, 2, 1, 1, 1, 1]


def test_article_size_band_and_line(db: Database) -> None:
    chart = charts.article_size(figures_of(db, example()))
    low, high, line = chart["data"]
    assert high["fill"] == "tonexty"
    assert list(line["y"]) == [100, 150, 100, 400, 50, 400, 410, 420, 500, 500]


def test_concentration_curve_and_gini(db: Database) -> None:
    chart = charts.concentration(figures_of(db, example()))
    equality, curve = chart["data"]
    assert list(curve["x"])[-1] == 1.0 and list(curve["y"])[1] == 0.1111
    assert "Gini 0.28" in chart["layout"]["annotations"][0]["text"]


def test_heatmap_chart(db: Database) -> None:
    chart = charts.activity_heatmap(figures_of(db, example()))
    trace = chart["data"][0]
    assert trace["type"] == "heatmap"
    assert list(trace["y"])[0] == "Monday" and len(trace["z"]) == 7


def test_reverts_per_month_marks_edit_wars(db: Database) -> None:
    chart = charts.reverts_per_month(figures_of(db, war_history()))
    bars, wars = chart["data"]
    assert list(wars["x"]) == ["2020-05-01", "2020-07-01", "2020-07-03"]
    numbers = chart["layout"]["annotations"]
    assert [n["x"] for n in numbers] == wars["x"]
    assert [n["text"] for n in numbers] == ["#1", "#2", "#3"]
    assert wars["customdata"][0].split("<br>") == [
        "<b>2020-05-01 – 2020-05-02</b>",
        "8 reverts among 8 edits",
        "Bob: 4 reverts of Alice, Carol",
        "Alice: 2 reverts of Bob",
        "Carol: 2 reverts of Bob",
    ]
    assert wars["customdata"][1].startswith("<b>2020-07-01</b><br>5 reverts among 5 edits")
    shapes = chart["layout"]["shapes"]
    assert [(s["x0"], s["x1"]) for s in shapes][0] == ("2020-05-01", "2020-05-02 23:59:59")
    assert len(shapes) == 3


def test_reverts_per_month_without_wars_has_no_markers(db: Database) -> None:
    chart = charts.reverts_per_month(figures_of(db, example()))
    layout = chart["layout"]
    assert len(chart["data"]) == 1 and not layout.get("shapes") and not layout.get("annotations")


def test_year_table_chart(db: Database) -> None:
    chart = charts.year_table(figures_of(db, example()))
    cells = chart["data"][0]["cells"]["values"]
    assert [list(column) for column in cells][0] == [2020, 2021]
    assert [list(column) for column in cells][-1] == [420, 500]


def test_top_countries_chart(db: Database) -> None:
    chart = charts.top_countries(figures_of(db, example()))
    assert list(chart["data"][0]["x"]) == [1, 1]
    assert list(chart["layout"]["yaxis"]["ticktext"]) == ["France", "United States"]


def test_compared_edits_draws_each_article_per_month(db: Database) -> None:
    other = History("Other <b>page</b>", pageid=2)
    other.edit("Alice", "2020-02-01T00:00:00Z", 10)
    other.edit("Bob", "2020-02-02T00:00:00Z", 20)
    chart = charts.compared_edits([figures_of(db, example()), figures_of(db, other)])
    assert (chart["id"], chart["title"], chart["config"]) == (
        "compare_edits",
        "Edits per month",
        PLOTLY_CONFIG,
    )
    first, second = chart["figure"]["data"]
    assert (first["name"], second["name"]) == ("Example", "Other &lt;b&gt;page&lt;/b&gt;")
    assert list(first["x"])[:3] == ["2020-01", "2020-02", "2020-03"]
    assert list(first["y"])[:3] == [4, 2, 2]
    assert (list(second["x"]), list(second["y"])) == (["2020-02"], [2])
    assert first["line"]["color"] != second["line"]["color"]
    assert chart["figure"]["layout"]["xaxis"]["rangeslider"]["visible"] is True
    orjson.dumps(chart)


def test_a_one_edit_page_says_nothing_to_show_instead_of_empty_charts(db: Database) -> None:
    h = History("Lonely")
    h.edit("Alice", "2016-11-30T12:23:00Z", 4510)
    built = {c["id"]: c for c in charts.dashboard_charts(figures_of(db, h))}
    empty = {key for key, chart in built.items() if chart["empty"]}
    assert empty == {
        "edits_per_month",
        "edits_per_day",
        "article_size",
        "concentration",
        "reverts_per_month",
        "most_reverted_editors",
        "top_countries",
        "countries_map",
    }
    assert built["edits_per_month"]["empty"] == (
        "Every edit falls in one month: nothing to chart over time yet."
    )
    # What there is to show is drawn: Alice's one edit, on its weekday and hour.
    assert built["top_editors_by_edits"]["empty"] is None
    assert built["activity_heatmap"]["empty"] is None


def test_the_example_has_every_chart(db: Database) -> None:
    built = charts.dashboard_charts(figures_of(db, example()))
    assert [c["id"] for c in built if c["empty"]] == []


def test_editor_bars_name_every_colour_in_a_legend(db: Database) -> None:
    chart = charts.top_editors_by_edits(figures_of(db, example()))
    names = [trace["name"] for trace in chart["data"]]
    assert names == ["registered", "IP address", "temporary account", "bot"]
    assert chart["layout"]["showlegend"] is True
    ranks = sorted(rank for trace in chart["data"] for rank in trace["y"])
    assert ranks == list(range(1, len(ranks) + 1))  # each editor once, at its rank
    assert chart["layout"]["xaxis"]["title"]["text"] == "edits"


def test_editor_bars_say_their_unit(db: Database) -> None:
    by_bytes = charts.top_editors_by_bytes(figures_of(db, war_history()))
    assert by_bytes["layout"]["xaxis"]["title"]["text"] == "bytes added"


def test_the_heatmap_scale_has_a_unit(db: Database) -> None:
    chart = charts.activity_heatmap(figures_of(db, example()))
    assert chart["data"][0]["colorbar"]["title"]["text"] == "edits"
    assert chart["layout"]["xaxis"]["title"]["text"] == "hour of day (UTC)"
