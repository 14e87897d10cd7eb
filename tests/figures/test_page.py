"""A page's figures put together (figures/page.py) on small hand-made histories: the
header, and the edge cases every part must agree on. Each part's own values are tested
beside its module (test_glance, test_timeline, test_authorship, test_conflict,
test_geography). Every test runs on SQLite and PostgreSQL (the `db` fixture)."""

from __future__ import annotations

from collections.abc import Callable

import orjson
import pytest

from factories import History, epoch, example, vandalism_history, war_history
from wikivice.figures import page
from wikivice.figures.page import page_figures
from wikivice.figures.types import PageFigures
from wikivice.store.database import Database

NOW = epoch("2021-06-01T12:00:00Z")


def figures_of(db: Database, history: History, now: float = NOW) -> PageFigures:
    page_id = history.store(db)
    with db.read() as conn:
        return page_figures(conn, page_id, now)


def test_page_figures_header_and_json(db: Database) -> None:
    f = figures_of(db, example())
    assert {k: f[k] for k in ("title", "pageid", "wiki", "revisions", "version")} == {
        "title": "Example",
        "pageid": 1,
        "wiki": "en",
        "revisions": 10,
        "version": page.FIGURES_VERSION,
    }
    assert f["now"] == "2021-06-01T12:00:00Z"
    assert orjson.loads(orjson.dumps(f)) == f


def test_page_figures_keys_in_the_order_of_their_type(db: Database) -> None:
    f = figures_of(db, example())
    assert list(f) == list(PageFigures.__annotations__)
    assert list(f)[:8] == [
        "title", "pageid", "wiki", "revisions", "fetched_at", "version", "now", "edits",
    ]  # fmt: skip
    assert list(f)[-9:] == [
        "gini", "timeline", "size", "heatmap", "years", "top_editors", "concentration",
        "conflict", "countries",
    ]  # fmt: skip


def test_page_figures_of_no_page(db: Database) -> None:
    with db.read() as conn, pytest.raises(LookupError, match="no page with id 999"):
        page_figures(conn, 999, NOW)


def test_one_revision(db: Database) -> None:
    h = History("Stub")
    h.edit("Alice", "2020-01-01T00:00:00Z", 42)
    f = figures_of(db, h)
    assert (f["edits"], f["editors"], f["current_size"]) == (1, 1, 42)
    assert f["first_edit"] == f["last_edit"]
    assert (f["mean_interval"], f["median_interval"]) == (None, None)
    assert f["activity"] == "edited once"
    assert (f["largest_addition"], f["largest_removal"]) == (None, None)
    assert (f["gini"], f["top10_share"], f["top10pct_share"]) == (0.0, 1.0, 1.0)
    assert f["concentration"]["lorenz"] == {"editors": [0.0, 1.0], "edits": [0.0, 1.0]}
    assert f["timeline"]["months"]["month"] == ["2020-01"]
    assert f["years"] == [
        {"year": 2020, "edits": 1, "anonymous": 0, "minor": 0, "bots": 0, "reverts": 0, "size": 42}
    ]
    assert f["size"]["size"] == [42]
    assert f["top_editors"]["by_bytes"][0]["added"] == 42
    assert f["conflict"]["edit_wars"] == f["conflict"]["most_reverted"] == []
    assert (f["reverts"], f["revert_rate"]) == (0, 0.0)


def test_no_revisions(db: Database) -> None:
    f = figures_of(db, History("Empty"))
    assert (f["edits"], f["editors"], f["activity"]) == (0, 0, "never edited")
    assert (f["first_edit"], f["last_edit"], f["current_size"]) == (None, None, None)
    assert (f["gini"], f["top10_share"], f["anonymous_share"]) == (None, None, 0.0)
    assert f["timeline"]["months"]["month"] == f["timeline"]["days"]["date"] == []
    assert f["size"]["timestamp"] == f["years"] == []
    assert f["countries"]["by_country"] == []
    orjson.dumps(f)


def test_hidden_users_count_as_edits_not_editors(db: Database) -> None:
    h = History()
    h.edit(None, "2020-01-01T00:00:00Z", 10)
    h.edit("Alice", "2020-01-02T00:00:00Z", 20)
    h.edit(None, "2020-01-03T00:00:00Z", 30)
    f = figures_of(db, h)
    assert (f["edits"], f["editors"], f["hidden_user_edits"]) == (3, 1, 2)
    first = f["first_edit"]
    assert first is not None and first["user"] is None and first["kind"] == "hidden"
    assert [e["name"] for e in f["top_editors"]["by_edits"]] == ["Alice"]
    assert f["top_editors"]["by_edits"][0]["share"] == 0.333333  # of all edits
    assert f["top10_share"] == 1.0  # of the attributed edits
    assert f["timeline"]["months"]["hidden"] == [2]


def test_only_hidden_users(db: Database) -> None:
    h = History()
    h.edit(None, "2020-01-01T00:00:00Z", 10)
    h.edit(None, "2020-01-02T00:00:00Z", 20)
    f = figures_of(db, h)
    assert (f["edits"], f["editors"], f["gini"], f["top10_share"]) == (2, 0, None, None)
    assert f["top_editors"] == {"by_edits": [], "by_bytes": []}
    assert f["concentration"]["lorenz"] == {"editors": [0.0], "edits": [0.0]}


def test_all_anonymous(db: Database) -> None:
    h = History()
    h.edit("203.0.113.1", "2020-01-01T00:00:00Z", 10, country="DE")
    h.edit("203.0.113.2", "2020-01-02T00:00:00Z", 20, country="DE")
    h.edit("2001:DB8:0:0:0:0:0:1", "2020-01-03T00:00:00Z", 30)  # no country known
    h.edit("~2025-00002-02", "2020-01-04T00:00:00Z", 40)
    f = figures_of(db, h)
    assert (f["anonymous_edits"], f["anonymous_share"], f["anonymous_editor_share"]) == (
        4,
        1.0,
        1.0,
    )
    assert (f["ip_edits"], f["temp_edits"], f["bot_edits"]) == (3, 1, 0)
    assert f["timeline"]["months"]["registered"] == [0]
    countries = f["countries"]
    assert (countries["ip_edits"], countries["located_edits"], countries["countries"]) == (3, 2, 1)
    assert countries["top"][0]["share"] == 0.666667


@pytest.mark.parametrize("history", [example, war_history, vandalism_history])
def test_figures_computed_beside_a_second_read_are_the_same(
    db: Database, history: Callable[[], History]
) -> None:
    """`beside`: the figures by time, place and conflict on a second read in a thread of
    their own (a cold dashboard's), equal to one read's, keys in the same order."""
    page_id = history().store(db)
    with db.read() as conn:
        alone = page_figures(conn, page_id, NOW)
        together = page_figures(conn, page_id, NOW, beside=db.read)
    assert together == alone and list(together) == list(alone)
    assert together["conflict"]["most_reverted"] == alone["conflict"]["most_reverted"]
