"""Each chart in one sentence: the text alternative a screen reader announces for it (the
chart's `aria-label`), and what a reader who cannot see colour or a plot still needs.

`summary(chart_id, figures)` says what the chart shows at its peak or its top, in plain
words with the units the chart uses; charts not listed here get their title only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from wikivice.figures.types import PageFigures, RankedEditor

_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def count(n: int, one: str, many: str | None = None) -> str:
    """`3`, "edit" → "3 edits"; `1` → "1 edit"."""
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


def _peak(labels: list[str], values: list[int]) -> tuple[str, int]:
    best = max(range(len(values)), key=values.__getitem__)
    return labels[best], values[best]


def _months(f: PageFigures) -> str:
    months = f["timeline"]["months"]
    month, most = _peak(months["month"], months["edits"])
    return (
        f"{count(f['edits'], 'edit')} over {count(len(months['month']), 'month')}; "
        f"the busiest month was {month} with {count(most, 'edit')}."
    )


def _days(f: PageFigures) -> str:
    days = f["timeline"]["days"]
    day, most = _peak(days["date"], days["edits"])
    busiest = f"the busiest was {day} with {count(most, 'edit')}"
    return f"Edits on {count(len(days['date']), 'day')}; {busiest}."


def _size(f: PageFigures) -> str:
    size = f["size"]
    return (
        f"The size went from {count(size['size'][0], 'byte')} on {size['timestamp'][0][:10]} "
        f"to {count(f['current_size'] or 0, 'byte')} now; the largest it has been is "
        f"{count(max(size['max']), 'byte')}."
    )


_EDITOR_UNITS = {"edits": "edits", "added": "bytes added", "reverted": "edits reverted"}


def _editors(rows: list[RankedEditor], key: Literal["edits", "added", "reverted"]) -> str:
    named = ", ".join(f"{e['name'] or '(hidden)'} ({e[key]:,})" for e in rows[:3])
    return f"Most {_EDITOR_UNITS[key]}: {named}."


def _concentration(f: PageFigures) -> str:
    spread = f["concentration"]
    if spread["gini"] is None or spread["top10_share"] is None:
        return "No shares to compare."
    return (
        f"Gini coefficient {spread['gini']:.2f}; the top 10 editors made "
        f"{spread['top10_share']:.0%} of the edits."
    )


def _heatmap(f: PageFigures) -> str:
    grid = f["heatmap"]["edits"]
    weekday, hour = max(
        ((d, h) for d in range(len(grid)) for h in range(len(grid[d]))),
        key=lambda cell: grid[cell[0]][cell[1]],
    )
    return (
        f"The busiest hour is {_WEEKDAYS[weekday]} {hour:02d}:00–{hour:02d}:59 UTC, with "
        f"{count(grid[weekday][hour], 'edit')}."
    )


def _reverts(f: PageFigures) -> str:
    conflict = f["conflict"]
    wars = conflict["war_count"]
    months = f["timeline"]["months"]
    month, most = _peak(months["month"], months["reverts"])
    return (
        f"{count(f['reverts'], 'revert')}, most in {month} ({most:,}); {count(wars, 'edit war')}."
    )


def _countries(f: PageFigures) -> str:
    top = f["countries"]["top"][:3]
    return (
        "Most anonymous edits from: "
        + ", ".join(f"{c['name']} ({c['edits']:,})" for c in top)
        + "."
    )


SUMMARIES: dict[str, Callable[[PageFigures], str]] = {
    "edits_per_month": _months,
    "edits_per_day": _days,
    "article_size": _size,
    "top_editors_by_edits": lambda f: _editors(f["top_editors"]["by_edits"], "edits"),
    "top_editors_by_bytes": lambda f: _editors(f["top_editors"]["by_bytes"], "added"),
    "concentration": _concentration,
    "activity_heatmap": _heatmap,
    "reverts_per_month": _reverts,
    "most_reverted_editors": lambda f: _editors(f["conflict"]["most_reverted"], "reverted"),
    "top_countries": _countries,
    "countries_map": _countries,
}


def summary(chart_id: str, figures: PageFigures) -> str:
    """The chart's text alternative; "" for a chart with nothing to summarise."""
    describe = SUMMARIES.get(chart_id)
    if describe is None:
        return ""
    try:
        return describe(figures)
    except (ValueError, IndexError):  # an empty series: the card says "nothing to show"
        return ""
