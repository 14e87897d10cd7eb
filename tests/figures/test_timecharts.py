"""The charts over time (figures/timecharts.py): zoom controls apart from legends, the y
axis rescaled on zoom, war markers inside the plot, sane spans for tiny histories."""

from __future__ import annotations

from datetime import datetime

import pytest

from factories import History, epoch, example, war_history
from wikivice.figures import timecharts
from wikivice.figures.page import page_figures
from wikivice.figures.types import PageFigures
from wikivice.store.database import Database

NOW = epoch("2021-06-01T12:00:00Z")


def figures_of(db: Database, history: History) -> PageFigures:
    page_id = history.store(db)
    with db.read() as conn:
        return page_figures(conn, page_id, NOW)


def one_edit() -> History:
    h = History("Lonely")
    h.edit("Alice", "2016-11-30T12:23:00Z", 4510)
    return h


@pytest.mark.parametrize("chart", [timecharts.edits_per_month, timecharts.edits_per_day])
def test_zoom_buttons_and_legend_never_share_a_corner(db: Database, chart: object) -> None:
    built = chart(figures_of(db, example()))  # type: ignore[operator]
    layout = built["layout"]
    selector = layout["xaxis"]["rangeselector"]
    assert [b["label"] for b in selector["buttons"]] == ["1y", "5y", "all"]
    assert (selector["x"], selector["xanchor"]) == (0, "left")
    if layout.get("showlegend") is not False:
        # The legend is a column right of the plot, the buttons above its left end.
        assert layout["legend"]["orientation"] == "v" and layout["legend"]["x"] > 1
    # Room above the buttons for plotly's toolbar.
    assert layout["margin"]["t"] >= 60


def test_time_charts_ask_for_the_y_axis_to_follow_the_zoom(db: Database) -> None:
    figures = figures_of(db, example())
    for chart in (
        timecharts.edits_per_month,
        timecharts.edits_per_day,
        timecharts.article_size,
        timecharts.reverts_per_month,
    ):
        assert chart(figures)["layout"]["meta"] == timecharts.RESCALE_Y, chart.__name__


def test_axes_carry_units(db: Database) -> None:
    figures = figures_of(db, example())
    titles = {
        chart.__name__: chart(figures)["layout"]["yaxis"]["title"]["text"]
        for chart in (
            timecharts.edits_per_month,
            timecharts.edits_per_day,
            timecharts.article_size,
            timecharts.reverts_per_month,
        )
    }
    assert titles == {
        "edits_per_month": "edits per month",
        "edits_per_day": "edits per day",
        "article_size": "size (bytes)",
        "reverts_per_month": "reverts per month",
    }


def test_war_markers_have_room_inside_the_plot(db: Database) -> None:
    built = timecharts.reverts_per_month(figures_of(db, war_history()))
    markers = built["data"][1]
    first = built["layout"]["annotations"][0]
    assert (first["text"], first["y"], first["yref"]) == ("#1", markers["y"][0], "y")
    # Numbers as annotations, not the markers' text, which the range slider would draw
    # again in its short strip, cut off at its top.
    assert markers["mode"] == "markers" and "text" not in markers
    top = built["layout"]["yaxis"]["range"][1]
    highest = max([*built["data"][0]["y"], *markers["y"]])
    assert top >= highest * 1.2  # the "#" label above the tallest marker stays inside


def test_a_single_edit_gets_a_span_of_months_not_milliseconds(db: Database) -> None:
    figures = figures_of(db, one_edit())
    months = timecharts.edits_per_month(figures)["layout"]["xaxis"]["range"]
    days = timecharts.edits_per_day(figures)["layout"]["xaxis"]["range"]
    span = datetime.fromisoformat(months[1]) - datetime.fromisoformat(months[0])
    assert span.days == 180
    assert (datetime.fromisoformat(days[1]) - datetime.fromisoformat(days[0])).days == 14
    # One edit: the y axis counts whole edits, never 0.2.
    yaxis = timecharts.edits_per_month(figures)["layout"]["yaxis"]
    assert (yaxis["tickformat"], yaxis["dtick"]) == (",d", 1)


def test_long_histories_keep_plotly_s_own_range() -> None:
    assert timecharts.padded(["2001-01", "2026-12"], "month") is None
    assert timecharts.padded([], "day") is None
    assert timecharts.padded(["2020-05-01T00:00:00Z", "2020-05-02T00:00:00Z"], "moment") == [
        "2020-04-24T12:00:00",
        "2020-05-08T12:00:00",
    ]
