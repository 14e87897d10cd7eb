"""MediaWiki's timestamp formats: ISO 8601 in answers (`iso_timestamp`), the 14-digit
TS_MW form in continuation tokens (`mw_timestamp`), and the forms a parameter may take
(`parse_timestamp`). All in whole Unix seconds, UTC.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime

from .request import ApiFailure

__all__ = ["iso_timestamp", "mw_timestamp", "parse_timestamp"]


def iso_timestamp(t: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def mw_timestamp(t: int) -> str:
    return time.strftime("%Y%m%d%H%M%S", time.gmtime(t))


def parse_timestamp(value: str, name: str) -> int:
    """Unix seconds from the timestamp formats MediaWiki accepts most often."""
    v = value.strip()
    try:
        if v == "now":
            return int(time.time())
        if re.fullmatch(r"\d{14}", v):
            return int(datetime.strptime(v, "%Y%m%d%H%M%S").replace(tzinfo=UTC).timestamp())
        if re.fullmatch(r"\d{1,13}", v):
            return int(v)  # TS_UNIX
        parsed = datetime.fromisoformat(v.replace("Z", "+00:00"))
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        return int(parsed.timestamp())
    except ValueError:
        raise ApiFailure(
            "badtimestamp", f'Invalid value "{value}" for timestamp parameter "{name}".'
        ) from None
