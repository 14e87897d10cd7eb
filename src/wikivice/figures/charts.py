"""The dashboard's charts, and the compare page's: plotly figures built from `PageFigures`.

One function per chart, each taking a page's figures and returning a JSON-able
`PlotlyFigure` ({"data": [...], "layout": {...}}). `dashboard_charts` lists them all as
`ChartSpec`s; the page draws each with the app's own plotly.js (never a CDN):
`Plotly.newPlot(div, item.figure.data, item.figure.layout, item.config)`, where
`config` is `plotting.PLOTLY_CONFIG` (it points the world map's outlines at /static/).
`compared_edits` is the compare page's chart of two articles. Every user string goes
through `plotting.label` (see there why).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Literal, get_args

import plotly.graph_objects as go

from wikivice.figures.geography import countries_map
from wikivice.figures.plotting import (
    COLOURS,
    LABEL_MAX,
    PLOTLY_CONFIG,
    ChartSpec,
    PlotlyFigure,
    figure,
    label,
    to_json,
)
from wikivice.figures.types import EditWar, PageFigures, RankedEditor

__all__ = ["CHARTS", "PLOTLY_CONFIG", "compared_edits", "dashboard_charts"]

Chart = Callable[[PageFigures], PlotlyFigure]
COMPARED_COLOURS = ("#3366cc", "#dc3912")  # the first and the second article
YearColumn = Literal["year", "edits", "anonymous", "minor", "bots", "reverts", "size"]
_RANGE_BUTTONS = [
    {"count": 1, "label": "1y", "step": "year", "stepmode": "backward"},
    {"count": 5, "label": "5y", "step": "year", "stepmode": "backward"},
    {"step": "all", "label": "all"},
]


def edits_per_month(figures: PageFigures) -> PlotlyFigure:
    """Stacked bars of edits per month: registered, anonymous (IP + temporary), bots and,
    when there are any, hidden users; a range slider and 1y/5y/all buttons to zoom."""
    months = figures["timeline"]["months"]
    series: list[tuple[Literal["registered", "anonymous", "bot", "hidden"], str]] = [
        ("registered", "registered"),
        ("anonymous", "anonymous"),
        ("bot", "bots"),
    ]
    if any(months["hidden"]):
        series.append(("hidden", "hidden user"))
    traces = [
        go.Bar(
            name=name,
            marker_color=COLOURS[key],
            hovertemplate=f"%{{x|%B %Y}}: %{{y:,}} {name} edits<extra></extra>",
        )
        for key, name in series
    ]
    fig = figure(traces, barmode="stack", bargap=0.1)
    fig.update_xaxes(
        type="date", rangeslider={"visible": True}, rangeselector={"buttons": _RANGE_BUTTONS}
    )
    fig.update_yaxes(title_text="edits", rangemode="tozero")
    return to_json(fig, [{"x": months["month"], "y": months[key]} for key, _ in series])


def edits_per_day(figures: PageFigures) -> PlotlyFigure:
    """Edits per UTC day (days with edits), zoomable like the month chart."""
    days = figures["timeline"]["days"]
    trace = go.Bar(
        marker_color=COLOURS["registered"],
        hovertemplate="%{x|%d %b %Y}: %{y:,} edits<extra></extra>",
    )
    fig = figure([trace], bargap=0)
    fig.update_xaxes(
        type="date", rangeslider={"visible": True}, rangeselector={"buttons": _RANGE_BUTTONS}
    )
    fig.update_yaxes(title_text="edits", rangemode="tozero")
    return to_json(fig, [{"x": days["date"], "y": days["edits"]}])


def article_size(figures: PageFigures) -> PlotlyFigure:
    """The size in bytes over time; a band shows each bucket's smallest and largest size,
    so blankings and big additions stay visible however long the history."""
    size = figures["size"]
    band = {"mode": "lines", "line": {"width": 0}, "hoverinfo": "skip"}
    traces = [
        go.Scatter(**band, showlegend=False),
        go.Scatter(
            **band, fill="tonexty", fillcolor="rgba(51,102,204,0.2)", name="smallest – largest"
        ),
        go.Scatter(
            mode="lines",
            name="size",
            line={"color": COLOURS["registered"], "width": 1.5, "shape": "hv"},
            hovertemplate="%{x|%d %b %Y %H:%M}: %{y:,} bytes<extra></extra>",
        ),
    ]
    fig = figure(traces)
    fig.update_xaxes(type="date", rangeslider={"visible": True})
    fig.update_yaxes(title_text="bytes", rangemode="tozero")
    x = size["timestamp"]
    return to_json(fig, [{"x": x, "y": size[key]} for key in ("min", "max", "size")])


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
        go.Scatter(
            x=[0, 1], y=[0, 1], mode="lines", name="equal shares", hoverinfo="skip",
            line={"color": "#999", "dash": "dot"},
        ),
        go.Scatter(
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
    fig = figure(traces)
    if spread["gini"] is not None:
        fig.add_annotation(
            x=0.02, y=0.98, xref="paper", yref="paper", showarrow=False, align="left",
            text=f"Gini {spread['gini']:.2f}<br>top 10 editors: {spread['top10_share']:.0%}"
            f"<br>top 10% of editors: {spread['top10pct_share']:.0%}",
        )  # fmt: skip
    fig.update_xaxes(title_text="share of editors", tickformat=".0%", range=[0, 1])
    fig.update_yaxes(title_text="share of edits", tickformat=".0%", range=[0, 1])
    return to_json(fig)


def activity_heatmap(figures: PageFigures) -> PlotlyFigure:
    """Edits by weekday and hour of day (UTC)."""
    heat = figures["heatmap"]
    trace = go.Heatmap(
        z=heat["edits"],
        x=heat["hours"],
        y=heat["weekdays"],
        colorscale="Blues",
        hovertemplate="%{y} %{x}:00–%{x}:59 UTC: %{z:,} edits<extra></extra>",
        colorbar={"thickness": 12},
    )
    fig = figure([trace])
    fig.update_xaxes(title_text="hour", dtick=3, showgrid=False)
    fig.update_yaxes(autorange="reversed", showgrid=False)
    return to_json(fig)


def reverts_per_month(figures: PageFigures) -> PlotlyFigure:
    """Reverts per month, with the edit wars of most reverts marked (shaded and pinned)."""
    months = figures["timeline"]["months"]
    wars = figures["conflict"]["edit_wars"]
    traces: list[Any] = [
        go.Bar(
            name="reverts",
            marker_color=COLOURS["revert"],
            hovertemplate="%{x|%B %Y}: %{y:,} reverts<extra></extra>",
        )
    ]
    if wars:
        traces.append(
            go.Scatter(
                x=[_day(war["start"]) for war in wars],
                y=[war["reverts"] for war in wars],
                mode="markers+text",
                name="edit wars",
                text=[f"#{i}" for i in range(1, len(wars) + 1)],
                textposition="top center",
                cliponaxis=False,
                marker={"symbol": "triangle-down", "size": 12, "color": "#000"},
                customdata=[_war_text(war) for war in wars],
                hovertemplate="%{customdata}<extra></extra>",
            )
        )
    shaded = [
        {"type": "rect", "xref": "x", "yref": "paper", "x0": _day(war["start"]),
         "x1": f"{_day(war['end'])} 23:59:59", "y0": 0, "y1": 1, "fillcolor": COLOURS["revert"],
         "opacity": 0.2, "line": {"width": 0}, "layer": "below"}
        for war in wars
    ]  # fmt: skip
    fig = figure(traces, shapes=shaded)  # (add_vrect costs 2 ms a shape)
    fig.update_xaxes(type="date", rangeslider={"visible": True})
    fig.update_yaxes(title_text="reverts", rangemode="tozero")
    return to_json(fig, [{"x": months["month"], "y": months["reverts"]}])


def year_table(figures: PageFigures) -> PlotlyFigure:
    """A table of the years: edits, anonymous, minor, bot edits, reverts, size at year end."""
    years = figures["years"]
    columns: tuple[YearColumn, ...] = get_args(YearColumn)
    headers = ("Year", "Edits", "Anonymous", "Minor", "Bots", "Reverts", "Size at year end")
    trace = go.Table(
        header={"values": list(headers), "align": "right", "fill_color": "#f0f0f0"},
        cells={
            "values": [[row[c] for row in years] for c in columns],
            "align": "right",
            "format": ["d"] + [","] * (len(columns) - 1),
        },
    )
    return to_json(figure([trace], cartesian=False))


def top_countries(figures: PageFigures) -> PlotlyFigure:
    """Horizontal bars: the countries with most anonymous (IP) edits."""
    top = figures["countries"]["top"]
    ranks = list(range(1, len(top) + 1))
    trace = go.Bar(
        x=[c["edits"] for c in top],
        y=ranks,
        orientation="h",
        marker_color=COLOURS["anonymous"],
        customdata=[[label(c["name"]), c["share"], c["editors"]] for c in top],
        hovertemplate="<b>%{customdata[0]}</b>: %{x:,} edits (%{customdata[1]:.1%} of IP edits)"
        " from %{customdata[2]:,} addresses<extra></extra>",
    )
    fig = figure([trace])
    fig.update_yaxes(
        tickvals=ranks, ticktext=[label(c["name"], LABEL_MAX) for c in top], autorange="reversed"
    )
    fig.update_xaxes(title_text="anonymous edits")
    return to_json(fig)


# id → (title, function): the dashboard's charts in the order it shows them.
CHARTS: dict[str, tuple[str, Chart]] = {
    "edits_per_month": ("Edits per month", edits_per_month),
    "edits_per_day": ("Edits per day", edits_per_day),
    "article_size": ("Article size", article_size),
    "top_editors_by_edits": ("Top editors by edits", top_editors_by_edits),
    "top_editors_by_bytes": ("Top editors by bytes added (reverts excluded)", top_editors_by_bytes),
    "concentration": ("Editor concentration", concentration),
    "activity_heatmap": ("When people edit (UTC)", activity_heatmap),
    "reverts_per_month": ("Reverts per month and edit wars", reverts_per_month),
    "most_reverted_editors": ("Most reverted editors", most_reverted_editors),
    "year_table": ("Year by year", year_table),
    "top_countries": ("Top countries of anonymous edits", top_countries),
    "countries_map": ("Anonymous edits by country", countries_map),
}


def dashboard_charts(figures: PageFigures) -> list[ChartSpec]:
    """Every chart of the dashboard, in order."""
    return [
        {"id": key, "title": title, "figure": chart(figures), "config": PLOTLY_CONFIG}
        for key, (title, chart) in CHARTS.items()
    ]


def compared_edits(pages: Sequence[PageFigures]) -> ChartSpec:
    """Two (or more) articles' edits per month as lines on one time axis, zoomable."""
    traces = [
        go.Scatter(
            mode="lines",
            name=label(page["title"], LABEL_MAX),
            line={"color": colour, "width": 1.5, "shape": "hv"},
            hovertemplate="%{x|%B %Y}: %{y:,} edits",  # the trace's name shows beside
        )
        for page, colour in zip(pages, COMPARED_COLOURS, strict=False)
    ]
    fig = figure(traces)
    fig.update_xaxes(type="date", rangeslider={"visible": True})
    fig.update_yaxes(title_text="edits per month", rangemode="tozero")
    months = [page["timeline"]["months"] for page in pages]
    return {
        "id": "compare_edits",
        "title": "Edits per month",
        "figure": to_json(fig, [{"x": m["month"], "y": m["edits"]} for m in months]),
        "config": PLOTLY_CONFIG,
    }


def _editor_bars(
    editors: list[RankedEditor], value: Literal["edits", "added", "reverted"]
) -> PlotlyFigure:
    # Bars sit at ranks 1…n with the names as tick text: names never become categories,
    # so two names cut to the same label stay apart, and "2001" stays a name.
    ranks = list(range(1, len(editors) + 1))
    trace = go.Bar(
        x=[e[value] for e in editors],
        y=ranks,
        orientation="h",
        marker_color=[COLOURS.get(e["kind"], COLOURS["hidden"]) for e in editors],
        customdata=[[label(e["name"]), e["kind"], e["edits"], e["added"]] for e in editors],
        hovertemplate=f"<b>%{{customdata[0]}}</b> (%{{customdata[1]}})<br>%{{x:,}} {value}"
        "<br>%{customdata[2]:,} edits, %{customdata[3]:,} bytes added<extra></extra>",
    )
    fig = figure([trace])
    fig.update_yaxes(
        tickvals=ranks,
        ticktext=[label(e["name"], LABEL_MAX) for e in editors],
        autorange="reversed",
    )
    fig.update_xaxes(title_text=value)
    return to_json(fig)


def _day(timestamp: str) -> str:
    """`2020-05-01T12:00:00Z` → `2020-05-01`: a war is marked on the days it spans."""
    return timestamp[:10]


def _war_text(war: EditWar) -> str:
    """A war's hover text: its days, its reverts, and who reverted whom."""
    first, last = _day(war["start"]), _day(war["end"])
    lines = [f"<b>{first if first == last else f'{first} – {last}'}</b>"]
    lines.append(f"{war['reverts']:,} reverts among {war['edits']:,} edits")
    for c in war["combatants"][:4]:
        undid = ", ".join(label(o["name"], LABEL_MAX) for o in c["reverted"][:3])
        times = "revert" if c["reverts"] == 1 else "reverts"
        lines.append(f"{label(c['name'], LABEL_MAX)}: {c['reverts']:,} {times} of {undid}")
    more = war["combatant_count"] - min(4, len(war["combatants"]))
    if more > 0:
        lines.append(f"and {more} more editor{'' if more == 1 else 's'}")
    return "<br>".join(lines)
