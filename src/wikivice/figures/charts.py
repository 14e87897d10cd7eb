"""The dashboard's charts, and the compare page's: plotly.js figures built from `PageFigures`.

One function per chart, each taking a page's figures and returning a JSON-able
`PlotlyFigure` ({"data": [...], "layout": {...}}), written as plain dicts and lists (see
`plotting` why no plotly.py objects). `dashboard_charts` lists them all as
`ChartSpec`s; the page draws each with the app's own plotly.js (never a CDN):
`Plotly.newPlot(div, item.figure.data, item.figure.layout, item.config)`, where
`config` is `plotting.PLOTLY_CONFIG` (it points the world map's outlines at /static/).
`compared_edits` is the compare page's chart of two articles. Every user string goes
through `plotting.label` (see there why).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Literal, get_args

from wikivice.figures.alt_text import count, summary
from wikivice.figures.geography import countries_map
from wikivice.figures.plotting import (
    BLUES,
    COLOURS,
    LABEL_MAX,
    PLOTLY_CONFIG,
    ChartSpec,
    PlotlyFigure,
    figure,
    label,
    trace,
    whole_numbers,
)
from wikivice.figures.timecharts import (
    RESCALE_Y,
    article_size,
    edits_per_day,
    edits_per_month,
    padded,
    reverts_per_month,
)
from wikivice.figures.types import PageFigures, RankedEditor

__all__ = ["CHARTS", "PLOTLY_CONFIG", "compared_edits", "dashboard_charts"]

Chart = Callable[[PageFigures], PlotlyFigure]
COMPARED_COLOURS = ("#3366cc", "#dc3912")  # the first and the second article
YearColumn = Literal["year", "edits", "anonymous", "minor", "bots", "reverts", "size"]


def top_editors_by_edits(figures: PageFigures) -> PlotlyFigure:
    """Horizontal bars: the editors with most edits, coloured by kind."""
    return _editor_bars(figures["top_editors"]["by_edits"], "edits")


def top_editors_by_bytes(figures: PageFigures) -> PlotlyFigure:
    """Horizontal bars: the editors who added most bytes (not counting reverted edits
    nor reverts: see `authorship.rankings`)."""
    return _editor_bars(figures["top_editors"]["by_bytes"], "added")


def most_reverted_editors(figures: PageFigures) -> PlotlyFigure:
    """Horizontal bars: the editors whose edits were most often reverted."""
    return _editor_bars(figures["conflict"]["most_reverted"], "reverted")


def concentration(figures: PageFigures) -> PlotlyFigure:
    """The Lorenz curve of edits per editor against the line of equality, with the Gini
    coefficient and the top-10 shares in the title."""
    spread = figures["concentration"]
    lorenz = spread["lorenz"]
    traces = [
        trace(
            "scatter", x=[0, 1], y=[0, 1], mode="lines", name="equal shares", hoverinfo="skip",
            line={"color": "#999", "dash": "dot"},
        ),
        trace(
            "scatter",
            x=lorenz["editors"],
            y=lorenz["edits"],
            mode="lines",
            name="edits",
            fill="tonexty",
            fillcolor="rgba(51,102,204,0.15)",
            line={"color": COLOURS["registered"]},
            hovertemplate="the least active %{x:.0%} of editors made %{y:.1%} of the edits"
            "<extra></extra>",
        ),
    ]  # fmt: skip
    notes = [] if spread["gini"] is None else [{
        "x": 0.02, "y": 0.98, "xref": "paper", "yref": "paper", "showarrow": False,
        "align": "left",
        "text": f"Gini {spread['gini']:.2f}<br>top 10 editors: {spread['top10_share']:.0%}"
        f"<br>top 10% of editors: {spread['top10pct_share']:.0%}",
    }]  # fmt: skip
    return figure(
        traces,
        annotations=notes or None,
        xaxis={"title": {"text": "share of editors"}, "tickformat": ".0%", "range": [0, 1]},
        yaxis={"title": {"text": "share of edits"}, "tickformat": ".0%", "range": [0, 1]},
    )


def activity_heatmap(figures: PageFigures) -> PlotlyFigure:
    """Edits by weekday and hour of day (UTC; the page redraws it in the reader's own time
    zone from the heatmap API, see static/js/heatmap.js)."""
    heat = figures["heatmap"]
    heatmap = trace(
        "heatmap",
        z=heat["edits"],
        x=heat["hours"],
        y=heat["weekdays"],
        colorscale=BLUES,
        hovertemplate="%{y} %{x}:00–%{x}:59 UTC: %{z:,} edits<extra></extra>",
        colorbar={
            "thickness": 12,
            "title": {"text": "edits", "side": "top"},
            **whole_numbers(max((max(row) for row in heat["edits"]), default=0)),
        },
    )
    return figure(
        [heatmap],
        xaxis={"title": {"text": "hour of day (UTC)"}, "dtick": 3, "showgrid": False},
        yaxis={"autorange": "reversed", "showgrid": False},
    )


def year_table(figures: PageFigures) -> PlotlyFigure:
    """A table of the years: edits, anonymous, minor, bot edits, reverts, size at year end."""
    years = figures["years"]
    columns: tuple[YearColumn, ...] = get_args(YearColumn)
    headers = ("Year", "Edits", "Anonymous", "Minor", "Bots", "Reverts", "Size at year end (bytes)")
    table = trace(
        "table",
        header={"values": list(headers), "align": "right", "fill": {"color": "#f0f0f0"}},
        cells={
            "values": [[row[c] for row in years] for c in columns],
            "align": "right",
            "format": ["d"] + [","] * (len(columns) - 1),
        },
    )
    return figure([table], cartesian=False)


def top_countries(figures: PageFigures) -> PlotlyFigure:
    """Horizontal bars: the countries with most anonymous (IP) edits."""
    top = figures["countries"]["top"]
    ranks = list(range(1, len(top) + 1))
    bars = trace(
        "bar",
        x=[c["edits"] for c in top],
        y=ranks,
        orientation="h",
        marker={"color": COLOURS["anonymous"]},
        customdata=[[label(c["name"]), c["share"], c["editors"]] for c in top],
        hovertemplate="<b>%{customdata[0]}</b>: %{x:,} edits (%{customdata[1]:.1%} of IP edits)"
        " from %{customdata[2]:,} addresses<extra></extra>",
    )
    ticks = [label(c["name"], LABEL_MAX) for c in top]
    return figure(
        [bars],
        xaxis={"title": {"text": "anonymous edits"}},
        yaxis={"tickvals": ranks, "ticktext": ticks, "autorange": "reversed"},
    )


# id → (title, function): the dashboard's charts in the order it shows them.
CHARTS: dict[str, tuple[str, Chart]] = {
    "edits_per_month": ("Edits per month", edits_per_month),
    "edits_per_day": ("Edits per day", edits_per_day),
    "article_size": ("Article size", article_size),
    "top_editors_by_edits": ("Top editors by edits", top_editors_by_edits),
    "top_editors_by_bytes": ("Top editors by bytes added (reverts excluded)", top_editors_by_bytes),
    "concentration": ("Editor concentration", concentration),
    "activity_heatmap": ("When people edit", activity_heatmap),
    "reverts_per_month": ("Reverts per month and edit wars", reverts_per_month),
    "most_reverted_editors": ("Most reverted editors", most_reverted_editors),
    "year_table": ("Year by year", year_table),
    "top_countries": ("Top countries of anonymous edits", top_countries),
    "countries_map": ("Anonymous edits by country", countries_map),
}


# id → what the card says instead of a chart when the history has nothing for it to show
# (an empty chart's 0–6 axes, or one bar with millisecond ticks, read as a fault).
NOTHING_TO_SHOW: dict[str, tuple[Callable[[PageFigures], bool], str]] = {
    "edits_per_month": (
        lambda f: len(f["timeline"]["months"]["month"]) < 2,
        "Every edit falls in one month: nothing to chart over time yet.",
    ),
    "edits_per_day": (
        lambda f: len(f["timeline"]["days"]["date"]) < 2,
        "Every edit falls on one day: nothing to chart over time yet.",
    ),
    "article_size": (
        lambda f: len(f["size"]["timestamp"]) < 2,
        "One size so far: nothing to chart over time yet.",
    ),
    "top_editors_by_edits": (lambda f: not f["top_editors"]["by_edits"], "No named editor."),
    "top_editors_by_bytes": (
        lambda f: not f["top_editors"]["by_bytes"],
        "No editor added bytes that stayed.",
    ),
    "concentration": (
        lambda f: f["editors"] < 2,
        "Fewer than two editors: no shares to compare.",
    ),
    "activity_heatmap": (lambda f: f["edits"] == 0, "No edits."),
    "reverts_per_month": (lambda f: not f["reverts"], "No reverts: nothing to show."),
    "most_reverted_editors": (
        lambda f: not f["conflict"]["most_reverted"],
        "No edit was reverted.",
    ),
    "top_countries": (
        lambda f: not f["countries"]["top"],
        "No anonymous edit from an address that could be located.",
    ),
    "countries_map": (
        lambda f: not f["countries"]["top"],
        "No anonymous edit from an address that could be located.",
    ),
}


def dashboard_charts(figures: PageFigures) -> list[ChartSpec]:
    """Every chart of the dashboard, in order; `empty` says why a chart is left out."""
    return [
        {
            "id": key,
            "title": title,
            "figure": chart(figures),
            "config": PLOTLY_CONFIG,
            "empty": _nothing_to_show(key, figures),
            "summary": summary(key, figures),
        }
        for key, (title, chart) in CHARTS.items()
    ]


def _nothing_to_show(key: str, figures: PageFigures) -> str | None:
    test, message = NOTHING_TO_SHOW.get(key, (lambda _: False, ""))
    return message if test(figures) else None


def compared_edits(pages: Sequence[PageFigures]) -> ChartSpec:
    """Two (or more) articles' edits per month as lines on one time axis, zoomable."""
    traces = [
        trace(
            "scatter",
            x=page["timeline"]["months"]["month"],
            y=page["timeline"]["months"]["edits"],
            mode="lines",
            name=label(page["title"], LABEL_MAX),
            line={"color": colour, "width": 1.5, "shape": "hv"},
            hovertemplate="%{x|%B %Y}: %{y:,} edits",  # the trace's name shows beside
        )
        for page, colour in zip(pages, COMPARED_COLOURS, strict=False)
    ]
    every = sorted(month for page in pages for month in page["timeline"]["months"]["month"])
    fig = figure(
        traces,
        meta=RESCALE_Y,
        xaxis={"type": "date", "rangeslider": {"visible": True},
               "range": padded(every[:1] + every[-1:], "month")},
        yaxis={"title": {"text": "edits per month"}, "rangemode": "tozero"},
    )  # fmt: skip
    return {
        "id": "compare_edits",
        "title": "Edits per month",
        "figure": fig,
        "config": PLOTLY_CONFIG,
        "empty": None if every else "Neither article has edits.",
        "summary": "; ".join(f"{page['title']}: {count(page['edits'], 'edit')}" for page in pages),
    }


_BAR_WIDTH = 0.8  # of a rank: a row of the editor bars, with a gap between rows
_UNITS = {"edits": "edits", "added": "bytes added", "reverted": "edits reverted"}
_KIND_NAMES = {"user": "registered", "anon": "IP address", "temp": "temporary account",
               "bot": "bot", "hidden": "hidden user"}  # fmt: skip


def _editor_bars(
    editors: list[RankedEditor], value: Literal["edits", "added", "reverted"]
) -> PlotlyFigure:
    """One bar trace per kind of editor (so the legend names every colour), each bar at
    its rank. Bars sit at ranks 1…n with the names as tick text: names never become
    categories, so two names cut to the same label stay apart, and "2001" stays a name.
    Every trace states its bars' width: plotly sizes a trace's bars by the gap between
    that trace's own positions, so two bots at ranks 11 and 14 would get bars three rows
    thick, laid over the editors between them."""
    unit = _UNITS[value]
    ranks = list(range(1, len(editors) + 1))
    traces = []
    for kind, name in _KIND_NAMES.items():
        mine = [(rank, e) for rank, e in zip(ranks, editors, strict=True) if e["kind"] == kind]
        if not mine:
            continue
        traces.append(
            trace(
                "bar",
                name=name,
                x=[e[value] for _, e in mine],
                y=[rank for rank, _ in mine],
                orientation="h",
                width=_BAR_WIDTH,
                marker={"color": COLOURS.get(kind, COLOURS["hidden"])},
                customdata=[[label(e["name"]), name, e["edits"], e["added"]] for _, e in mine],
                hovertemplate=f"<b>%{{customdata[0]}}</b> (%{{customdata[1]}})<br>%{{x:,}} {unit}"
                "<br>%{customdata[2]:,} edits, %{customdata[3]:,} bytes added<extra></extra>",
            )
        )
    most = max((e[value] for e in editors), default=0)
    return figure(
        traces,
        barmode="overlay",
        showlegend=True,
        xaxis={"title": {"text": unit}, "rangemode": "tozero", **whole_numbers(most)},
        yaxis={
            "tickvals": ranks,
            "ticktext": [label(e["name"], LABEL_MAX) for e in editors],
            "autorange": "reversed",
        },
    )
