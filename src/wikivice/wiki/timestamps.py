"""MediaWiki's timestamps (ISO 8601 in UTC, `2023-11-24T18:05:57Z`) and epoch seconds,
which is how WikiVice stores and computes with time."""

from __future__ import annotations

from datetime import UTC, datetime


def iso(ts: int | float) -> str:
    """Seconds since the epoch → `2023-11-24T18:05:57Z`."""
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_timestamp(text: str) -> int:
    """`2023-11-24T18:05:57Z` → seconds since the epoch."""
    return int(datetime.fromisoformat(text).timestamp())
