"""Where a page is fought over (figures/conflict.py): its edit wars and the people in
them, on the hand-made histories of factories.py (SQLite and PostgreSQL)."""

from __future__ import annotations

from factories import History, computed, epoch, example, war_history
from wikivice.figures import conflict
from wikivice.figures.page import page_figures
from wikivice.store.database import Database

NOW = epoch("2021-06-01T12:00:00Z")


def test_conflict_of_the_page_most_reverted_and_war_rule(db: Database) -> None:
    page_id = example().store(db)
    with db.read() as conn:
        found = page_figures(conn, page_id, NOW)["conflict"]
    assert [(e["name"], e["reverted"]) for e in found["most_reverted"]] == [
        ("192.0.2.1", 1),
        ("~2025-00001-01", 1),
    ]
    assert found["edit_wars"] == []  # one revert a day at most
    assert found["war_rule"] == {
        "reverts_per_day": conflict.WAR_REVERTS,
        "editors": conflict.WAR_EDITORS,
    }


def test_edit_wars_periods_ranked(db: Database) -> None:
    wars = computed(db, war_history(), conflict.edit_wars)
    assert [(w["start"], w["end"], w["days"], w["reverts"], w["edits"]) for w in wars] == [
        ("2020-05-01", "2020-05-02", 2, 6, 8),
        ("2020-07-01", "2020-07-01", 1, 3, 4),  # ties: the earlier first
        ("2020-07-03", "2020-07-03", 1, 3, 4),
    ]
    assert wars[0]["participant_count"] == 3
    assert wars[0]["participants"] == [
        {"name": "Alice", "kind": "user", "reverts": 2, "reverted": 3},
        {"name": "Bob", "kind": "user", "reverts": 3, "reverted": 2},
        {"name": "Carol", "kind": "user", "reverts": 1, "reverted": 1},
    ]
    assert [p["name"] for p in wars[1]["participants"]] == ["Hal", "Ida"]


def test_edit_wars_at_most_top_wars(db: Database) -> None:
    h = History("Many wars")
    h.edit("Alice", "2020-07-31T00:00:00Z", 50)
    for day in range(1, 15, 2):  # seven separate days
        at = f"2020-08-{day:02d}T0{{}}:00:00Z"
        h.edit("Alice", at.format(0), 100 + day)
        for i in range(1, 4):
            h.edit("Bob" if i % 2 else "Alice", at.format(i), reverts=1)
    wars = computed(db, h, conflict.edit_wars)
    assert len(wars) == conflict.TOP_WARS < 7
    assert [w["start"] for w in wars] == [f"2020-08-{d:02d}" for d in (1, 3, 5, 7, 9)]


def test_edit_war_lists_at_most_top_participants(db: Database) -> None:
    h = History("Crowded war")
    h.edit("Alice", "2020-09-01T00:00:00Z", 10)
    h.edit("Alice", "2020-09-01T00:30:00Z", 20)
    people = conflict.TOP_PARTICIPANTS + 2
    for i in range(people):  # each undoes the one before: everyone reverts and is reverted
        h.edit(f"Editor {i:02d}", f"2020-09-01T{i + 1:02d}:00:00Z", reverts=1)
    [war] = computed(db, h, conflict.edit_wars)
    assert war["participant_count"] == people + 1  # and Alice, reverted first
    assert len(war["participants"]) == conflict.TOP_PARTICIPANTS


def test_one_editor_reverting_alone_is_no_war(db: Database) -> None:
    h = History("Alone")
    h.edit("Eve", "2020-06-09T00:00:00Z", 100)
    for i in range(conflict.WAR_REVERTS + 1):
        h.edit("Eve", f"2020-06-10T{2 * i:02d}:00:00Z", 300 + i)
        h.edit("Dave", f"2020-06-10T{2 * i + 1:02d}:00:00Z", reverts=1)
    assert computed(db, h, conflict.edit_wars) == []
