"""When the database cannot be used at all: a URL WikiVice does not know, or a server
that refuses or never answers. Said in one line for whoever runs `wikivice` (issue 10: a
database that accepted connections and never answered hung start-up for 261 s; a
`postgres://` URL failed with an unexplained dialect error).

Kept apart from `database` so the CLI can name the error without importing SQLAlchemy.
"""

from __future__ import annotations

import re

SETTING = "WIKIVICE_DATABASE_URL"
SCHEME = re.compile(r"^[a-z][a-z0-9+.-]{0,39}$")


class DatabaseUnavailable(Exception):
    """The database cannot be used; the message is one line, without the URL's password."""


def unknown_url(scheme: str | None) -> DatabaseUnavailable:
    """For a URL of another database or driver (`scheme`), or none at all (None). Only
    a scheme is repeated: the rest of a URL may hold a password."""
    what = f"{scheme!r} is" if scheme and SCHEME.match(scheme) else "this is"
    return DatabaseUnavailable(
        f"{SETTING}: {what} not a database WikiVice can use; give "
        "postgresql://user@host/database or sqlite:///path/to/file.db"
    )


def unreachable(where: str, reason: str, timeout: float) -> DatabaseUnavailable:
    """From the driver's error text (`reason`) to one line: no answer within `timeout`
    seconds, a refusal, or the server's own first line (a wrong password, no such
    database)."""
    lines = [line.strip() for line in reason.strip().splitlines() if line.strip()]
    first = lines[0] if lines else "no reason given"
    if "timeout expired" in first or "timed out" in first:
        why = f"no answer in {timeout:g} s"
    elif "Connection refused" in first:
        why = "connection refused"
    else:
        # psycopg: 'connection failed: connection to server at "h", port p failed: <why>'
        why = first.rsplit(" failed: ", 1)[-1][:200]
    return DatabaseUnavailable(f"cannot reach the database at {where} ({why}); check {SETTING}")
