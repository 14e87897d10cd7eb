"""Where a page is fought over (figures/conflict.py): edit wars as mutual reverts under
the three-revert rule, and vandalism undone, on the hand-made histories of factories.py
(SQLite and PostgreSQL)."""

from __future__ import annotations

from factories import History, epoch, example, vandalism_history, war_history
from wikivice.figures import conflict
from wikivice.figures.conflict import WarThreshold
from wikivice.figures.page import page_figures
from wikivice.figures.types import Conflict
from wikivice.settings import Settings
from wikivice.store.database import Database

NOW = epoch("2021-06-01T12:00:00Z")


def conflict_of(db: Database, history: History, threshold: WarThreshold | None = None) -> Conflict:
    page_id = history.store(db)
    with db.read() as conn:
        return conflict.conflict_figures(conn, page_id, [], threshold)


def reverting_each_other(times: int, hours_apart: int = 1, pageid: int = 1) -> History:
    """Alice adds a paragraph; Bob and Alice then undo each other `times` times each."""
    h = History(f"Mutual {pageid}", pageid=pageid)
    h.edit("Alice", "2020-04-01T00:00:00Z", 1000)
    h.edit("Alice", "2020-04-01T00:30:00Z", 1400)
    for i in range(2 * times):
        h.edit(("Bob", "Alice")[i % 2], epoch("2020-04-01T01:00:00Z") + i * hours_apart * 3600,
               reverts=1)  # fmt: skip
    return h


def test_two_editors_reverting_each_other_four_times_in_a_day_is_a_war(db: Database) -> None:
    found = conflict_of(db, reverting_each_other(4))
    assert found["war_count"] == 1
    [war] = found["edit_wars"]
    assert (war["start"], war["end"]) == ("2020-04-01T01:00:00Z", "2020-04-01T08:00:00Z")
    assert (war["reverts"], war["edits"], war["combatant_count"]) == (8, 8, 2)
    assert war["combatants"] == [
        {
            "name": "Alice",
            "kind": "user",
            "reverts": 4,
            "peak": 4,
            "reverted": [{"name": "Bob", "kind": "user", "reverts": 4}],
        },
        {
            "name": "Bob",
            "kind": "user",
            "reverts": 4,
            "peak": 4,
            "reverted": [{"name": "Alice", "kind": "user", "reverts": 4}],
        },
    ]
    assert found["vandalism"]["acts"] == 0


def test_a_bot_undoing_ip_vandals_is_no_war_but_vandalism_undone(db: Database) -> None:
    found = conflict_of(db, vandalism_history())
    assert found["edit_wars"] == [] and found["war_count"] == 0
    assert found["vandalism"] == {
        "acts": 5,
        "by_bots": 2,
        "bot_share": 0.4,
        "median_seconds": 600.0,
        "much_removed": 1000,
    }


def test_a_bot_reverting_the_same_vandal_again_and_again_is_no_war(db: Database) -> None:
    h = History("Stubborn vandal")
    h.edit("Alice", "2020-03-01T00:00:00Z", 800)
    for i in range(5):  # the vandal restores the blanking each time: it reverts too
        at = epoch("2020-03-01T01:00:00Z") + 120 * i
        h.edit("192.0.2.7", at, 0, tags=("mw-blank",), reverts=1 if i else 0)
        h.edit("ClueBot", at + 60, reverts=1)
    found = conflict_of(db, h)
    assert found["war_count"] == 0
    assert (found["vandalism"]["acts"], found["vandalism"]["by_bots"]) == (5, 5)
    assert found["vandalism"]["median_seconds"] == 60.0


def test_one_editor_reverting_three_others_who_never_revert_back_is_no_war(db: Database) -> None:
    h = History("One-sided")
    h.edit("Dave", "2020-06-09T00:00:00Z", 100)
    for i, other in enumerate(("Eve", "Fay", "Gus", "Hal")):
        h.edit(other, f"2020-06-10T{2 * i:02d}:00:00Z", 300 + i)
        h.edit("Dave", f"2020-06-10T{2 * i + 1:02d}:00:00Z", reverts=1)
    assert conflict_of(db, h)["war_count"] == 0


def test_mutual_reverts_need_one_editor_at_the_threshold(db: Database) -> None:
    two_each = reverting_each_other(2)  # Bob 2, Alice 2: below the three-revert rule
    assert conflict_of(db, two_each)["war_count"] == 0
    lower = WarThreshold(reverts=2)
    assert conflict_of(db, reverting_each_other(2, pageid=2), lower)["war_count"] == 1
    three = reverting_each_other(2, pageid=3)
    three.edit("Bob", "2020-04-01T05:00:00Z", reverts=1)  # Bob's third
    [war] = conflict_of(db, three)["edit_wars"]
    assert [(c["name"], c["reverts"], c["peak"]) for c in war["combatants"]] == [
        ("Bob", 3, 3),
        ("Alice", 2, 2),
    ]


def test_reverts_further_apart_than_the_window_are_no_war(db: Database) -> None:
    slow = reverting_each_other(4, hours_apart=25)  # each revert a day after the last
    assert conflict_of(db, slow)["war_count"] == 0
    slower = reverting_each_other(4, hours_apart=25, pageid=2)
    [war] = conflict_of(db, slower, WarThreshold(reverts=3, hours=100))["edit_wars"]
    assert war["reverts"] == 8  # each made 3 of their 4 within 100 hours
    assert [(c["reverts"], c["peak"]) for c in war["combatants"]] == [(4, 3), (4, 3)]


def test_wars_ranked_by_reverts_and_their_combatants(db: Database) -> None:
    found = conflict_of(db, war_history())
    wars = found["edit_wars"]
    assert [(w["start"], w["end"], w["reverts"], w["edits"]) for w in wars] == [
        ("2020-05-01T02:00:00Z", "2020-05-02T03:00:00Z", 8, 8),
        ("2020-07-01T01:00:00Z", "2020-07-01T05:00:00Z", 5, 5),  # ties: the earlier first
        ("2020-07-03T01:00:00Z", "2020-07-03T05:00:00Z", 5, 5),
    ]
    assert found["war_count"] == 3
    may = wars[0]["combatants"]
    assert [(c["name"], c["reverts"], c["peak"]) for c in may] == [
        ("Bob", 4, 4),
        ("Alice", 2, 2),
        ("Carol", 2, 2),
    ]
    assert [(o["name"], o["reverts"]) for o in may[0]["reverted"]] == [("Alice", 3), ("Carol", 1)]
    assert [c["name"] for c in wars[1]["combatants"]] == ["Ida", "Hal"]
    assert found["vandalism"]["acts"] == 1 and found["vandalism"]["by_bots"] == 1


def test_edit_wars_at_most_top_wars_and_top_combatants(db: Database) -> None:
    h = History("Many wars")
    h.edit("Alice", "2020-07-31T00:00:00Z", 50)
    for day in range(1, 15, 2):  # seven separate days, two days apart
        h.edit("Alice", f"2020-08-{day:02d}T00:00:00Z", 100 + day)
        for i in range(1, 6):
            h.edit("Bob" if i % 2 else "Alice", f"2020-08-{day:02d}T0{i}:00:00Z", reverts=1)
    found = conflict_of(db, h)
    assert found["war_count"] == 7 > conflict.TOP_WARS == len(found["edit_wars"])
    assert [w["start"][:10] for w in found["edit_wars"]] == [
        f"2020-08-{d:02d}" for d in (1, 3, 5, 7, 9)
    ]
    crowd = History("Crowded war", pageid=2)
    crowd.edit("Zed", "2020-09-01T00:00:00Z", 10)
    crowd.edit("Zed", "2020-09-01T00:10:00Z", 20)
    people = conflict.TOP_COMBATANTS + 2
    for i in range(people):  # Zed and each of them undo each other; Zed many times
        crowd.edit(f"Editor {i:02d}", epoch("2020-09-01T01:00:00Z") + 600 * i, reverts=1)
        crowd.edit("Zed", epoch("2020-09-01T01:05:00Z") + 600 * i, reverts=1)
    [war] = conflict_of(db, crowd)["edit_wars"]
    assert war["combatant_count"] == people + 1
    assert len(war["combatants"]) == conflict.TOP_COMBATANTS
    assert war["combatants"][0]["name"] == "Zed" and war["combatants"][0]["reverts"] == people


def test_hidden_users_self_reverts_and_bots_make_no_war(db: Database) -> None:
    h = History("Odd")
    h.edit("Alice", "2020-01-01T00:00:00Z", 100)
    for i in range(4):
        h.edit("Alice", f"2020-01-02T0{2 * i}:00:00Z", 200 + i)
        h.edit("Alice", f"2020-01-02T0{2 * i + 1}:00:00Z", reverts=1)  # her own
    for i in range(4):
        h.edit(None, f"2020-01-03T0{2 * i}:00:00Z", reverts=1)  # hidden users
        h.edit("Bob", f"2020-01-03T0{2 * i + 1}:00:00Z", reverts=1)
    for i in range(4):
        h.edit("FixBot", f"2020-01-04T0{2 * i}:00:00Z", reverts=1)
        h.edit("Bob", f"2020-01-04T0{2 * i + 1}:00:00Z", reverts=1)
    found = conflict_of(db, h)
    assert found["war_count"] == 0
    assert found["vandalism"]["by_bots"] == found["vandalism"]["acts"] == 4  # Bob, by FixBot


def test_a_revert_known_by_its_tag_undid_its_parent(db: Database) -> None:
    h = History("Tagged")
    h.edit("Alice", "2020-02-01T00:00:00Z", 100)
    for i in range(3):  # undo with no identity: sizes differ, no text restored
        h.edit("Bob", f"2020-02-01T0{2 * i + 1}:00:00Z", 150 + i, tags=("mw-undo",))
        h.edit("Alice", f"2020-02-01T0{2 * i + 2}:00:00Z", 160 + i, tags=("mw-undo",))
    [war] = conflict_of(db, h)["edit_wars"]
    # Bob's first undo undid Alice's creation; every other one undid the one before.
    assert [(c["name"], c["reverts"]) for c in war["combatants"]] == [("Alice", 3), ("Bob", 3)]


def test_conflict_of_the_page_most_reverted_and_war_rule(db: Database) -> None:
    page_id = example().store(db)
    with db.read() as conn:
        found = page_figures(conn, page_id, NOW)["conflict"]
    assert [(e["name"], e["reverted"]) for e in found["most_reverted"]] == [
        ("192.0.2.1", 1),
        ("~2025-00001-01", 1),
    ]
    assert found["edit_wars"] == [] and found["war_count"] == 0
    assert found["war_rule"] == {"reverts": 3, "hours": 24}
    # Alice undid a temporary account's removal of 350 of 400 bytes: vandalism; Bob
    # undid an IP's +50 with no tag and no rollback: not counted.
    assert found["vandalism"] == {
        "acts": 1,
        "by_bots": 0,
        "bot_share": 0.0,
        "median_seconds": 3600.0,
        "much_removed": 1000,
    }


def test_war_threshold_of_the_settings() -> None:
    settings = Settings(war_reverts=4, war_hours=48)
    assert WarThreshold.of(settings) == WarThreshold(4, 48)
    assert WarThreshold.of(settings).rule == {"reverts": 4, "hours": 48}
    assert WarThreshold.of(Settings()).rule == {"reverts": 3, "hours": 24}


def test_an_ip_can_war_but_not_a_vandal(db: Database) -> None:
    h = History("Anonymous war")
    h.edit("Alice", "2020-05-01T00:00:00Z", 2000)
    h.edit("203.0.113.5", "2020-05-01T01:00:00Z", 2040)  # adds a claim
    for i in range(6):  # Alice and the IP undo each other by hand, three times each
        h.edit(("Alice", "203.0.113.5")[i % 2], f"2020-05-01T0{i + 2}:00:00Z", reverts=1)
    rolled = History("Rolled back", pageid=2)
    rolled.edit("Alice", "2020-05-01T00:00:00Z", 2000)
    rolled.edit("203.0.113.6", "2020-05-01T01:00:00Z", 2040)
    for i in range(6):  # the same, but Alice rolls back: vandalism undone, and no war
        tags = ("mw-rollback",) if i % 2 == 0 else ()
        at = f"2020-05-01T0{i + 2}:00:00Z"
        rolled.edit(("Alice", "203.0.113.6")[i % 2], at, tags=tags, reverts=1)
    [war] = conflict_of(db, h)["edit_wars"]
    assert [(c["name"], c["kind"], c["reverts"]) for c in war["combatants"]] == [
        ("203.0.113.5", "anon", 3),
        ("Alice", "user", 3),
    ]
    found = conflict_of(db, rolled)
    assert found["war_count"] == 0 and found["vandalism"]["acts"] == 3


def test_conflict_in_words(db: Database) -> None:
    lines = conflict.in_words(conflict_of(db, war_history()))
    assert lines[:6] == [
        "edit_wars: 3 (editors reverting each other, one of them 3 times within 24 hours)",
        "  #1 2020-05-01T02:00:00Z – 2020-05-02T03:00:00Z: 8 reverts among 8 edits",
        "     Bob reverted Alice (3 times), Carol (1 time)",
        "     Alice reverted Bob (2 times)",
        "     Carol reverted Bob (2 times)",
        "  #2 2020-07-01T01:00:00Z – 2020-07-01T05:00:00Z: 5 reverts among 5 edits",
    ]
    assert lines[-1] == "vandalism_undone: 1 act, median time to revert 1.0 minutes, 100% by bots"
    quiet = conflict.in_words(conflict_of(db, History("Quiet", pageid=2)))
    assert quiet == [
        "edit_wars: 0 (editors reverting each other, one of them 3 times within 24 hours)",
        "vandalism_undone: 0 acts",
    ]
