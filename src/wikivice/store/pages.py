"""Wiki and page rows: finding them, creating them once, and knowing how fresh they are."""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Connection, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from wikivice.store.database import dialect_insert
from wikivice.store.models import Page, PageRedirect, Wiki
from wikivice.wiki.client import ResolvedPage
from wikivice.wiki.sites import MAX_KEY_CHARS, WikiSite
from wikivice.wiki.titles import not_text, title_spellings

MAX_TITLE_CHARS = 512  # pages.title; MediaWiki's titles are at most 255 bytes
MAX_NAME_CHARS = 200  # wikis.name: what the wiki calls itself, cut to fit


@dataclass(frozen=True)
class PageRef:
    """What a job needs to know about a page (our row id and the wiki's page id: None
    for a title asked for and not looked up yet, see `asked_page`)."""

    id: int
    wiki_id: int
    pageid: int | None
    title: str
    latest_revid: int | None
    stored_revisions: int
    stored_latest_revid: int | None
    stored_latest_ts: int | None
    fetched_at: float | None
    resolved_at: float | None

    @property
    def wiki_pageid(self) -> int:
        """The wiki's page id of a page looked up: what walking its history needs."""
        if self.pageid is None:
            raise ValueError(f"{self.title!r} has not been looked up on its wiki yet")
        return self.pageid

    @property
    def is_current(self) -> bool:
        """Everything the wiki had at the last resolve is stored."""
        return (
            self.fetched_at is not None
            and self.latest_revid is not None
            and self.stored_latest_revid == self.latest_revid
        )


def ensure_wiki(conn: Connection, site: WikiSite, name: str | None = None) -> int:
    """The id of the wiki's row, created on first use (safe under concurrent callers)."""
    found = conn.execute(select(Wiki.id, Wiki.name).where(Wiki.key == site.key)).first()
    name = name[:MAX_NAME_CHARS] if name else name
    if found is not None:
        if name and found.name != name:
            conn.execute(update(Wiki).where(Wiki.id == found.id).values(name=name))
        return int(found.id)
    values = {
        "key": site.key,
        "api_url": site.api_url,
        "rest_url": site.rest_url,
        "article_url": site.article_url,
        "name": name,
    }
    insert = dialect_insert(conn.dialect.name)(Wiki).values(**values).on_conflict_do_nothing()
    conn.execute(insert)
    return int(conn.execute(select(Wiki.id).where(Wiki.key == site.key)).scalar_one())


def wiki_site(conn: Connection, key: str) -> WikiSite | None:
    """The site of a wiki we have seen, by its key."""
    if not findable(key, MAX_KEY_CHARS):
        return None
    row = conn.execute(
        select(Wiki.key, Wiki.api_url, Wiki.rest_url, Wiki.article_url).where(Wiki.key == key)
    ).first()
    return None if row is None else WikiSite(*row)


def wiki_id(conn: Connection, key: str) -> int | None:
    if not findable(key, MAX_KEY_CHARS):
        return None
    return conn.execute(select(Wiki.id).where(Wiki.key == key)).scalar()


def site_by_id(conn: Connection, wiki_id: int) -> WikiSite | None:
    row = conn.execute(
        select(Wiki.key, Wiki.api_url, Wiki.rest_url, Wiki.article_url).where(Wiki.id == wiki_id)
    ).first()
    return None if row is None else WikiSite(*row)


def findable(text: str, most: int) -> bool:
    """Whether a column of `most` characters could hold `text`. Lookups by what a
    stranger typed ask this first: PostgreSQL refuses text with NUL or a lone surrogate
    outright, where the answer should simply be "not found"."""
    return len(text) <= most and not any(not_text(c) for c in text)


def _told(resolved: ResolvedPage) -> dict[str, object]:
    """A page row's columns from what the wiki just said of it."""
    return {
        "title": resolved.title,
        "ns": resolved.ns,
        "latest_revid": resolved.latest_revid,
        "length": resolved.length,
        "resolved_at": time.time(),
    }


def upsert_page(conn: Connection, wiki_id: int, resolved: ResolvedPage) -> PageRef:
    """Record what the wiki just told us about a page; returns the page as stored."""
    values = _told(resolved)
    changed = conn.execute(
        update(Page).where(Page.wiki_id == wiki_id, Page.pageid == resolved.pageid).values(**values)
    ).rowcount
    if not changed:
        try:
            with conn.begin_nested():
                conn.execute(
                    insert(Page).values(
                        wiki_id=wiki_id, pageid=resolved.pageid, stored_revisions=0, **values
                    )
                )
        except IntegrityError:  # created meanwhile by another process: update it
            conn.execute(
                update(Page)
                .where(Page.wiki_id == wiki_id, Page.pageid == resolved.pageid)
                .values(**values)
            )
    ref = page_by_pageid(conn, wiki_id, resolved.pageid)
    assert ref is not None
    if resolved.redirected_from and resolved.redirected_from != resolved.title:
        remember_redirect(conn, wiki_id, resolved.redirected_from, ref.id)
    return ref


def asked_page(conn: Connection, wiki_id: int, title: str) -> PageRef:
    """The row of `title` (cleaned) asked for on the wiki and not looked up yet: made on
    the first ask, the same row for every ask after (safe under concurrent callers)."""
    values = {"wiki_id": wiki_id, "pageid": None, "title": title, "ns": 0, "stored_revisions": 0}
    add = dialect_insert(conn.dialect.name)(Page).values(**values).on_conflict_do_nothing()
    conn.execute(add)
    asked = _ref(conn, (Page.wiki_id == wiki_id) & (Page.title == title) & Page.pageid.is_(None))
    assert asked is not None
    return asked


def settle(conn: Connection, asked: PageRef, resolved: ResolvedPage) -> PageRef:
    """What the wiki said of an asked title (`asked_page`): the page it is. A page known
    here already (the title redirects to it, or another lookup just recorded it) is
    updated and returned, and the caller moves the asked row's jobs to it and drops the
    row (`drop_asked`); otherwise the asked row becomes the page. Either way the title
    as asked, and the redirect the wiki followed, lead to the page from now on."""
    known = page_by_pageid(conn, asked.wiki_id, resolved.pageid)
    if known is None:
        try:
            with conn.begin_nested():
                conn.execute(
                    update(Page)
                    .where(Page.id == asked.id)
                    .values(pageid=resolved.pageid, **_told(resolved))
                )
        except IntegrityError:  # recorded meanwhile by another lookup of the same page
            known = page_by_pageid(conn, asked.wiki_id, resolved.pageid)
    page = upsert_page(conn, asked.wiki_id, resolved) if known else page_by_id(conn, asked.id)
    assert page is not None
    for title in (asked.title, resolved.redirected_from):
        if title and title != page.title:
            remember_redirect(conn, asked.wiki_id, title, page.id)
    return page


def drop_asked(conn: Connection, asked_id: int) -> None:
    """An asked row that turned out to be a page known here (`settle`), its jobs moved."""
    conn.execute(delete(Page).where(Page.id == asked_id, Page.pageid.is_(None)))


def remember_redirect(conn: Connection, wiki_id: int, title: str, page_id: int) -> None:
    """`title` redirects to the page `page_id` (now: a redirect can be pointed elsewhere)."""
    key = {"wiki_id": wiki_id, "title": title[:MAX_TITLE_CHARS]}
    done = conn.execute(update(PageRedirect).filter_by(**key).values(page_id=page_id)).rowcount
    if not done:
        try:
            with conn.begin_nested():
                conn.execute(insert(PageRedirect).values(**key, page_id=page_id))
        except IntegrityError:  # recorded meanwhile by another process
            conn.execute(update(PageRedirect).filter_by(**key).values(page_id=page_id))


def page_by_redirect(conn: Connection, wiki_id: int, title: str) -> PageRef | None:
    target = conn.execute(
        select(PageRedirect.page_id).filter_by(wiki_id=wiki_id, title=title)
    ).scalar()
    return None if target is None else _ref(conn, Page.id == target)


def page_by_pageid(conn: Connection, wiki_id: int, pageid: int) -> PageRef | None:
    return _ref(conn, (Page.wiki_id == wiki_id) & (Page.pageid == pageid))


def page_by_id(conn: Connection, page_id: int) -> PageRef | None:
    return _ref(conn, Page.id == page_id)


def page_by_title(conn: Connection, wiki_id: int, title: str) -> PageRef | None:
    return _ref(conn, (Page.wiki_id == wiki_id) & (Page.title == title))


def find_page(conn: Connection, wiki_key: str, title: str) -> PageRef | None:
    """A stored page by its wiki's key and its title as a person or a URL gives it:
    underscores for spaces and runs of spaces are forgiven, and so is a lower-case
    first letter (MediaWiki capitalises it in most wikis); a redirect's title finds the
    page it led to when it was analysed. None if it was never seen."""
    wiki = wiki_id(conn, wiki_key)
    if wiki is None or not findable(title, MAX_TITLE_CHARS):
        return None
    for lookup in (page_by_title, page_by_redirect):
        for candidate in title_spellings(title):
            page = lookup(conn, wiki, candidate)
            if page is not None:
                return page
    return None


@dataclass(frozen=True)
class FetchedPage:
    """A page whose history is stored, as lists of them show it."""

    wiki: str  # the wiki's key
    title: str
    revisions: int
    fetched_at: float


def recently_fetched(conn: Connection, limit: int) -> list[FetchedPage]:
    """The pages fetched most recently, newest first."""
    rows = conn.execute(
        select(Wiki.key, Page.title, Page.stored_revisions, Page.fetched_at)
        .join(Wiki, Wiki.id == Page.wiki_id)
        .where(Page.fetched_at.is_not(None))
        .order_by(Page.fetched_at.desc())
        .limit(limit)
    ).all()
    return [
        FetchedPage(key, title, revisions, fetched_at or 0.0)
        for key, title, revisions, fetched_at in rows
    ]


def wiki_keys(conn: Connection) -> list[str]:
    """The keys of every wiki seen here, sorted."""
    return list(conn.execute(select(Wiki.key).order_by(Wiki.key)).scalars())


_REF_COLUMNS = [getattr(Page, name) for name in PageRef.__dataclass_fields__]


def _ref(conn: Connection, where: ColumnElement[bool]) -> PageRef | None:
    row = conn.execute(
        select(*_REF_COLUMNS)
        .where(where)
        .order_by(Page.resolved_at.desc().nulls_last())  # a page over a title asked
        .limit(1)
    ).first()
    return None if row is None else PageRef(**row._mapping)
