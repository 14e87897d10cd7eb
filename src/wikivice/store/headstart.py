"""`wikivice fetch`'s head start: a page new to the database starts downloading while
the database layer is still loading.

SQLAlchemy, the models and pydantic are most of the command's start-up (0.9 s of imports
on a slow machine, against 0.3 s for httpx alone); the first requests need none of them.
So the command resolves the title, asks the database with the standard library's
`sqlite3` whether the page is new to it, and if so starts walking its history from the
beginning before importing the rest. The job that then runs takes the walk over
(`ingest(head_start=…)`) if it starts from the beginning too, and stops it otherwise:
nothing is stored here, and a page already stored never costs an extra request.

Only SQLite databases are looked at; with PostgreSQL the command simply starts later.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from wikivice.settings import Settings
from wikivice.store.fetcher import Fetcher
from wikivice.store.vocabulary import ACTIVE_JOB_STATUSES
from wikivice.wiki.client import ResolvedPage
from wikivice.wiki.pool import WikiClients
from wikivice.wiki.sites import WikiSite

# Batches the walk may run ahead while the rest loads: about a second of a fast wiki,
# 500 revisions each (memory is bounded by it: ~0.5 MB a batch).
AHEAD = 48

# Is anything of the page stored, or is a job for it queued or running (someone else
# may be fetching it)? The tables are `wikivice.store.models`'; tests/store/test_headstart.py
# checks this against the database as the models write it.
_STORED_OR_BUSY = f"""
SELECT 1 FROM pages JOIN wikis ON wikis.id = pages.wiki_id
WHERE wikis.key = ? AND pages.pageid = ? AND (
    EXISTS (SELECT 1 FROM revisions WHERE revisions.page_id = pages.id)
    OR EXISTS (SELECT 1 FROM fetch_jobs WHERE fetch_jobs.page_id = pages.id
               AND fetch_jobs.status IN ({", ".join(repr(str(s)) for s in ACTIVE_JOB_STATUSES)}))
)
"""


@dataclass
class HeadStart:
    wikis: WikiClients
    resolved: ResolvedPage
    fetcher: Fetcher | None  # None: the page is not new to the database (or unknown)


def begin(settings: Settings, site: WikiSite, title: str) -> HeadStart:
    """Resolve `title` (raising as `MediaWiki.resolve` does) and, for a page new to the
    database, start the walk of its history."""
    wikis = WikiClients(settings)
    try:
        resolved = wikis.client(site).resolve(title)
    except BaseException:
        wikis.close()
        raise
    fetcher = None
    if is_new(settings.sqlalchemy_url, site.key, resolved.pageid):
        fetcher = Fetcher(wikis.client(site), resolved.pageid, ahead=AHEAD)
        fetcher.start()
    return HeadStart(wikis, resolved, fetcher)


def is_new(database_url: str, wiki_key: str, pageid: int) -> bool:
    """True if the database holds nothing of the page and no job for it; False if it
    does, or if it cannot be told cheaply (not SQLite, or the file is unreadable)."""
    path = _sqlite_path(database_url)
    if path is None:
        return False
    if not path.exists():
        return True  # created and migrated when the rest has loaded
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=1)
    except sqlite3.Error:
        return False
    try:
        return conn.execute(_STORED_OR_BUSY, (wiki_key, pageid)).fetchone() is None
    except sqlite3.Error as exc:
        # A database not migrated yet holds nothing; anything else: play safe.
        return "no such table" in str(exc)
    finally:
        conn.close()


def _sqlite_path(database_url: str) -> Path | None:
    """The file of a `sqlite:///…` URL (SQLAlchemy's form: `sqlite:///relative.db`,
    `sqlite:////absolute.db`); None for anything else, `:memory:` included."""
    scheme, _, rest = database_url.partition(":///")
    path = unquote(rest.split("?", 1)[0])
    if scheme not in ("sqlite", "sqlite+pysqlite") or path in ("", ":memory:"):
        return None
    return Path(path)
