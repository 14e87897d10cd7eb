"""Recent activity on a page (figures/activity.py): its latest edits, its latest incident
and single stored revisions, on hand-made histories (SQLite and PostgreSQL)."""

from __future__ import annotations

from factories import History, example
from wikivice.figures import activity
from wikivice.store.database import Database
from wikivice.store.models import HIDDEN_COMMENT, HIDDEN_SHA1, SUPPRESSED


def test_latest_edits_are_newest_first_with_badges(db: Database) -> None:
    history = example()
    history.edit("Mallory", "2021-07-01T00:00:00Z", 0, tags=("mw-blank", "possible vandalism"))
    page_id = history.store(db)
    with db.read() as conn:
        edits = activity.latest_edits(conn, page_id, limit=4)
    assert [e["timestamp"] for e in edits] == [
        "2021-07-01T00:00:00Z",
        "2021-06-01T00:00:00Z",
        "2021-01-01T00:00:00Z",
        "2020-03-02T00:00:00Z",
    ]
    assert edits[0]["user"] == "Mallory" and edits[0]["delta"] == -500
    assert edits[0]["badges"] == ["vandalism"]
    assert edits[0]["tags"] == ["mw-blank", "possible vandalism"]
    assert edits[3]["user"] is None and edits[3]["user_hidden"] and edits[3]["kind"] == "hidden"


def test_latest_edits_are_at_most_recent_edits(db: Database) -> None:
    h = History("Busy")
    for i in range(activity.RECENT_EDITS + 5):
        h.edit("Alice", 1_600_000_000 + 60 * i, i)
    page_id = h.store(db)
    with db.read() as conn:
        edits = activity.latest_edits(conn, page_id)
    assert len(edits) == activity.RECENT_EDITS
    assert edits[0]["size"] == activity.RECENT_EDITS + 4  # the newest


def test_latest_incident_is_the_newest_revert_with_whom_it_undid(db: Database) -> None:
    page_id = example().store(db)
    with db.read() as conn:
        incident = activity.latest_incident(conn, page_id)
    assert incident is not None
    # Row 5: Alice restores the text the temporary account blanked.
    assert incident["timestamp"] == "2020-02-01T13:00:00Z" and incident["user"] == "Alice"
    assert incident["badges"] == ["revert"] and incident["undid"] == ["~2025-00001-01"]


def test_latest_incident_includes_vandalism_tags_and_none_without_any(db: Database) -> None:
    quiet = History("Quiet", pageid=2)
    quiet.edit("Alice", "2020-01-01T00:00:00Z", 10)
    quiet.edit("Bob", "2020-01-02T00:00:00Z", 20)
    tagged = History("Tagged", pageid=3)
    tagged.edit("Alice", "2020-01-01T00:00:00Z", 10)
    tagged.edit("203.0.113.9", "2020-01-02T00:00:00Z", 5, tags=("possible vandalism",))
    quiet_id, tagged_id = quiet.store(db), tagged.store(db)
    with db.read() as conn:
        assert activity.latest_incident(conn, quiet_id) is None
        incident = activity.latest_incident(conn, tagged_id)
    assert incident is not None
    assert incident["user"] == "203.0.113.9" and incident["badges"] == ["vandalism"]
    assert incident["undid"] == []


def test_stored_revision_belongs_to_its_page(db: Database) -> None:
    first, second = History("First", pageid=1), History("Second", pageid=2)
    revid = first.edit("Alice", "2020-01-01T00:00:00Z", 10)
    other = second.edit("Bob", "2020-01-01T00:00:00Z", 10)
    first_id, _ = first.store(db), second.store(db)
    with db.read() as conn:
        found = activity.stored_revision(conn, first_id, revid)
        assert found is not None and found["user"] == "Alice"
        assert activity.stored_revision(conn, first_id, other) is None


def test_edit_row_reads_the_hidden_bits_tags_and_badges(db: Database) -> None:
    h = History("Hidden bits")
    h.edit("Alice", "2020-01-01T00:00:00Z", 10)
    hidden = HIDDEN_COMMENT | HIDDEN_SHA1 | SUPPRESSED
    revid = h.edit(
        "Mallory", "2020-01-02T00:00:00Z", 0, tags=("mw-reverted", "Blanking"), hidden=hidden
    )
    page_id = h.store(db)
    with db.read() as conn:
        row = activity.stored_revision(conn, page_id, revid)
    assert row is not None
    flags = ("user_hidden", "comment_hidden", "text_hidden", "suppressed")
    assert {flag: row[flag] for flag in flags} == {
        "user_hidden": False,
        "comment_hidden": True,
        "text_hidden": True,
        "suppressed": True,
    }
    assert row["tags"] == ["Blanking", "mw-reverted"]  # as stored: sorted
    assert row["badges"] == ["reverted", "vandalism"]  # tags match in any case
    assert (row["parent_id"], row["delta"], row["minor"]) == (revid - 1, -10, False)
