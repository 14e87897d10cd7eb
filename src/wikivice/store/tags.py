"""Each wiki's change tags under their display names (`list=tags`), kept on its row.

Asked once per wiki, alongside a fetch (`store.ingest`), and again once a week: a wiki
adds tags rarely, and a tag it does not name shows its internal name until then. A wiki
that cannot say (no such module, an error) costs the fetch nothing: the names stay as
they were.
"""

from __future__ import annotations

import logging
import time

import orjson
from sqlalchemy import Connection, select, update

from wikivice.store.database import Database
from wikivice.store.models import Wiki
from wikivice.wiki.client import MediaWiki
from wikivice.wiki.errors import MediaWikiError

log = logging.getLogger(__name__)
TAG_LIST_MAX_AGE = 7 * 86_400.0  # seconds


def tag_labels(conn: Connection, wiki_id: int) -> dict[str, str]:
    """The wiki's tags' display names by tag name, as last asked ({} if never)."""
    stored = conn.execute(select(Wiki.tag_names).where(Wiki.id == wiki_id)).scalar()
    if not stored:
        return {}
    names = orjson.loads(stored)
    return {str(k): str(v) for k, v in names.items()} if isinstance(names, dict) else {}


def refresh_tag_labels(
    db: Database, wiki: MediaWiki, wiki_id: int, now: float | None = None
) -> dict[str, str]:
    """The wiki's tags' display names, asked of the wiki when none are stored or they
    are older than TAG_LIST_MAX_AGE; what is stored if the wiki cannot say."""
    now = time.time() if now is None else now
    with db.read() as conn:
        row = conn.execute(
            select(Wiki.tag_names, Wiki.tags_checked_at).where(Wiki.id == wiki_id)
        ).one()
    if row.tag_names is not None and now - (row.tags_checked_at or 0) < TAG_LIST_MAX_AGE:
        with db.read() as conn:
            return tag_labels(conn, wiki_id)
    try:
        names = wiki.tag_names()
    except MediaWikiError as exc:
        log.info("%s did not list its tags: %s", wiki.site.key, exc)
        with db.read() as conn:
            return tag_labels(conn, wiki_id)
    with db.write() as conn:
        conn.execute(
            update(Wiki)
            .where(Wiki.id == wiki_id)
            .values(tag_names=orjson.dumps(names).decode(), tags_checked_at=now)
        )
    return names
