"""One api.php call as the modules see it: `Request` (its parameters read the way
MediaWiki's ParamValidator reads them, and the warnings collected on the way) and
`ApiFailure`, the error answer a module raises to end the call.

`handle()` in api.py turns an `ApiFailure` into MediaWiki's error body; every module
below the dispatcher (the page set, the prop, list and meta modules, compare) imports
only this module, never the dispatcher.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import formats

if TYPE_CHECKING:
    from .app import Simulator

__all__ = ["BADCONTINUE", "ApiFailure", "Request", "to_int"]

BADCONTINUE = (
    "Invalid continue param. You should pass the original value returned by the previous query."
)


class ApiFailure(Exception):
    """An error answer of the simulated API: `code` and `info`, plus any `extra` fields
    MediaWiki puts beside them in the `error` object."""

    def __init__(self, code: str, info: str, **extra: Any) -> None:
        super().__init__(info)
        self.code, self.info, self.extra = code, info, extra


def to_int(value: str, name: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise ApiFailure(
            "badinteger", f'Invalid value "{value}" for integer parameter "{name}".'
        ) from None


class Request:
    """One api.php call: its parameters, the simulator and the warnings collected."""

    def __init__(self, sim: Simulator, params: dict[str, str], server: str) -> None:
        self.sim, self.params, self.server = sim, params, server
        self.version = formats.version(params)  # the shapes that depend on it: query.pages
        self.warnings: dict[str, list[str]] = {}
        self.limits: dict[str, int] = {}

    def flag(self, name: str) -> bool:
        return name in self.params  # MediaWiki booleans: present means true

    def multi(
        self, name: str, known: frozenset[str] | None = None, module: str = "main"
    ) -> list[str]:
        raw = self.params.get(name)
        if not raw:
            return []
        values = raw[1:].split("\x1f") if raw.startswith("\x1f") else raw.split("|")
        values = list(dict.fromkeys(values))  # ParamValidator drops repeated values
        if known is None:
            return values
        for v in values:
            if v not in known:
                self.warn(module, f'Unrecognized value for parameter "{name}": {v}.')
        return [v for v in values if v in known]

    def warn(self, module: str, text: str) -> None:
        texts = self.warnings.setdefault(module, [])
        if text not in texts:
            texts.append(text)

    def integer(self, name: str, default: int) -> int:
        raw = self.params.get(name)
        return default if raw is None else to_int(raw, name)

    def limit(self, name: str, module: str, default: int, most: int) -> int:
        if self.params.get(name) == "max":
            self.limits[module] = most
            return most
        value = self.integer(name, default)
        if value > most:
            self.warn(module, f"{name} may not be over {most} (set to {most}) for users.")
            return most
        return max(value, 1)

    def choice(self, name: str, allowed: tuple[str, ...], default: str) -> str:
        value = self.params.get(name, default)
        if value not in allowed:
            raise ApiFailure("badvalue", f'Unrecognized value for parameter "{name}": {value}.')
        return value
