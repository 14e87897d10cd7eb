"""Fault injection: which api.php / rest.php requests fail, and how.

Spec grammar (`FaultSpec.parse`), comma-separated `key=value`, spaces ignored:

    spec   := "" | item ("," item)*
    item   := kind "=" probability          probability in [0, 1]; 1 means always
            | "seed=" int                   the decision stream's seed (default 0)
            | "retry_after=" int            Retry-After seconds for 429/503/maxlag (default 1)
            | "hang=" seconds               how long a `timeout` hangs (default 30)
            | "after=" int                  the first K requests never fail (default 0)
            | "count=" int                  stop after N injected faults (default: no limit)
    kind   := "5xx" | "429" | "maxlag" | "timeout" | "truncated" | "malformed"

Example: "5xx=1,count=3" fails exactly the next three requests with 503, 502, 500.

Each request draws one number per kind, in the order above, from `random.Random(seed)`;
the first kind whose draw is below its probability is injected. The number of draws per
request is fixed, so a spec and a request sequence always give the same faults.
`maxlag` only fires on requests that carry a `maxlag` parameter, like MediaWiki's.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field

__all__ = ["KINDS", "FaultInjector", "FaultSpec"]

KINDS = ("5xx", "429", "maxlag", "timeout", "truncated", "malformed")
_STATUSES_5XX = (503, 502, 500)


@dataclass(frozen=True)
class FaultSpec:
    """A parsed, immutable fault specification (see the module docstring)."""

    rates: dict[str, float] = field(default_factory=dict, hash=False)
    seed: int = 0
    retry_after: int = 1
    hang: float = 30.0
    after: int = 0
    count: int | None = None

    @classmethod
    def parse(cls, spec: str | None) -> FaultSpec:
        rates: dict[str, float] = {}
        options: dict[str, float] = {}
        for item in (spec or "").replace(" ", "").split(","):
            if not item:
                continue
            key, sep, value = item.partition("=")
            if not sep:
                raise ValueError(f"fault spec item {item!r} is not key=value")
            try:
                number = float(value)
            except ValueError:
                raise ValueError(f"fault spec {key}={value!r} is not a number") from None
            if key in KINDS:
                if not 0 <= number <= 1:
                    raise ValueError(f"fault probability {key}={value} is not within [0, 1]")
                rates[key] = number
            elif key in ("seed", "retry_after", "hang", "after", "count"):
                if number < 0 or (key != "hang" and number != int(number)):
                    raise ValueError(f"fault option {key}={value} must be a whole number >= 0")
                options[key] = number
            else:
                raise ValueError(f"unknown fault spec key {key!r} (kinds: {', '.join(KINDS)})")
        return cls(
            rates=rates,
            seed=int(options.get("seed", 0)),
            retry_after=int(options.get("retry_after", 1)),
            hang=options.get("hang", 30.0),
            after=int(options.get("after", 0)),
            count=int(options["count"]) if "count" in options else None,
        )

    @property
    def active(self) -> bool:
        return any(self.rates.values())

    def __str__(self) -> str:
        parts = [f"{k}={self.rates[k]:g}" for k in KINDS if k in self.rates]
        if parts:
            parts += [f"seed={self.seed}", f"retry_after={self.retry_after}"]
            parts += [f"hang={self.hang:g}", f"after={self.after}"]
            parts += [f"count={self.count}"] if self.count is not None else []
        return ",".join(parts)


class FaultInjector:
    """The running state of one FaultSpec: its random stream and counters."""

    def __init__(self, spec: FaultSpec) -> None:
        self.spec = spec
        self._rng = random.Random(spec.seed)
        self._lock = threading.Lock()
        self.seen = 0
        self.injected = 0
        self._turn = 0

    def decide(self, *, has_maxlag: bool) -> str | None:
        """The fault for the next request, or None."""
        spec = self.spec
        if not spec.rates:
            return None
        with self._lock:
            self.seen += 1
            draws = [self._rng.random() for _ in KINDS]
            if self.seen <= spec.after:
                return None
            if spec.count is not None and self.injected >= spec.count:
                return None
            for kind, draw in zip(KINDS, draws, strict=True):
                if kind == "maxlag" and not has_maxlag:
                    continue
                if draw < spec.rates.get(kind, 0.0):
                    self.injected += 1
                    return kind
            return None

    def next_5xx(self) -> int:
        """503, 502, 500 in turn (a 503 carries Retry-After)."""
        with self._lock:
            status = _STATUSES_5XX[self._turn % len(_STATUSES_5XX)]
            self._turn += 1
            return status
