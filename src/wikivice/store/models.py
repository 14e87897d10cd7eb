"""The database schema: wikis, pages, editors, revisions, fetch jobs and their events.

Times that the code compares or buckets (revision timestamps, heartbeats) are integer or
float seconds since the Unix epoch, UTC: the same arithmetic works on SQLite and
PostgreSQL, and a 1,000,000-row insert does not pay for datetime conversion per value.

Unique keys make every insert idempotent: a revision is stored once per wiki
(`uq_revisions_wiki_revid`), an editor once per wiki and name, a page once per wiki and
page id, and at most one job per page is queued or running (`uq_fetch_jobs_active_page`).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from wikivice.store.vocabulary import ACTIVE_JOB_STATUSES, JobStatus, Stage

# Alembic needs deterministic constraint names to alter them later (and SQLite batch mode
# needs names to recreate tables).
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# The partial unique index's condition: at most one job per page is queued or running.
_ACTIVE = text(f"status IN ({', '.join(repr(str(s)) for s in ACTIVE_JOB_STATUSES)})")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Wiki(Base):
    """A MediaWiki site, known by a short key used in URLs (`en`, `127.0.0.1:8765`)."""

    __tablename__ = "wikis"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    api_url: Mapped[str] = mapped_column(String(500), unique=True)
    rest_url: Mapped[str] = mapped_column(String(500))
    article_url: Mapped[str] = mapped_column(String(500))  # with `$1` for the title
    name: Mapped[str | None] = mapped_column(String(200))
    # Names of the wiki's bot-group accounts (JSON list), refreshed once a day.
    bot_names: Mapped[str | None] = mapped_column(Text)
    bots_checked_at: Mapped[float | None] = mapped_column(Float)
    # The wiki's change tags' display names as text (JSON object, name -> display name:
    # `list=tags`), refreshed once a week; None until first asked.
    tag_names: Mapped[str | None] = mapped_column(Text)
    tags_checked_at: Mapped[float | None] = mapped_column(Float)


_UNRESOLVED = text("pageid IS NULL")


class Page(Base):
    """An article, known by its page id (titles change when pages move).

    A row without a page id is a title asked for and not yet looked up: the search form
    answers before the wiki does, and the job that fetches the page resolves its title
    first (`store.settle`). One such row per title asked on a wiki."""

    __tablename__ = "pages"
    __table_args__ = (
        UniqueConstraint("wiki_id", "pageid", name="uq_pages_wiki_pageid"),
        # What a revision's foreign key refers to (the page and its wiki, `Revision`).
        UniqueConstraint("id", "wiki_id", name="uq_pages_id_wiki"),
        Index("ix_pages_wiki_title", "wiki_id", "title"),
        Index(
            "uq_pages_wiki_asked_title",
            "wiki_id",
            "title",
            unique=True,
            sqlite_where=_UNRESOLVED,
            postgresql_where=_UNRESOLVED,
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    wiki_id: Mapped[int] = mapped_column(ForeignKey("wikis.id", ondelete="CASCADE"))
    pageid: Mapped[int | None] = mapped_column(BigInteger)  # None: not looked up yet
    ns: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(String(512))
    # What the wiki said at the last resolve (prop=info).
    latest_revid: Mapped[int | None] = mapped_column(BigInteger)
    length: Mapped[int | None] = mapped_column(Integer)
    resolved_at: Mapped[float | None] = mapped_column(Float)
    # What we hold: kept current by ingest, so freshness needs no COUNT(*).
    stored_revisions: Mapped[int] = mapped_column(Integer, default=0)
    stored_latest_revid: Mapped[int | None] = mapped_column(BigInteger)
    stored_latest_ts: Mapped[int | None] = mapped_column(BigInteger)
    fetched_at: Mapped[float | None] = mapped_column(Float)  # last complete fetch
    analysed_at: Mapped[float | None] = mapped_column(Float)


class PageRedirect(Base):
    """A redirect's title that led to a page when it was analysed: "Turing" → Alan Turing,
    so every route finds the page by the title a person typed."""

    __tablename__ = "page_redirects"

    wiki_id: Mapped[int] = mapped_column(
        ForeignKey("wikis.id", ondelete="CASCADE"), primary_key=True
    )
    title: Mapped[str] = mapped_column(String(512), primary_key=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("pages.id", ondelete="CASCADE"))


class Editor(Base):
    """Someone who edited: a registered user, a bot, an IP address or a temporary account."""

    __tablename__ = "editors"
    __table_args__ = (UniqueConstraint("wiki_id", "name", name="uq_editors_wiki_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    wiki_id: Mapped[int] = mapped_column(ForeignKey("wikis.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(512))
    userid: Mapped[int] = mapped_column(BigInteger, default=0)
    kind: Mapped[str] = mapped_column(String(8))  # user | bot | anon | temp
    country: Mapped[str | None] = mapped_column(String(2))  # anon IPs only, offline lookup


class Revision(Base):
    """One revision as MediaWiki lists it, plus facts derived at ingest time.

    `delta` is the size change from the parent; `is_revert` marks an identity revert
    (its sha1 equals one of the previous 15 revisions') or a revert tag; `reverted_by`
    is the revert that undid this one (identity rule), `reverted` also covers the
    `mw-reverted` tag.

    One foreign key, `(page_id, wiki_id)` to the page, stands for two: a revision's wiki
    is its page's, so the key also holds the wiki (deleting either deletes the revision),
    and PostgreSQL checks one key per row instead of two while an ingest COPYs them.
    """

    __tablename__ = "revisions"
    __table_args__ = (
        UniqueConstraint("wiki_id", "revid", name="uq_revisions_wiki_revid"),
        ForeignKeyConstraint(
            ["page_id", "wiki_id"], ["pages.id", "pages.wiki_id"], ondelete="CASCADE"
        ),
        # Keyset paging of a history (store/history.py) and every scan of a page by time.
        Index("ix_revisions_page_ts_revid", "page_id", "ts", "revid"),
        # An editor's revisions (editor pages), and of one page newest first (the history
        # explorer's editor filter: SQLite would otherwise walk the whole page).
        Index("ix_revisions_editor_page_ts", "editor_id", "page_id", "ts", "revid"),
    )

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    wiki_id: Mapped[int] = mapped_column(Integer)
    revid: Mapped[int] = mapped_column(BigInteger)
    page_id: Mapped[int] = mapped_column(Integer)
    parent_id: Mapped[int] = mapped_column(BigInteger, default=0)
    ts: Mapped[int] = mapped_column(BigInteger)
    editor_id: Mapped[int | None] = mapped_column(ForeignKey("editors.id"))
    kind: Mapped[str] = mapped_column(String(8))  # the editor's kind, or "hidden"
    size: Mapped[int] = mapped_column(Integer, default=0)
    delta: Mapped[int] = mapped_column(Integer, default=0)
    minor: Mapped[bool] = mapped_column(Boolean, default=False)
    sha1: Mapped[str | None] = mapped_column(String(40))
    comment: Mapped[str | None] = mapped_column(Text)
    tags: Mapped[str | None] = mapped_column(Text)  # JSON list, NULL when empty
    hidden: Mapped[int] = mapped_column(SmallInteger, default=0)  # HIDDEN_* bits
    is_revert: Mapped[bool] = mapped_column(Boolean, default=False)
    reverted: Mapped[bool] = mapped_column(Boolean, default=False)
    reverted_by: Mapped[int | None] = mapped_column(BigInteger)


HIDDEN_USER = 1
HIDDEN_COMMENT = 2
HIDDEN_SHA1 = 4
SUPPRESSED = 8


class FetchJob(Base):
    """One fetch of one page's history: the source of truth for its state and progress.

    status: queued → running → done | failed (running → queued again when a worker
    stops or stalls; queued or running → cancelled → queued when resumed). `claimed_by`
    is the lease token of the worker running it; every write a worker makes is
    conditional on still holding it (cancelling clears it).
    """

    __tablename__ = "fetch_jobs"
    __table_args__ = (
        Index(
            "uq_fetch_jobs_active_page",
            "page_id",
            unique=True,
            sqlite_where=_ACTIVE,
            postgresql_where=_ACTIVE,
        ),
        Index("ix_fetch_jobs_status_heartbeat", "status", "heartbeat_at"),
        Index("ix_fetch_jobs_requested_by_status", "requested_by", "status"),
        Index("ix_fetch_jobs_status_finished", "status", "finished_at"),
        Index("ix_fetch_jobs_page_id", "page_id"),  # a page's latest job
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("pages.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16), default=JobStatus.QUEUED)
    stage: Mapped[str] = mapped_column(String(16), default=Stage.QUEUED)
    message: Mapped[str | None] = mapped_column(Text)
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int | None] = mapped_column(Integer)
    total_is_lower_bound: Mapped[bool] = mapped_column(Boolean, default=False)
    # `total` is estimated from the walk (the wiki's count stops at 30,000, or is missing).
    total_is_estimate: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    new_revisions: Mapped[int] = mapped_column(Integer, default=0)
    checkpoint: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=3)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    heartbeat_at: Mapped[float | None] = mapped_column(Float)
    not_before: Mapped[float | None] = mapped_column(Float)
    error: Mapped[str | None] = mapped_column(Text)
    events: Mapped[int] = mapped_column(Integer, default=0)  # seq of its newest event
    created_at: Mapped[float] = mapped_column(Float)
    started_at: Mapped[float | None] = mapped_column(Float)
    finished_at: Mapped[float | None] = mapped_column(Float)
    # Who asked for it (a web client's key, for the per-client caps; None: the CLI), and
    # the most revisions it may store (None: no limit, as for `wikivice fetch`).
    requested_by: Mapped[str | None] = mapped_column(String(64))
    revision_limit: Mapped[int | None] = mapped_column(Integer)
    # Who cancelled it (a `Canceller`: the requester or the operator), while it is cancelled.
    cancelled_by: Mapped[str | None] = mapped_column(String(16))


class JobEvent(Base):
    """An event of a job, in order: `seq` is the SSE event id.

    `seq` is per job, taken from `fetch_jobs.events` by the same UPDATE that changes the
    job (which locks its row), so events commit in seq order and a reader that has seen
    seq N and asks for seq > N can never skip one committed later.
    """

    __tablename__ = "job_events"
    __table_args__ = (UniqueConstraint("job_id", "seq", name="uq_job_events_job_seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("fetch_jobs.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    data: Mapped[str] = mapped_column(Text)  # JSON object
    created_at: Mapped[float] = mapped_column(Float)


class PageStats(Base):
    """The dashboard's figures for a page, cached per stored history (latest revid)."""

    __tablename__ = "page_stats"

    page_id: Mapped[int] = mapped_column(
        ForeignKey("pages.id", ondelete="CASCADE"), primary_key=True
    )
    revid: Mapped[int] = mapped_column(BigInteger)
    version: Mapped[int] = mapped_column(Integer)
    data: Mapped[str] = mapped_column(Text)
    computed_at: Mapped[float] = mapped_column(Float)


class WikiSlot(Base):
    """A politeness slot of a wiki host (`store.slots`): `holder` is the lease token of the
    request using it, until `expires_at` (seconds since the epoch)."""

    __tablename__ = "wiki_slots"

    host: Mapped[str] = mapped_column(String(255), primary_key=True)
    slot: Mapped[int] = mapped_column(Integer, primary_key=True)
    holder: Mapped[str | None] = mapped_column(String(64))
    expires_at: Mapped[float | None] = mapped_column(Float)
