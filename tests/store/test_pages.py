"""Wiki and page rows on SQLite and PostgreSQL: created once whoever asks at the same time,
kept current by each resolve, found by title, row id or the wiki's page id."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TypeVar

import pytest
from sqlalchemy import func, select, update

from wikivice.store import pages
from wikivice.store.database import Database
from wikivice.store.models import Page, PageRedirect, Wiki
from wikivice.store.pages import PageRef
from wikivice.wiki.client import ResolvedPage
from wikivice.wiki.sites import MAX_KEY_CHARS, parse_wiki

T = TypeVar("T")
EN = parse_wiki("en")
LOCAL = parse_wiki("http://127.0.0.1:8765/w/api.php")


def at_once(db: Database, work: Callable[..., T], threads: int = 8) -> list[T]:
    """`work(conn)` in `threads` write transactions started together."""
    start = threading.Barrier(threads)
    results: list[T] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            start.wait(5)
            with db.write() as conn:
                results.append(work(conn))
        except BaseException as exc:  # re-raised below, in the test's thread
            errors.append(exc)

    workers = [threading.Thread(target=run) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)
    if errors:
        raise errors[0]
    return results


def rows(db: Database, table: type[Wiki] | type[Page]) -> int:
    with db.read() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def wiki_name(db: Database, wiki_id: int) -> str | None:
    with db.read() as conn:
        return conn.execute(select(Wiki.name).where(Wiki.id == wiki_id)).scalar_one()


@pytest.fixture
def wiki_id(db: Database) -> int:
    with db.write() as conn:
        return pages.ensure_wiki(conn, EN)


def upsert(db: Database, wiki_id: int, resolved: ResolvedPage) -> PageRef:
    with db.write() as conn:
        return pages.upsert_page(conn, wiki_id, resolved)


def coffee(latest_revid: int = 100, title: str = "Coffee") -> ResolvedPage:
    return ResolvedPage(pageid=604727, ns=0, title=title, latest_revid=latest_revid, length=2000)


# -- wikis ------------------------------------------------------------------------------


def test_ensure_wiki_creates_the_row_once(db: Database) -> None:
    with db.write() as conn:
        first = pages.ensure_wiki(conn, EN)
    with db.write() as conn:
        assert pages.ensure_wiki(conn, EN) == first
        assert pages.ensure_wiki(conn, LOCAL) != first
    assert rows(db, Wiki) == 2


def test_ensure_wiki_records_and_updates_the_name(db: Database) -> None:
    with db.write() as conn:
        wiki_id = pages.ensure_wiki(conn, EN)
    assert wiki_name(db, wiki_id) is None
    names = [("Wikipedia", "Wikipedia"), ("Wikipédia", "Wikipédia"), (None, "Wikipédia")]
    for name, expected in names:
        with db.write() as conn:
            assert pages.ensure_wiki(conn, EN, name) == wiki_id
        assert wiki_name(db, wiki_id) == expected  # None: not known, so not forgotten


def test_ensure_wiki_from_concurrent_callers_makes_one_row(db: Database) -> None:
    ids = at_once(db, lambda conn: pages.ensure_wiki(conn, LOCAL, "Simulated Wikipedia"))
    assert len(ids) == 8 and len(set(ids)) == 1
    assert rows(db, Wiki) == 1


def test_wiki_site_gives_back_the_site(db: Database) -> None:
    with db.write() as conn:
        en, local = pages.ensure_wiki(conn, EN), pages.ensure_wiki(conn, LOCAL)
    with db.read() as conn:
        assert pages.wiki_site(conn, "en") == EN
        assert pages.wiki_site(conn, LOCAL.key) == LOCAL
        assert pages.site_by_id(conn, en) == EN
        assert pages.site_by_id(conn, local) == LOCAL
        assert pages.wiki_id(conn, LOCAL.key) == local


def test_unknown_wikis_are_none(db: Database) -> None:
    with db.read() as conn:
        assert pages.wiki_site(conn, "fr") is None
        assert pages.site_by_id(conn, 12345) is None
        assert pages.wiki_id(conn, "fr") is None


@pytest.mark.parametrize("key", ["en\x00", "\ud800", "k" * 201])
def test_a_key_no_wiki_can_have_finds_nothing_without_an_error(db: Database, key: str) -> None:
    # PostgreSQL refuses NUL and lone surrogates in text: the lookup must not ask it.
    with db.read() as conn:
        assert pages.wiki_site(conn, key) is None
        assert pages.wiki_id(conn, key) is None
        assert pages.find_page(conn, key, "Coffee") is None


@pytest.mark.parametrize("title", ["Coffee\x00", "\udc80", "T" * 513])
def test_a_title_no_page_can_have_finds_nothing_without_an_error(
    db: Database, wiki_id: int, title: str
) -> None:
    upsert(db, wiki_id, coffee())
    with db.read() as conn:
        assert pages.find_page(conn, "en", title) is None


def test_the_bounds_match_the_columns() -> None:
    assert Wiki.__table__.c.key.type.length == MAX_KEY_CHARS
    assert Wiki.__table__.c.name.type.length == pages.MAX_NAME_CHARS
    assert Page.__table__.c.title.type.length == pages.MAX_TITLE_CHARS


def test_ensure_wiki_cuts_a_long_name_to_its_column(db: Database) -> None:
    with db.write() as conn:
        wiki_id = pages.ensure_wiki(conn, EN, "W" * 1000)
    assert wiki_name(db, wiki_id) == "W" * pages.MAX_NAME_CHARS


# -- pages ------------------------------------------------------------------------------


def test_upsert_page_inserts_a_new_page(db: Database, wiki_id: int) -> None:
    before = time.time()
    page = upsert(db, wiki_id, coffee())
    assert (page.wiki_id, page.pageid, page.title) == (wiki_id, 604727, "Coffee")
    assert page.latest_revid == 100
    assert page.stored_revisions == 0
    assert page.stored_latest_revid is None and page.stored_latest_ts is None
    assert page.fetched_at is None
    assert page.resolved_at is not None and before <= page.resolved_at <= time.time()
    assert not page.is_current


def test_upsert_page_updates_the_row_on_a_later_resolve(db: Database, wiki_id: int) -> None:
    first = upsert(db, wiki_id, coffee(latest_revid=100))
    with db.write() as conn:  # what ingest records once the history is stored
        conn.execute(
            update(Page)
            .where(Page.id == first.id)
            .values(stored_revisions=50, stored_latest_revid=100, fetched_at=time.time())
        )
    later = upsert(db, wiki_id, coffee(latest_revid=120))
    assert later.id == first.id
    assert later.latest_revid == 120
    assert later.resolved_at is not None and first.resolved_at is not None
    assert later.resolved_at >= first.resolved_at
    assert (later.stored_revisions, later.stored_latest_revid) == (50, 100)  # kept
    assert not later.is_current  # the wiki has revisions we do not
    assert rows(db, Page) == 1


def test_upsert_page_after_a_move_keeps_the_row(db: Database, wiki_id: int) -> None:
    first = upsert(db, wiki_id, coffee(title="Coffee"))
    moved = upsert(db, wiki_id, coffee(title="Coffee (beverage)"))
    assert moved.id == first.id and moved.title == "Coffee (beverage)"
    with db.read() as conn:
        assert pages.page_by_title(conn, wiki_id, "Coffee") is None
        found = pages.page_by_title(conn, wiki_id, "Coffee (beverage)")
    assert found is not None and found.id == first.id
    assert rows(db, Page) == 1


def test_upsert_page_keeps_page_ids_apart_per_wiki(db: Database, wiki_id: int) -> None:
    with db.write() as conn:
        other = pages.ensure_wiki(conn, LOCAL)
    en_page = upsert(db, wiki_id, coffee())
    local_page = upsert(db, other, coffee())
    assert en_page.id != local_page.id
    assert rows(db, Page) == 2


def test_upsert_page_from_concurrent_callers_makes_one_row(db: Database, wiki_id: int) -> None:
    refs = at_once(db, lambda conn: pages.upsert_page(conn, wiki_id, coffee()))
    assert len(refs) == 8 and len({ref.id for ref in refs}) == 1
    assert rows(db, Page) == 1


def test_pages_are_found_by_title_row_id_and_page_id(db: Database, wiki_id: int) -> None:
    page = upsert(db, wiki_id, coffee())
    with db.read() as conn:
        assert pages.page_by_title(conn, wiki_id, "Coffee") == page
        assert pages.page_by_id(conn, page.id) == page
        assert pages.page_by_pageid(conn, wiki_id, 604727) == page


def test_pages_not_stored_are_none(db: Database, wiki_id: int) -> None:
    page = upsert(db, wiki_id, coffee())
    with db.write() as conn:
        other = pages.ensure_wiki(conn, LOCAL)
    with db.read() as conn:
        assert pages.page_by_title(conn, wiki_id, "Tea") is None
        assert pages.page_by_title(conn, wiki_id, "coffee") is None  # titles are exact
        assert pages.page_by_title(conn, other, "Coffee") is None
        assert pages.page_by_id(conn, page.id + 1) is None
        assert pages.page_by_pageid(conn, wiki_id, 1) is None
        assert pages.page_by_pageid(conn, other, 604727) is None


def test_page_by_title_prefers_the_latest_resolve(db: Database, wiki_id: int) -> None:
    # Page 1 was "Coffee" when we last asked; since then page 2 took the title (page 1
    # moved away, and we have not asked about it again).
    old = upsert(db, wiki_id, ResolvedPage(1, 0, "Coffee", 10, 100))
    new = upsert(db, wiki_id, ResolvedPage(2, 0, "Coffee", 20, 100))
    with db.write() as conn:
        conn.execute(update(Page).where(Page.id == old.id).values(resolved_at=1000.0))
        conn.execute(update(Page).where(Page.id == new.id).values(resolved_at=2000.0))
    with db.read() as conn:
        found = pages.page_by_title(conn, wiki_id, "Coffee")
    assert found is not None and found.id == new.id


def test_a_redirect_s_title_finds_the_page_it_led_to(db: Database, wiki_id: int) -> None:
    page = upsert(
        db, wiki_id, ResolvedPage(604727, 0, "Coffee", 100, 2000, redirected_from="Kaffee")
    )
    with db.read() as conn:
        assert pages.find_page(conn, EN.key, "Kaffee") == page
        assert pages.find_page(conn, EN.key, "kaffee") == page  # first letter forgiven
        assert pages.find_page(conn, EN.key, "Coffee") == page
        assert pages.find_page(conn, EN.key, "Tee") is None
        assert pages.page_by_title(conn, wiki_id, "Kaffee") is None  # not a page of its own


def test_a_redirect_pointed_elsewhere_follows_its_new_target(db: Database, wiki_id: int) -> None:
    upsert(db, wiki_id, ResolvedPage(1, 0, "Coffee", 10, 100, redirected_from="Java"))
    island = upsert(
        db, wiki_id, ResolvedPage(2, 0, "Java (island)", 20, 100, redirected_from="Java")
    )
    with db.read() as conn:
        assert pages.find_page(conn, EN.key, "Java") == island
    assert rows(db, PageRedirect) == 1


def test_a_page_of_that_title_wins_over_a_redirect(db: Database, wiki_id: int) -> None:
    upsert(db, wiki_id, ResolvedPage(1, 0, "Coffee", 10, 100, redirected_from="Kaffee"))
    real = upsert(db, wiki_id, ResolvedPage(3, 0, "Kaffee", 30, 100))
    with db.read() as conn:
        assert pages.find_page(conn, EN.key, "Kaffee") == real


def test_concurrent_redirects_make_one_row(db: Database, wiki_id: int) -> None:
    resolved = ResolvedPage(604727, 0, "Coffee", 100, 2000, redirected_from="Kaffee")
    at_once(db, lambda conn: pages.upsert_page(conn, wiki_id, resolved))
    assert rows(db, PageRedirect) == 1


def ref(**changes: object) -> PageRef:
    values: dict[str, object] = dict(
        id=1, wiki_id=1, pageid=7, title="Coffee", latest_revid=100, stored_revisions=50,
        stored_latest_revid=100, stored_latest_ts=1_600_000_000, fetched_at=1_700_000_000.0,
        resolved_at=1_700_000_000.0,
    )  # fmt: skip
    values.update(changes)
    return PageRef(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "current"),
    [
        ({}, True),
        ({"stored_latest_revid": 99}, False),  # the wiki has a newer revision
        ({"stored_latest_revid": None, "stored_revisions": 0}, False),  # nothing stored
        ({"fetched_at": None}, False),  # a fetch began but never completed
        ({"latest_revid": None}, False),  # never resolved: we cannot tell
        ({"latest_revid": None, "stored_latest_revid": None}, False),
    ],
    ids=["same-revision", "behind", "empty", "unfinished", "unresolved", "both-unknown"],
)
def test_page_ref_is_current_only_when_the_latest_revision_is_stored(
    changes: dict[str, object], current: bool
) -> None:
    assert ref(**changes).is_current is current
