"""Who writes a page (figures/authorship.py): the top editors and how concentrated the
work is, on the hand-made histories of factories.py (SQLite and PostgreSQL)."""

from __future__ import annotations

from sqlalchemy import Connection

from factories import History, computed, example
from wikivice.figures import authorship
from wikivice.figures.types import Rankings
from wikivice.store.database import Database


def rankings_of(db: Database, history: History) -> Rankings:
    def rankings(conn: Connection, page_id: int) -> Rankings:
        return authorship.rankings(conn, page_id, len(history.rows))

    return computed(db, history, rankings)


def test_concentration_of_the_example(db: Database) -> None:
    spread = computed(db, example(), authorship.concentration)
    # Attributed edits: Alice 4, five others 1 each (the hidden user's edit is nobody's).
    assert spread["top10_share"] == 1.0
    assert spread["top10pct_share"] == 0.444444  # one editor (Alice): 4 of 9
    assert spread["gini"] == 0.2778  # 2·39 / (6·9) − 7/6
    assert spread["lorenz"] == {
        "editors": [0.0, 0.1667, 0.3333, 0.5, 0.6667, 0.8333, 1.0],
        "edits": [0.0, 0.1111, 0.2222, 0.3333, 0.4444, 0.5556, 1.0],
    }


def test_concentration_has_at_most_101_points_and_equal_editors_have_gini_0(
    db: Database,
) -> None:
    h = History()
    for i in range(250):
        h.edit(f"Editor {i}", 1_600_000_000 + i * 60, i)
    spread = computed(db, h, authorship.concentration)
    lorenz = spread["lorenz"]
    assert len(lorenz["editors"]) == len(lorenz["edits"]) == authorship.LORENZ_POINTS + 1
    assert lorenz["editors"][:3] == [0.0, 0.008, 0.02]  # ranks 2 and 5 of 250
    assert lorenz["edits"] == lorenz["editors"]  # everyone made one edit
    assert (lorenz["editors"][-1], lorenz["edits"][-1]) == (1.0, 1.0)
    assert spread["gini"] == 0.0
    assert spread["top10_share"] == 0.04
    assert spread["top10pct_share"] == 0.1


def test_concentration_one_editor_with_everything(db: Database) -> None:
    h = History()
    for i in range(99):
        h.edit("Alice", 1_600_000_000 + i, i)
    h.edit("Bob", 1_600_000_100, 1)
    spread = computed(db, h, authorship.concentration)
    assert spread["gini"] == 0.49  # 2·(1 + 2·99) / (2·100) − 3/2
    assert spread["lorenz"] == {"editors": [0.0, 0.5, 1.0], "edits": [0.0, 0.01, 1.0]}


def test_concentration_without_attributed_edits_is_none(db: Database) -> None:
    h = History()
    h.edit(None, "2020-01-01T00:00:00Z", 10)
    assert computed(db, h, authorship.concentration) == {
        "lorenz": {"editors": [0.0], "edits": [0.0]},
        "gini": None,
        "top10_share": None,
        "top10pct_share": None,
    }


def test_top_editors_by_edits_and_bytes(db: Database) -> None:
    top = rankings_of(db, example())
    assert [e["name"] for e in top["by_edits"]] == [
        "Alice",
        "192.0.2.1",  # ties (one edit each) in order of first edit
        "Bob",
        "~2025-00001-01",
        "ExampleBot",
        "198.51.100.2",
    ]
    assert top["by_edits"][0] == {
        "name": "Alice",
        "kind": "user",
        "edits": 4,
        "share": 0.4,
        "minor": 1,
        "added": 400,  # 100 (creation) + 300; +350 was a revert
        "reverted": 0,
        "reverts": 1,
        "first": "2020-01-01T00:00:00Z",
        "last": "2021-06-01T00:00:00Z",
    }
    by_bytes = [(e["name"], e["added"]) for e in top["by_bytes"]]
    assert by_bytes == [
        ("Alice", 400),
        ("198.51.100.2", 80),
        ("ExampleBot", 10),
        ("192.0.2.1", 0),  # its +50 was reverted
        ("Bob", 0),
        ("~2025-00001-01", 0),
    ]


def test_top_editors_limit(db: Database) -> None:
    h = History()
    for i in range(30):
        for j in range(30 - i):
            h.edit(f"Editor {i:02d}", 1_600_000_000 + i * 1000 + j, 10 * (i + j + 1))
    top = rankings_of(db, h)["by_edits"]
    assert len(top) == authorship.TOP_EDITORS
    assert [e["edits"] for e in top] == list(range(30, 30 - authorship.TOP_EDITORS, -1))


def test_most_reverted_leaves_out_editors_never_reverted(db: Database) -> None:
    most = rankings_of(db, example())["most_reverted"]
    assert [(e["name"], e["reverted"]) for e in most] == [("192.0.2.1", 1), ("~2025-00001-01", 1)]


def test_share_rounds_and_has_no_whole_for_nothing() -> None:
    assert authorship.share(1, 3) == 0.333333
    assert authorship.share(None, 4) == 0.0
    assert authorship.share(3, 0) == authorship.share(3, None) == 0.0
