"""What every chart shares (figures/plotting.py): labels that show user strings
literally, the house layout, and the JSON handed to plotly.js."""

from __future__ import annotations

import html
import re

import orjson
import plotly.graph_objects as go
import pytest

from factories import HOSTILE_NAMES
from wikivice.figures.plotting import COLOURS, LABEL_MAX, PLOTLY_CONFIG, figure, label, to_json
from wikivice.store.vocabulary import EditorKind


def shown(text: str) -> str:
    """What plotly displays for a label: tags dropped, entities decoded (roughly)."""
    return html.unescape(re.sub(r"<[^>]*>", "", text))


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_label_shows_the_name_literally(name: str) -> None:
    escaped = label(name)
    assert "<" not in escaped and ">" not in escaped
    assert re.search(r"&(?!amp;|lt;|gt;)", escaped) is None  # every & starts an entity
    assert shown(escaped) == name


def test_label_examples() -> None:
    assert label("<b>bold</b>") == "&lt;b&gt;bold&lt;/b&gt;"
    assert label("a & b") == "a &amp; b"
    assert label("&lt;") == "&amp;lt;"
    assert label("שלום 🦄") == "שלום 🦄"
    assert label(None) == "(hidden)"
    assert label(2001) == "2001"


def test_label_cuts_before_escaping() -> None:
    assert label("abcdef", 4) == "abc…"
    assert label("<<<<<<", 4) == "&lt;&lt;&lt;…"  # never half an entity
    assert label("🦄🦄🦄🦄🦄", 3) == "🦄🦄…"
    assert label("short", 10) == "short"


def test_label_keeps_a_name_of_exactly_the_limit_whole() -> None:
    name = "x" * LABEL_MAX
    assert label(name, LABEL_MAX) == name
    assert label(name + "y", LABEL_MAX) == "x" * (LABEL_MAX - 1) + "…"
    assert label('"quoted"') == '"quoted"'  # quotes are plain text to plotly


def test_to_json_is_data_and_layout_with_the_arrays_merged() -> None:
    fig = figure([go.Bar(name="edits"), go.Scatter(name="size")], barmode="stack")
    out = to_json(fig, [{"x": ["2020-01", "2020-02"], "y": [3, 4]}])
    assert set(out) == {"data", "layout"}
    bar, line = out["data"]
    assert (bar["type"], bar["name"], bar["x"], bar["y"]) == (
        "bar",
        "edits",
        ["2020-01", "2020-02"],
        [3, 4],
    )
    assert (line["type"], line["name"]) == ("scatter", "size") and "x" not in line
    assert out["layout"]["barmode"] == "stack"
    orjson.dumps(out)  # plain JSON: no plotly objects left


def test_to_json_without_arrays_keeps_the_traces() -> None:
    out = to_json(figure([go.Bar(x=[1, 2], y=[5, 6])]))
    assert list(out["data"][0]["x"]) == [1, 2] and list(out["data"][0]["y"]) == [5, 6]


def test_figure_has_the_house_style_and_no_plotly_template() -> None:
    out = to_json(figure([go.Bar()]))
    layout = out["layout"]
    assert layout["font"]["family"] == "system-ui, sans-serif"
    # Not plotly's default template, which adds ~6 kB of styling to every chart.
    assert "layout" not in layout["template"] and len(orjson.dumps(layout["template"])) < 100
    assert "title" not in layout  # the page shows titles as headings
    assert layout["xaxis"]["gridcolor"] == layout["yaxis"]["gridcolor"] == "#e5e5e5"
    table = to_json(figure([go.Table()], cartesian=False))["layout"]
    assert "xaxis" not in table and "yaxis" not in table


def test_every_editor_kind_has_a_colour() -> None:
    assert {str(kind) for kind in EditorKind} <= set(COLOURS)


def test_plotly_config_points_the_map_at_our_static_files() -> None:
    assert PLOTLY_CONFIG["topojsonURL"] == "/static/topojson/"
    assert PLOTLY_CONFIG["displaylogo"] is False
    assert "http" not in orjson.dumps(PLOTLY_CONFIG).decode()
