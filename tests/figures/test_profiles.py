"""Editors across analysed articles, on hand-made histories (SQLite and PostgreSQL)."""

from __future__ import annotations

from sqlalchemy import select

from factories import History, example
from wikivice.figures import profiles as editors
from wikivice.store.database import Database
from wikivice.store.models import Wiki


def wiki_id(db: Database, key: str = "en") -> int:
    with db.read() as conn:
        return int(conn.execute(select(Wiki.id).where(Wiki.key == key)).scalar_one())


def test_profile_sums_an_editors_edits_on_one_article(db: Database) -> None:
    example().store(db)
    with db.read() as conn:
        profile = editors.editor_profile(conn, wiki_id(db), "Alice")
    assert profile is not None
    assert profile["editor"]["kind"] == "user" and profile["editor"]["country"] is None
    assert profile["editor"]["kind_label"] == "registered user"
    # Rows 0, 3, 5 (a revert: its bytes are not "added") and 9 of the example.
    assert profile["totals"] == {
        "edits": 4,
        "articles": 1,
        "first": "2020-01-01T00:00:00Z",
        "last": "2021-06-01T00:00:00Z",
        "minor": 1,
        "added": 400,
        "reverted": 0,
        "reverts": 1,
    }
    [article] = profile["articles"]
    assert article["title"] == "Example" and article["edits"] == 4 and article["share"] == 0.4
    assert [e["timestamp"][:10] for e in profile["latest"]] == [
        "2021-06-01",
        "2020-02-01",
        "2020-01-03",
        "2020-01-01",
    ]
    assert profile["latest"][1]["badges"] == ["revert"]
    assert all(e["title"] == "Example" for e in profile["latest"])


def test_profile_spans_every_article_most_edits_first(db: Database) -> None:
    example().store(db)
    other = History("Other", pageid=2)
    for day in range(1, 7):
        other.edit("Alice", f"2022-03-0{day}T00:00:00Z", 10 * day)
    other.edit("Bob", "2022-03-07T00:00:00Z", 0)
    other.store(db)
    with db.read() as conn:
        profile = editors.editor_profile(conn, wiki_id(db), "Alice", latest=3)
    assert profile is not None
    assert [(a["title"], a["edits"]) for a in profile["articles"]] == [("Other", 6), ("Example", 4)]
    assert profile["totals"]["edits"] == 10 and profile["totals"]["articles"] == 2
    assert profile["totals"]["last"] == "2022-03-06T00:00:00Z"
    assert profile["totals"]["added"] == 400 + 60
    assert [e["title"] for e in profile["latest"]] == ["Other"] * 3


def test_ip_editor_has_a_country_and_others_none(db: Database) -> None:
    example().store(db)
    with db.read() as conn:
        ip = editors.find_editor(conn, wiki_id(db), "192.0.2.1")
        temp = editors.find_editor(conn, wiki_id(db), "~2025-00001-01")
    assert ip is not None and ip["kind"] == "anon" and ip["country"] == "US"
    assert ip["country_name"] == "United States" and ip["kind_label"] == "anonymous (IP address)"
    assert (
        temp is not None and temp["kind_label"] == "temporary account" and temp["country"] is None
    )


def test_unknown_and_hidden_editors_have_no_profile(db: Database) -> None:
    example().store(db)
    other = History("Elsewhere", wiki="de", pageid=3)
    other.edit("Zoe", "2020-01-01T00:00:00Z", 10)
    other.store(db)
    with db.read() as conn:
        assert editors.editor_profile(conn, wiki_id(db), "Nobody") is None
        assert editors.editor_profile(conn, wiki_id(db), "(hidden)") is None
        assert editors.editor_profile(conn, wiki_id(db), "Zoe") is None  # another wiki's
        assert editors.editor_profile(conn, wiki_id(db, "de"), "Zoe") is not None
