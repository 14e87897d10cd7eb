"""What every chart shares: safe labels, the house layout, the page's plotly config, and
the two helpers that build a figure as the plain JSON plotly.js takes (`trace`, `figure`).

Plotly renders chart text (tick labels, hover text, annotations, titles) as a small
pseudo-HTML: it interprets `<br>`, `<b>`, `<i>`, `<sup>`, `<span style>`, `<a href>`
and entities such as `&lt;` and `&#60;`. Any string a user chose (editor names, titles)
must go through `label()`, which escapes `&`, `<` and `>` so plotly shows it literally.
User strings are passed as data (`customdata`, `ticktext`), never spliced into a
`hovertemplate`, whose `%{…}` placeholders would otherwise be theirs to use.

Figures are dicts and lists written in plotly.js's own schema, with no plotly.py objects:
building the dashboard's twelve charts through `plotly.graph_objects` (its validators,
copies and `to_plotly_json`) cost 75-160 ms a dashboard, on the way to the first view
(issue 11). So what plotly.py used to do is done here, by hand: nested dicts rather than
its "magic underscores" (`{"marker": {"color": c}}`, not `marker_color=c`), axis and
colour-bar titles as `{"text": ...}`, layouts merged key by key (`merged`), and named
colour scales written out (`BLUES`, `ORANGES`). Nothing checks a key against the schema:
a misspelt one is silently ignored by plotly.js, so tests/figures check the charts' JSON.
"""

from __future__ import annotations

import html
from typing import Any

from typing_extensions import TypedDict

LABEL_MAX = 32  # characters of a name shown on an axis (hover shows it whole)

# Colours of the kinds of editors, the same in every chart.
COLOURS = {
    "registered": "#3366cc",
    "user": "#3366cc",
    "anonymous": "#ff9900",
    "anon": "#ff9900",
    "temp": "#ffcc66",
    "bot": "#109618",
    "hidden": "#999999",
    "revert": "#dc3912",
}


Trace = dict[str, Any]  # one trace as plotly.js takes it: {"type": "bar", ...}


class PlotlyFigure(TypedDict):
    """A figure as plotly.js takes it: `Plotly.newPlot(div, data, layout, config)`.
    Traces and layout are plotly's own JSON (its schema, not ours)."""

    data: list[Trace]
    layout: dict[str, Any]


class PlotlyConfig(TypedDict):
    topojsonURL: str
    displaylogo: bool
    responsive: bool
    modeBarButtonsToRemove: list[str]


class ChartSpec(TypedDict):
    """A chart as the page draws it: `id` names its card, `title` is plain text of ours
    (the page shows it as a heading; the figure carries none), `config` Plotly.newPlot's
    fourth argument, `empty` what the page says instead of a chart with nothing to show."""

    id: str
    title: str
    figure: PlotlyFigure
    config: PlotlyConfig
    empty: str | None  # why there is nothing to draw (the page says it instead), or None
    summary: str  # the chart in one sentence, its text alternative (figures/alt_text.py)


# What the page passes as the fourth argument of Plotly.newPlot(div, data, layout, config)
# for every chart: the world map's outlines come from the app (never plotly's CDN).
PLOTLY_CONFIG: PlotlyConfig = {
    "topojsonURL": "/static/topojson/",
    "displaylogo": False,
    "responsive": True,
    "modeBarButtonsToRemove": ["lasso2d", "select2d"],
}

# No "template": plotly.js then uses none (plotly.py's default one is ~6 kB a chart).
_LAYOUT: dict[str, Any] = {
    "font": {"family": "system-ui, sans-serif", "size": 13, "color": "#222"},
    "paper_bgcolor": "#fff",
    "plot_bgcolor": "#fff",
    "margin": {"l": 60, "r": 20, "t": 30, "b": 40},
    "hoverlabel": {"align": "left"},
    "legend": {"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
}
_AXIS = {"gridcolor": "#e5e5e5", "zerolinecolor": "#ccc", "automargin": True}


def _scale(colours: list[str]) -> list[list[float | str]]:
    return [[i / (len(colours) - 1), colour] for i, colour in enumerate(colours)]


# The colour scales plotly.py wrote into each figure for "Blues" and "Oranges" (ColorBrewer's,
# from `plotly.colors.sequential`): plotly.js's own "Blues" is another scale, so they are
# written out, as before, rather than named. Shared by every figure: never changed.
BLUES = _scale(["rgb(247,251,255)", "rgb(222,235,247)", "rgb(198,219,239)",
                "rgb(158,202,225)", "rgb(107,174,214)", "rgb(66,146,198)",
                "rgb(33,113,181)", "rgb(8,81,156)", "rgb(8,48,107)"])  # fmt: skip
ORANGES = _scale(["rgb(255,245,235)", "rgb(254,230,206)", "rgb(253,208,162)",
                  "rgb(253,174,107)", "rgb(253,141,60)", "rgb(241,105,19)",
                  "rgb(217,72,1)", "rgb(166,54,3)", "rgb(127,39,4)"])  # fmt: skip


def label(value: object, limit: int | None = None) -> str:
    """`value` as plotly text that shows literally: `&`, `<`, `>` escaped; cut to
    `limit` characters (with "…") before escaping, so no entity is ever cut in half.
    None becomes "(hidden)": the name of a hidden user."""
    text = "(hidden)" if value is None else str(value)
    if limit is not None and len(text) > limit:
        text = text[: limit - 1] + "…"
    return html.escape(text, quote=False)


def trace(kind: str, **props: Any) -> Trace:
    """A trace of type `kind` ("bar", "scatter", ...) with `props` as they are, but for
    those that are None (unset: left out, as plotly.py left them)."""
    return {"type": kind, **{key: value for key, value in props.items() if value is not None}}


def figure(
    data: list[Trace],
    *,
    cartesian: bool = True,
    xaxis: dict[str, Any] | None = None,
    yaxis: dict[str, Any] | None = None,
    **layout: Any,
) -> PlotlyFigure:
    """A figure in the house style (untitled: the page shows titles as headings), `layout`
    merged into it; `xaxis` and `yaxis` are merged into the house axes (`cartesian=False`
    for maps and tables, which have no x and y axes to style)."""
    if cartesian:
        layout = {**layout, "xaxis": merged(_AXIS, xaxis or {})}
        layout["yaxis"] = merged(_AXIS, yaxis or {})
    return {"data": data, "layout": merged(_LAYOUT, layout)}


def merged(base: dict[str, Any], update: dict[str, Any]) -> dict[str, Any]:
    """A copy of `base` updated by `update` as plotly.py's `update_layout` did: dicts merge
    key by key at every depth, None removes a key, anything else replaces (tuples as lists).
    Neither argument is changed, and the result shares no dict or list with them."""
    out = {key: _copied(value) for key, value in base.items()}
    for key, value in update.items():
        if value is None:
            out.pop(key, None)
        elif isinstance(value, dict):
            below = out.get(key)
            out[key] = merged(below if isinstance(below, dict) else {}, value)
        else:
            out[key] = _copied(value)
    return out


def _copied(value: Any) -> Any:
    """`value` with its dicts and lists copied at every depth (None left out of dicts)."""
    if isinstance(value, dict):
        return merged({}, value)
    if isinstance(value, list | tuple):
        return [_copied(item) for item in value]
    return value


def whole_numbers(most: float) -> dict[str, Any]:
    """Axis (or colour bar) settings for counts up to `most`: ticks on whole numbers only,
    so one edit never reads "0.2, 0.4 … 1" (plotly's own ticks for a range of 0–1)."""
    return {"tickformat": ",d", "dtick": 1, "tick0": 0} if most <= 5 else {"tickformat": ","}
