"""A page's stored revisions as downloadable CSV and JSON, streamed from the database.

Never holds a history in memory: revisions are read in keyset pages of `CHUNK` rows,
each in its own short read transaction (so a slow download holds no connection or
snapshot open between chunks), and written out chunk by chunk. A page of 1,000,000
revisions streams in constant memory.

Keyset order is (ts, id): the (page_id, ts) index ends with the row id on SQLite, so
each page of rows is an index range that needs no sort; `id` follows the wiki's order
of revisions within one second, as ingest inserts them in that order.

CSV cells that a user wrote (user names, edit summaries, tags) and that a spreadsheet
would read as a formula (starting with `=`, `+`, `-`, `@`, a tab or a carriage return)
get a leading `'` (OWASP's advice on CSV injection); our own numbers stay numbers.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import orjson
from sqlalchemy import text

from wikivice.store.database import Database
from wikivice.store.models import HIDDEN_COMMENT, HIDDEN_SHA1, HIDDEN_USER, SUPPRESSED
from wikivice.wiki.timestamps import iso

CHUNK = 5000
COLUMNS = (
    "revid",
    "parent_id",
    "timestamp",
    "user",
    "kind",
    "size",
    "delta",
    "minor",
    "comment",
    "tags",
    "sha1",
    "is_revert",
    "reverted",
    "reverted_by",
    "user_hidden",
    "comment_hidden",
    "text_hidden",
    "suppressed",
)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
TAG_SEPARATOR = "|"  # MediaWiki forbids `|` (and `,`, `/`) in tag names


def revision_chunks(
    db: Database, page_id: int, chunk: int = CHUNK
) -> Iterator[list[dict[str, Any]]]:
    """The page's revisions, oldest first, as lists of at most `chunk` export rows
    (dicts with the keys of COLUMNS; tags a list; user/comment None when hidden)."""
    after_ts, after_id = -1, -1
    while True:
        with db.read() as conn:
            rows = conn.execute(
                text("""
                SELECT r.id, r.revid, r.parent_id, r.ts, e.name, r.kind, r.size, r.delta,
                    r.minor, r.comment, r.tags, r.sha1, r.is_revert, r.reverted,
                    r.reverted_by, r.hidden
                FROM revisions r LEFT JOIN editors e ON e.id = r.editor_id
                WHERE r.page_id = :page AND r.ts >= :ts AND (r.ts > :ts OR r.id > :id)
                ORDER BY r.ts, r.id LIMIT :limit
                """),
                {"page": page_id, "ts": after_ts, "id": after_id, "limit": chunk},
            ).all()
        if not rows:
            return
        yield [_export_row(row) for row in rows]
        if len(rows) < chunk:
            return
        after_ts, after_id = int(rows[-1].ts), int(rows[-1].id)


def csv_stream(db: Database, page_id: int, chunk: int = CHUNK) -> Iterator[bytes]:
    """The revisions as UTF-8 CSV with a header row, one piece per chunk of rows.
    Booleans are `true`/`false`, tags joined with `|`, hidden values empty."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")  # RFC 4180
    writer.writerow(COLUMNS)
    yield _drain(buffer)
    for rows in revision_chunks(db, page_id, chunk):
        writer.writerows([_csv_cells(row) for row in rows])
        yield _drain(buffer)


def json_stream(
    db: Database, page_id: int, header: dict[str, Any], chunk: int = CHUNK
) -> Iterator[bytes]:
    """One JSON object: `header`'s keys, then "revisions": [every export row]."""
    head = orjson.dumps({**header, "columns": list(COLUMNS)})
    yield head[:-1] + b', "revisions": ['
    first = True
    for rows in revision_chunks(db, page_id, chunk):
        body = b",\n".join(orjson.dumps(row) for row in rows)
        yield (b"\n" if first else b",\n") + body
        first = False
    yield b"\n]}\n"


def safe_cell(value: str) -> str:
    """A user's text as a spreadsheet shows it, never as a formula it runs."""
    return "'" + value if value.startswith(FORMULA_START) else value


def attachment(title: str, suffix: str) -> str:
    """A Content-Disposition value naming the download after the article: an ASCII
    `filename` for old clients and the exact one as RFC 6266's `filename*`."""
    name = f"{title.replace(' ', '_')}-{suffix}"
    plain = re.sub(r"[^A-Za-z0-9._()-]+", "_", name).strip("_") or f"article-{suffix}"
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(name, safe='')}"


def _export_row(row: Any) -> dict[str, Any]:
    hidden = int(row.hidden or 0)
    return {
        "revid": int(row.revid),
        "parent_id": int(row.parent_id or 0),
        "timestamp": iso(row.ts),
        "user": row.name,
        "kind": row.kind,
        "size": int(row.size),
        "delta": int(row.delta),
        "minor": bool(row.minor),
        "comment": row.comment,
        "tags": sorted(orjson.loads(row.tags)) if row.tags else [],
        "sha1": row.sha1,
        "is_revert": bool(row.is_revert),
        "reverted": bool(row.reverted),
        "reverted_by": row.reverted_by,
        "user_hidden": bool(hidden & HIDDEN_USER),
        "comment_hidden": bool(hidden & HIDDEN_COMMENT),
        "text_hidden": bool(hidden & HIDDEN_SHA1),
        "suppressed": bool(hidden & SUPPRESSED),
    }


def _csv_cells(row: dict[str, Any]) -> list[Any]:
    cells: list[Any] = []
    for column in COLUMNS:
        value = row[column]
        if column == "tags":
            value = TAG_SEPARATOR.join(value)
        if isinstance(value, bool):
            cells.append("true" if value else "false")
        elif value is None:
            cells.append("")
        elif column in ("user", "comment", "tags"):
            cells.append(safe_cell(str(value)))
        else:
            cells.append(value)
    return cells


def _drain(buffer: io.StringIO) -> bytes:
    data = buffer.getvalue().encode()
    buffer.seek(0)
    buffer.truncate()
    return data
