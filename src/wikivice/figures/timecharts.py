"""The dashboard's charts over time: edits per month and per day, the article's size, and
reverts per month with the edit wars marked. Each takes a page's figures and returns a
`PlotlyFigure` (see charts.py, which lists every chart); the time axes share zoom buttons,
a range slider, a y axis rescaled to what is in view, and a sane span for tiny histories.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Literal

from wikivice.figures.plotting import (
    COLOURS,
    LABEL_MAX,
    PlotlyFigure,
    Trace,
    figure,
    label,
    trace,
    whole_numbers,
)
from wikivice.figures.types import EditWar, PageFigures

_RANGE_BUTTONS = [
    {"count": 1, "label": "1y", "step": "year", "stepmode": "backward"},
    {"count": 5, "label": "5y", "step": "year", "stepmode": "backward"},
    {"step": "all", "label": "all"},
]
# The zoom buttons sit above the plot's left end; a chart with them keeps its legend in a
# column right of the plot (`_SIDE_LEGEND`), so a legend wrapped onto two lines never runs
# under the buttons. On a phone's narrow screen, where that column would squeeze the plot,
# static/js/narrow.js moves the legend across the chart's top, above the buttons.
_RANGE_SELECTOR = {
    "buttons": _RANGE_BUTTONS, "x": 0, "xanchor": "left", "y": 1.02, "yanchor": "bottom",
}  # fmt: skip
# Room above the zoom buttons for plotly's toolbar (shown on hover, at the figure's top).
_BELOW_TOOLS = {"l": 60, "r": 20, "t": 64, "b": 40}
_SIDE_LEGEND = {"orientation": "v", "x": 1.02, "xanchor": "left", "y": 1, "yanchor": "top"}
# static/js/charts.js rescales the y axis of a chart with this `meta` to the bars in view
# whenever its x axis is zoomed (plotly keeps the whole history's y range otherwise).
RESCALE_Y = {"rescale": "y"}
_WAR_MARKER = 12  # px: an edit war's marker, the triangle its number sits on
# A time axis shorter than this is widened (centred on the data): a single month or day
# would otherwise get ticks in milliseconds ("23:59:59.9996").
_MIN_SPAN_DAYS = {"month": 180, "day": 14, "moment": 14}


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
        trace(
            "bar",
            x=months["month"],
            y=months[key],
            name=name,
            marker={"color": COLOURS[key]},
            hovertemplate=f"%{{x|%B %Y}}: %{{y:,}} {name} edits<extra></extra>",
        )
        for key, name in series
    ]
    return figure(
        traces,
        barmode="stack",
        bargap=0.1,
        meta=RESCALE_Y,
        legend=_SIDE_LEGEND,
        margin=_BELOW_TOOLS,
        xaxis=_zoomable(months["month"], "month", buttons=True),
        yaxis={
            "title": {"text": "edits per month"},
            "rangemode": "tozero",
            **whole_numbers(max(months["edits"], default=0)),
        },
    )


def edits_per_day(figures: PageFigures) -> PlotlyFigure:
    """Edits per UTC day (days with edits), zoomable like the month chart."""
    days = figures["timeline"]["days"]
    bars = trace(
        "bar",
        x=days["date"],
        y=days["edits"],
        name="edits",
        marker={"color": COLOURS["registered"]},
        hovertemplate="%{x|%d %b %Y}: %{y:,} edits<extra></extra>",
    )
    return figure(
        [bars],
        bargap=0,
        meta=RESCALE_Y,
        showlegend=False,
        margin=_BELOW_TOOLS,
        xaxis=_zoomable(days["date"], "day", buttons=True),
        yaxis={
            "title": {"text": "edits per day"},
            "rangemode": "tozero",
            **whole_numbers(max(days["edits"], default=0)),
        },
    )


def article_size(figures: PageFigures) -> PlotlyFigure:
    """The size in bytes over time; a band shows each bucket's smallest and largest size,
    so blankings and big additions stay visible however long the history."""
    size = figures["size"]
    x = size["timestamp"]

    def band(y: list[int], **props: Any) -> Trace:
        line = {"width": 0}
        return trace("scatter", x=x, y=y, mode="lines", line=line, hoverinfo="skip", **props)

    traces = [
        band(size["min"], showlegend=False),
        band(size["max"], fill="tonexty", fillcolor="rgba(51,102,204,0.2)",
             name="smallest – largest"),
        trace(
            "scatter",
            x=x,
            y=size["size"],
            mode="lines",
            name="size",
            line={"color": COLOURS["registered"], "width": 1.5, "shape": "hv"},
            hovertemplate="%{x|%d %b %Y %H:%M}: %{y:,} bytes<extra></extra>",
        ),
    ]  # fmt: skip
    return figure(
        traces,
        meta=RESCALE_Y,
        xaxis=_zoomable(x, "moment"),
        yaxis={"title": {"text": "size (bytes)"}, "rangemode": "tozero"},
    )


def reverts_per_month(figures: PageFigures) -> PlotlyFigure:
    """Reverts per month, with the edit wars of most reverts marked (shaded and pinned)."""
    months = figures["timeline"]["months"]
    wars = figures["conflict"]["edit_wars"]
    traces = [
        trace(
            "bar",
            x=months["month"],
            y=months["reverts"],
            name="reverts",
            marker={"color": COLOURS["revert"]},
            hovertemplate="%{x|%B %Y}: %{y:,} reverts<extra></extra>",
        )
    ]
    if wars:
        traces.append(
            trace(
                "scatter",
                x=[_day(war["start"]) for war in wars],
                y=[war["reverts"] for war in wars],
                mode="markers",
                name="edit wars",
                cliponaxis=False,
                marker={"symbol": "triangle-down", "size": _WAR_MARKER, "color": "#000"},
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
    # The wars' numbers are annotations, not the markers' text: the range slider draws
    # every trace again in its short strip, where a "#1" above its marker was cut off,
    # and it leaves annotations out.
    numbers = [
        {"x": _day(war["start"]), "y": war["reverts"], "xref": "x", "yref": "y",
         "text": f"#{i}", "showarrow": False, "yanchor": "bottom", "yshift": _WAR_MARKER / 2}
        for i, war in enumerate(wars, 1)
    ]  # fmt: skip
    # Room above the tallest bar or war marker for the marker's "#1" (never clipped).
    highest = max([*months["reverts"], *(war["reverts"] for war in wars), 1])
    return figure(
        traces,
        shapes=shaded or None,
        annotations=numbers or None,
        meta=RESCALE_Y,
        xaxis=_zoomable(months["month"], "month"),
        yaxis={
            "title": {"text": "reverts per month"},
            "range": [0, highest * 1.25],
            **whole_numbers(highest),
        },
    )


def _zoomable(
    x: list[str], unit: Literal["month", "day", "moment"], buttons: bool = False
) -> dict[str, Any]:
    """A time axis with a range slider (and the 1y/5y/all buttons), widened if short."""
    axis = {"type": "date", "rangeslider": {"visible": True}, "range": padded(x, unit)}
    return {**axis, "rangeselector": _RANGE_SELECTOR} if buttons else axis


def padded(x: list[str], unit: Literal["month", "day", "moment"]) -> list[str] | None:
    """An x range for a time axis whose data spans less than `_MIN_SPAN_DAYS[unit]`
    (centred on it), else None (plotly's own)."""
    if not x:
        return None
    first, last = _to_datetime(x[0]), _to_datetime(x[-1])
    span = timedelta(days=_MIN_SPAN_DAYS[unit])
    if last - first >= span:
        return None
    middle = first + (last - first) / 2
    return [(middle - span / 2).isoformat(), (middle + span / 2).isoformat()]


def _to_datetime(value: str) -> datetime:
    """`2020-05`, `2020-05-01` or `2020-05-01T12:00:00Z` as a naive UTC datetime."""
    text = value.removesuffix("Z")
    return datetime.fromisoformat(text + "-01" if len(text) == 7 else text)


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
