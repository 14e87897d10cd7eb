"""What every chart shares: safe labels, the house layout, the page's plotly config.

Plotly renders chart text (tick labels, hover text, annotations, titles) as a small
pseudo-HTML: it interprets `<br>`, `<b>`, `<i>`, `<sup>`, `<span style>`, `<a href>`
and entities such as `&lt;` and `&#60;`. Any string a user chose (editor names, titles)
must go through `label()`, which escapes `&`, `<` and `>` so plotly shows it literally.
User strings are passed as data (`customdata`, `ticktext`), never spliced into a
`hovertemplate`, whose `%{…}` placeholders would otherwise be theirs to use.
"""

from __future__ import annotations

import html
from typing import Any

import plotly.graph_objects as go
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


class PlotlyFigure(TypedDict):
    """A figure as plotly.js takes it: `Plotly.newPlot(div, data, layout, config)`.
    Traces and layout are plotly's own JSON (its schema, not ours)."""

    data: list[dict[str, Any]]
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

_LAYOUT: dict[str, Any] = {
    "template": go.layout.Template(),  # plotly's default template adds ~6 kB per chart
    "font": {"family": "system-ui, sans-serif", "size": 13, "color": "#222"},
    "paper_bgcolor": "#fff",
    "plot_bgcolor": "#fff",
    "margin": {"l": 60, "r": 20, "t": 30, "b": 40},
    "hoverlabel": {"align": "left"},
    "legend": {"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
}
_AXIS = {"gridcolor": "#e5e5e5", "zerolinecolor": "#ccc", "automargin": True}


def label(value: object, limit: int | None = None) -> str:
    """`value` as plotly text that shows literally: `&`, `<`, `>` escaped; cut to
    `limit` characters (with "…") before escaping, so no entity is ever cut in half.
    None becomes "(hidden)": the name of a hidden user."""
    text = "(hidden)" if value is None else str(value)
    if limit is not None and len(text) > limit:
        text = text[: limit - 1] + "…"
    return html.escape(text, quote=False)


def figure(data: list[Any], *, cartesian: bool = True, **layout: Any) -> go.Figure:
    """A figure in the house style (untitled: the page shows titles as headings);
    `cartesian=False` for maps and tables, which have no x and y axes to style."""
    fig = go.Figure(data=data, layout=_LAYOUT)
    fig.update_layout(**layout)
    if cartesian:
        fig.update_xaxes(**_AXIS)
        fig.update_yaxes(**_AXIS)
    return fig


def whole_numbers(most: float) -> dict[str, Any]:
    """Axis (or colour bar) settings for counts up to `most`: ticks on whole numbers only,
    so one edit never reads "0.2, 0.4 … 1" (plotly's own ticks for a range of 0–1)."""
    return {"tickformat": ",d", "dtick": 1, "tick0": 0} if most <= 5 else {"tickformat": ","}


def to_json(fig: go.Figure, arrays: list[dict[str, list[Any]]] | None = None) -> PlotlyFigure:
    """The figure as a JSON-able {"data": [...], "layout": {...}} for Plotly.newPlot.

    `arrays[i]` is merged into trace i: long series of our own numbers and dates
    (never user strings) go in here, after plotly.py has checked everything else,
    because its per-value validation and copies cost ~20 ms per 10,000 values."""
    data: dict[str, Any] = fig.to_plotly_json()
    for trace, extra in zip(data["data"], arrays or [], strict=False):
        trace.update(extra)
    return {"data": data["data"], "layout": data["layout"]}
