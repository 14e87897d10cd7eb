"""Exports: every stored revision as CSV and JSON, streamed in keyset chunks, safe in
spreadsheets (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import io

import orjson

from factories import History, example
from wikivice.store import exports
from wikivice.store.database import Database
from wikivice.store.models import HIDDEN_COMMENT
from wikivice.store.vocabulary import EditorKind


def read_csv(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode())))


def test_csv_has_a_header_and_every_revision_oldest_first(db: Database) -> None:
    history = example()
    page_id = history.store(db)
    rows = read_csv(b"".join(exports.csv_stream(db, page_id)))
    assert list(rows[0]) == list(exports.COLUMNS)
    assert [int(r["revid"]) for r in rows] == [r["revid"] for r in history.rows]
    first, blanking, hidden = rows[0], rows[4], rows[7]
    assert first["timestamp"] == "2020-01-01T00:00:00Z" and first["user"] == "Alice"
    assert first["delta"] == "100" and first["minor"] == "false" and first["parent_id"] == "0"
    assert blanking["delta"] == "-350" and blanking["reverted"] == "true"  # stays a number
    assert blanking["reverted_by"] == str(history.rows[5]["revid"])
    assert rows[5]["is_revert"] == "true" and rows[3]["minor"] == "true"
    assert (
        hidden["user"] == ""
        and hidden["kind"] == EditorKind.HIDDEN
        and hidden["user_hidden"] == "true"
    )


def test_csv_cells_a_spreadsheet_would_run_start_with_a_quote(db: Database) -> None:
    history = History("Formulas")
    history.edit("=HYPERLINK(1)", "2020-01-01T00:00:00Z", 10, tags=("+tag",))
    history.edit("Bob", "2020-01-02T00:00:00Z", 5)
    history.edit("@Carol", "2020-01-03T00:00:00Z", 7)
    history.rows[1]["comment"] = "-1+1"
    history.rows[2]["comment"] = 'a = b, with "quotes"\nand a new line'
    page_id = history.store(db)
    rows = read_csv(b"".join(exports.csv_stream(db, page_id)))
    assert rows[0]["user"] == "'=HYPERLINK(1)" and rows[0]["tags"] == "'+tag"
    assert rows[1]["comment"] == "'-1+1" and rows[1]["delta"] == "-5"
    assert rows[2]["user"] == "'@Carol"
    assert rows[2]["comment"] == 'a = b, with "quotes"\nand a new line'  # quoted, whole


def test_json_is_one_object_with_every_revision(db: Database) -> None:
    history = example()
    history.edit(
        "Eve", "2021-07-01T00:00:00Z", 510, tags=("mw-undo", "mobile edit"), hidden=HIDDEN_COMMENT
    )
    page_id = history.store(db)
    data = orjson.loads(b"".join(exports.json_stream(db, page_id, {"title": "Example"}, chunk=4)))
    assert data["title"] == "Example" and data["columns"] == list(exports.COLUMNS)
    assert len(data["revisions"]) == len(history.rows)
    last = data["revisions"][-1]
    assert last["tags"] == ["mobile edit", "mw-undo"] and last["is_revert"] is True
    assert last["comment_hidden"] is True and last["user_hidden"] is False
    assert data["revisions"][7]["user"] is None


def test_chunks_walk_the_history_once_across_equal_timestamps(db: Database) -> None:
    history = History("Busy")
    for i in range(11):  # several revisions per second: the keyset must not skip any
        history.edit(f"User {i}", 1_600_000_000 + i // 4, 10 + i)
    page_id = history.store(db)
    chunks = list(exports.revision_chunks(db, page_id, chunk=3))
    assert [len(c) for c in chunks] == [3, 3, 3, 2]
    assert [r["revid"] for c in chunks for r in c] == [r["revid"] for r in history.rows]


def test_streams_of_an_empty_page_are_still_well_formed(db: Database) -> None:
    page_id = History("Empty").store(db)
    assert read_csv(b"".join(exports.csv_stream(db, page_id))) == []
    data = orjson.loads(b"".join(exports.json_stream(db, page_id, {})))
    assert data["revisions"] == []


def test_attachment_names_the_file_after_the_article() -> None:
    assert exports.attachment("Alan Turing", "revisions.csv") == (
        'attachment; filename="Alan_Turing-revisions.csv"; '
        "filename*=UTF-8''Alan_Turing-revisions.csv"
    )
    odd = exports.attachment('Ça "va"/😀', "revisions.json")
    assert 'filename="a__va_-revisions.json"' in odd
    assert "filename*=UTF-8''%C3%87a_%22va%22%2F%F0%9F%98%80-revisions.json" in odd
