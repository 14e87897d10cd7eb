"""Who undid whom (figures/reverts.py): reverts paired with the edits they undid, from
ingest's identity reverts and from revert tags, and which undone edits were vandalism."""

from __future__ import annotations

import pytest

from factories import REVIDS_PER_PAGE, History, computed, vandalism_history
from wikivice.figures.reverts import MUCH_REMOVED, Undo, undos
from wikivice.store.database import Database

REV = REVIDS_PER_PAGE  # the first page's revids: REV + index


def test_undos_pair_identity_reverts_with_every_edit_they_undid(db: Database) -> None:
    h = History()
    h.edit("Alice", "2020-01-01T00:00:00Z", 100)
    h.edit("192.0.2.1", "2020-01-01T01:00:00Z", 50)
    h.edit("192.0.2.1", "2020-01-01T01:05:00Z", 0)
    h.edit("Bob", "2020-01-01T02:00:00Z", reverts=2)
    found = computed(db, h, undos)
    assert [(u.revid, u.undone_revid, u.seconds, u.rollback) for u in found] == [
        (REV + 3, REV + 1, 3600, False),
        (REV + 3, REV + 2, 3300, False),
    ]
    assert found[0].editor != found[0].undone_editor
    assert (found[0].kind, found[0].undone_kind, found[1].undone_delta) == ("user", "anon", -50)


def test_undos_pair_a_tagged_revert_with_its_parent(db: Database) -> None:
    h = History()
    h.edit("Alice", "2020-01-01T00:00:00Z", 100)
    h.edit("Carol", "2020-01-01T00:30:00Z", 120)
    h.edit("Bob", "2020-01-01T01:00:00Z", 110, tags=("mw-undo",))  # no text restored
    h.edit("Dave", "2020-01-01T02:00:00Z", reverts=1)  # undoes Bob's undo
    h.edit("Erin", "2020-01-01T03:00:00Z", 130, tags=("mw-rollback",))
    h.edit("Fay", "2020-01-01T04:00:00Z", 140)
    h.edit("Gus", "2020-01-01T05:00:00Z", reverts=3)  # back to Bob's text
    found = computed(db, h, undos)
    assert [(u.revid, u.undone_revid, u.rollback) for u in found] == [
        (REV + 2, REV + 1, False),  # Bob's undo: Carol's edit, its parent
        (REV + 3, REV + 2, False),
        (REV + 4, REV + 3, True),  # Erin's rollback: Dave's edit, though Gus undid it later
        (REV + 6, REV + 3, False),
        (REV + 6, REV + 4, False),
        (REV + 6, REV + 5, False),
    ]


def test_undos_of_a_page_without_reverts(db: Database) -> None:
    h = History()
    h.edit("Alice", "2020-01-01T00:00:00Z", 100)
    h.edit("Bob", "2020-01-02T00:00:00Z", 200)
    assert computed(db, h, undos) == []


def test_undos_of_the_vandalism_history(db: Database) -> None:
    found = computed(db, vandalism_history(), undos)
    assert [(u.revid - REV, u.undone_revid - REV, u.is_vandalism) for u in found] == [
        (2, 1, True),  # a bot
        (4, 3, True),  # a bot
        (6, 5, True),  # a temporary account removing 2,000 bytes
        (8, 7, True),  # an IP rolled back
        (10, 9, False),  # a registered editor's addition
        (12, 11, False),  # the IP undid its own edit
        (14, 13, True),  # tagged "possible vandalism"
    ]


BASE = Undo(
    revid=2, ts=100, editor=1, kind="user", rollback=False, undone_revid=1, undone_ts=40,
    undone_editor=2, undone_kind="anon", undone_delta=30, undone_size=1000, undone_tags=None,
)  # fmt: skip


@pytest.mark.parametrize(
    ("change", "vandalism"),
    [
        ({}, False),  # an IP's addition undone by hand: a disagreement, maybe
        ({"kind": "bot"}, True),
        ({"rollback": True}, True),
        ({"rollback": True, "undone_kind": "user"}, False),  # rollback of a registered user
        ({"undone_kind": "temp", "undone_delta": -MUCH_REMOVED}, True),
        ({"undone_delta": -(MUCH_REMOVED - 1)}, False),  # 999 of 1,999 bytes: under half
        ({"undone_delta": -1000, "undone_size": 999}, True),  # over half of the page
        ({"undone_delta": -500, "undone_size": 500}, True),  # half of the page
        ({"undone_delta": -500, "undone_size": 0}, True),  # blanked
        ({"undone_kind": "user", "undone_delta": -5000, "undone_size": 0}, False),
        ({"undone_kind": "user", "undone_tags": '["mw-blank"]'}, True),
        ({"undone_kind": "hidden", "undone_tags": '["Possible Vandalism"]'}, True),
        ({"undone_tags": '["mw-replace"]'}, True),
        ({"undone_tags": '["visualeditor"]'}, False),
        ({"kind": "bot", "undone_editor": 1}, False),  # a bot undoing its own edit
    ],
)
def test_is_vandalism_rules(change: dict[str, object], vandalism: bool) -> None:
    undo = BASE._replace(**change)
    assert undo.is_vandalism is vandalism
    assert undo.seconds == 60
