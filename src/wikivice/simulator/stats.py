"""The simulator's bookkeeping: `SimulatorStats`, what the wiki endpoints were asked.

The app counts every api.php and rest.php request as it arrives (`arrived`, `left`:
totals, per endpoint, concurrency), then what it asks for once its parameters are read
(`count_action`: per action, per prop/list/meta module). Controls under `/_simulator/`
are never counted. `Simulator.reset_stats()` starts a new object, so a request still in
flight settles its `in_flight` on the object that counted it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

__all__ = ["SimulatorStats"]


@dataclass
class SimulatorStats:
    """Counters since start or the last reset (wiki endpoints only)."""

    requests: int = 0
    by_endpoint: Counter[str] = field(default_factory=Counter)
    by_action: Counter[str] = field(default_factory=Counter)
    by_module: Counter[str] = field(default_factory=Counter)
    faults: Counter[str] = field(default_factory=Counter)
    forbidden: int = 0
    in_flight: int = 0
    max_concurrent: int = 0
    revisions_served: int = 0

    @property
    def faults_injected(self) -> int:
        return sum(self.faults.values())

    def arrived(self, endpoint: str) -> None:
        """A request to `endpoint` ("api" or "rest") has begun."""
        self.requests += 1
        self.by_endpoint[endpoint] += 1
        self.in_flight += 1
        self.max_concurrent = max(self.max_concurrent, self.in_flight)

    def left(self) -> None:
        self.in_flight -= 1

    def count_action(self, path: str, params: dict[str, str], is_api: bool) -> None:
        """api.php: the action and each module named; rest.php: the route's last two
        segments (`rest:counts/edits`)."""
        if not is_api:
            self.by_action["rest:" + "/".join(path.split("/")[-2:])] += 1
            return
        action = params.get("action", "help")
        self.by_action[action] += 1
        for group in ("prop", "list", "meta") if action == "query" else ():
            for name in dict.fromkeys(filter(None, params.get(group, "").split("|"))):
                self.by_module[f"{group}={name}"] += 1

    def as_dict(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "by_endpoint": dict(self.by_endpoint),
            "by_action": dict(self.by_action),
            "by_module": dict(self.by_module),
            "faults": dict(self.faults),
            "faults_injected": self.faults_injected,
            "forbidden": self.forbidden,
            "in_flight": self.in_flight,
            "max_concurrent": self.max_concurrent,
            "revisions_served": self.revisions_served,
        }
