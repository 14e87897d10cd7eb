"""Jinja2 filters for numbers, dates and data handed to scripts; `install` also adds the
templates' globals (web/templating.py).

Templates autoescape everything; `script_json` is the one way data reaches a page's
scripts: JSON inside `<script type="application/json">`, with `<`, `>` and `&`
written as \\u escapes so no user text (a title, a user name, an edit summary) can
close the script element.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
from jinja2 import Environment
from markupsafe import Markup

from wikivice.web import templating


def number(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}"
    return f"{int(value):,}"


def count(value: Any, one: str, many: str | None = None) -> str:
    """`3` and "edit" → "3 edits", `1` → "1 edit": a number with its noun, singular or
    plural as the number asks ("–" and the plural when unknown). `many` for irregular
    plurals ("person", "people")."""
    plural = many if many is not None else f"{one}s"
    return f"{number(value)} {one if value == 1 else plural}"


def percent(value: Any, digits: int = 1) -> str:
    return "–" if value is None else f"{float(value) * 100:.{digits}f}%"


def when(value: Any) -> str:
    """An ISO timestamp or epoch seconds, as `24 Nov 2023, 18:05 UTC`."""
    moment = _moment(value)
    return moment.strftime("%-d %b %Y, %H:%M UTC") if moment else "–"


def day(value: Any) -> str:
    moment = _moment(value)
    return moment.strftime("%-d %b %Y") if moment else "–"


def clock(value: Any) -> str:
    """Epoch seconds as `18:05:12.345 UTC` (the job inspector's event times)."""
    moment = _moment(value)
    return moment.strftime("%H:%M:%S.%f")[:-3] + " UTC" if moment else "–"


def duration(seconds: Any) -> str:
    if seconds is None:
        return "–"
    seconds = float(seconds)
    for unit, size in (("year", 31_557_600), ("day", 86_400), ("hour", 3_600), ("minute", 60)):
        if seconds >= size:
            amount = seconds / size
            shown = f"{amount:.1f}".rstrip("0").rstrip(".")
            return f"{shown} {unit}{'' if shown == '1' else 's'}"
    return f"{seconds:.0f} seconds"


def script_json(value: Any) -> Markup:
    text = orjson.dumps(value).decode()
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)  # noqa: S704 - escaped above for a script element


def _moment(value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC)
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def install(env: Environment) -> None:
    env.filters.update(
        number=number,
        count=count,
        percent=percent,
        when=when,
        day=day,
        clock=clock,
        duration=duration,
        script_json=script_json,
    )
    templating.install_globals(env)
