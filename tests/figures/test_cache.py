"""A page's figures, kept (figures/cache.py): stored after a fetch, read back while they
describe the stored history, recomputed when they do not (SQLite and PostgreSQL)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import select, update

from factories import History, epoch, example
from wikivice.figures import cache
from wikivice.figures.cache import cached_figures, figures_for, store_figures
from wikivice.figures.conflict import WarThreshold
from wikivice.store.database import Database
from wikivice.store.models import Page, PageStats

NOW = epoch("2021-06-01T12:00:00Z")
RULE = WarThreshold()  # the three-revert rule
REV = 10_000_000  # the example's first revid (page 1)


def test_cached_figures_round_trip(db: Database) -> None:
    page_id = example().store(db)
    with db.read() as conn:
        assert cached_figures(conn, page_id) is None
    computed = store_figures(db, page_id, NOW)
    with db.read() as conn:
        cached = cached_figures(conn, page_id, NOW)
    assert cached == computed
    with db.read() as conn:
        later = cached_figures(conn, page_id, epoch("2021-06-09T00:00:00Z"))
    assert later is not None
    assert later["recent_edits"] == {"day": 0, "week": 0, "month": 1, "year": 2}
    assert later["now"] == "2021-06-09T00:00:00Z"


def test_cached_figures_of_a_page_without_revisions(db: Database) -> None:
    page_id = History("Empty").store(db)
    store_figures(db, page_id, NOW)
    with db.read() as conn:
        cached = cached_figures(conn, page_id, NOW)
    assert cached is not None and cached["edits"] == 0


def test_cached_figures_miss_when_history_grew(db: Database) -> None:
    page_id = example().store(db)
    store_figures(db, page_id, NOW)
    with db.write() as conn:
        conn.execute(update(Page).where(Page.id == page_id).values(stored_latest_revid=REV + 10))
    with db.read() as conn:
        assert cached_figures(conn, page_id) is None


def test_cached_figures_miss_on_new_version(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    page_id = example().store(db)
    store_figures(db, page_id, NOW)
    monkeypatch.setattr(cache, "FIGURES_VERSION", cache.FIGURES_VERSION + 1)
    with db.read() as conn:
        assert cached_figures(conn, page_id) is None


def test_cached_figures_miss_under_another_war_rule(db: Database) -> None:
    page_id = example().store(db)
    store_figures(db, page_id, NOW)
    stricter = WarThreshold(reverts=4, hours=24)
    with db.read() as conn:
        assert cached_figures(conn, page_id, threshold=RULE) is not None
        assert cached_figures(conn, page_id, threshold=stricter) is None
    figures = figures_for(db, page_id, stricter)  # recomputed and cached under it
    assert figures["conflict"]["war_rule"] == {"reverts": 4, "hours": 24}
    with db.read() as conn:
        assert cached_figures(conn, page_id, threshold=stricter) is not None


def test_analyser_caches_and_replaces(db: Database) -> None:
    page_id = example().store(db)
    page = SimpleNamespace(id=page_id)
    analyse = cache.analyser(WarThreshold(reverts=5, hours=12))
    analyse(db, page)  # type: ignore[arg-type]
    analyse(db, page)  # type: ignore[arg-type]  # an upsert: no duplicate key
    with db.read() as conn:
        cached = cached_figures(conn, page_id, threshold=WarThreshold(reverts=5, hours=12))
        analysed_at = conn.execute(select(Page.analysed_at).where(Page.id == page_id)).scalar()
    assert cached is not None and cached["edits"] == 10
    assert analysed_at is not None


def test_figures_for_computes_once_then_reads_the_cache(db: Database) -> None:
    page_id = example().store(db)
    first = figures_for(db, page_id, RULE)  # nothing cached: computed and stored
    with db.read() as conn:
        stored = conn.execute(select(PageStats.computed_at).where(PageStats.page_id == page_id))
        computed_at = stored.scalar_one()
    again = figures_for(db, page_id, RULE)
    with db.read() as conn:
        assert conn.execute(select(PageStats.computed_at)).scalar_one() == computed_at
    assert {k: v for k, v in again.items() if k != "now"} == {
        k: v for k, v in first.items() if k != "now"
    }


def test_figures_for_recomputes_what_is_stale(db: Database) -> None:
    page_id = example().store(db)
    store_figures(db, page_id, NOW)
    with db.write() as conn:
        conn.execute(update(PageStats).values(version=cache.FIGURES_VERSION - 1))
    assert figures_for(db, page_id, RULE)["version"] == cache.FIGURES_VERSION
    with db.read() as conn:
        assert conn.execute(select(PageStats.version)).scalar_one() == cache.FIGURES_VERSION


def test_the_figures_key_moves_with_the_history_and_the_clock(db: Database) -> None:
    from wikivice.figures.cache import figures_key
    from wikivice.store import pages

    page_id = example().store(db)
    with db.read() as conn:
        page = pages.page_by_id(conn, page_id)
        assert page is not None
        now = figures_key(conn, page, RULE, NOW)
        assert (
            figures_key(conn, page, RULE, NOW) == now
            and now.tag == figures_key(conn, page, RULE, NOW).tag
        )
        # An edit ages out of "the last month": other figures, another key.
        assert figures_key(conn, page, RULE, epoch("2021-07-15T00:00:00Z")) != now
        assert figures_key(conn, page, WarThreshold(reverts=2), NOW) != now
        grown = figures_key(conn, page, RULE, NOW, stored=(page.stored_revisions + 500, REV + 9))
        assert grown != now and grown.tag != now.tag
