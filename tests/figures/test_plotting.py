"""What every chart shares (figures/plotting.py): labels that show user strings
literally, the house layout, and the JSON handed to plotly.js (built without plotly.py)."""

from __future__ import annotations

import html
import re
import subprocess
import sys

import orjson
import pytest

from factories import HOSTILE_NAMES
from wikivice.figures.plotting import (
    BLUES,
    COLOURS,
    LABEL_MAX,
    ORANGES,
    PLOTLY_CONFIG,
    figure,
    label,
    merged,
    trace,
)
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


def test_figure_is_data_and_layout_of_plain_json() -> None:
    bar = trace("bar", name="edits", x=["2020-01", "2020-02"], y=[3, 4], marker=None)
    out = figure([bar, trace("scatter", name="size")], barmode="stack")
    assert set(out) == {"data", "layout"}
    assert out["data"] == [
        {"type": "bar", "name": "edits", "x": ["2020-01", "2020-02"], "y": [3, 4]},
        {"type": "scatter", "name": "size"},  # None is unset: left out
    ]
    assert out["layout"]["barmode"] == "stack"
    assert orjson.loads(orjson.dumps(out)) == out  # plain JSON, nothing lost


def test_figure_has_the_house_style_and_no_template() -> None:
    layout = figure([trace("bar")])["layout"]
    assert layout["font"]["family"] == "system-ui, sans-serif"
    # No template: plotly.js uses none (plotly.py's default one added ~6 kB a chart).
    assert "template" not in layout
    assert "title" not in layout  # the page shows titles as headings
    assert layout["xaxis"]["gridcolor"] == layout["yaxis"]["gridcolor"] == "#e5e5e5"
    table = figure([trace("table")], cartesian=False)["layout"]
    assert "xaxis" not in table and "yaxis" not in table


def test_figure_merges_axes_and_layout_into_the_house_style() -> None:
    layout = figure(
        [trace("bar")],
        xaxis={"title": {"text": "edits"}, "range": None, "gridcolor": "#000"},
        legend={"x": 1.02},
        margin=None,
    )["layout"]
    assert layout["xaxis"] == {
        "gridcolor": "#000",
        "zerolinecolor": "#ccc",
        "automargin": True,
        "title": {"text": "edits"},
    }
    assert layout["legend"] == {"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 1.02}
    assert "margin" not in layout


def test_merged_merges_dicts_at_every_depth_and_copies() -> None:
    base = {"a": {"b": 1, "c": [1, 2]}, "d": 4, "e": {"f": 5}}
    update = {"a": {"b": None, "g": (7, {"h": None})}, "d": {"i": 9}, "e": [{"j": 1}]}
    out = merged(base, update)
    assert out == {"a": {"c": [1, 2], "g": [7, {}]}, "d": {"i": 9}, "e": [{"j": 1}]}
    assert base == {"a": {"b": 1, "c": [1, 2]}, "d": 4, "e": {"f": 5}}  # unchanged
    out["a"]["c"].append(3)
    out["e"][0]["j"] = 2
    assert base["a"]["c"] == [1, 2] and update["e"] == [{"j": 1}]  # nothing shared


def test_figures_share_no_layout_with_each_other() -> None:
    first, second = figure([trace("bar")]), figure([trace("bar")])
    first["layout"]["xaxis"]["gridcolor"] = "#000"
    first["layout"]["font"]["size"] = 20
    assert second["layout"]["xaxis"]["gridcolor"] == "#e5e5e5"
    assert second["layout"]["font"]["size"] == 13


def test_colour_scales_are_the_ones_plotly_py_wrote_out() -> None:
    # plotly.py turned "Blues" and "Oranges" into these lists; plotly.js's own are others.
    for scale in (BLUES, ORANGES):
        assert [step[0] for step in scale] == [i / 8 for i in range(9)]
        assert all(str(step[1]).startswith("rgb(") for step in scale)
    assert (BLUES[0][1], BLUES[-1][1]) == ("rgb(247,251,255)", "rgb(8,48,107)")
    assert (ORANGES[0][1], ORANGES[-1][1]) == ("rgb(255,245,235)", "rgb(127,39,4)")


def test_no_figures_module_imports_plotly() -> None:
    # plotly.py is a dependency for its plotly.min.js only (web/app.py serves it).
    code = (
        "import importlib, pkgutil, sys, wikivice.figures as f\n"
        "for m in pkgutil.iter_modules(f.__path__, 'wikivice.figures.'):\n"
        "    importlib.import_module(m.name)\n"
        "print(sorted(n for n in sys.modules if n.split('.')[0] == 'plotly'))\n"
        "print(len([n for n in sys.modules if n.startswith('wikivice.figures.')]))"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded, modules = run.stdout.split("\n")[:2]
    assert loaded == "[]"
    assert int(modules) >= 15  # every module was imported, not an empty package


def test_every_editor_kind_has_a_colour() -> None:
    assert {str(kind) for kind in EditorKind} <= set(COLOURS)


def test_plotly_config_points_the_map_at_our_static_files() -> None:
    assert PLOTLY_CONFIG["topojsonURL"] == "/static/topojson/"
    assert PLOTLY_CONFIG["displaylogo"] is False
    assert "http" not in orjson.dumps(PLOTLY_CONFIG).decode()
