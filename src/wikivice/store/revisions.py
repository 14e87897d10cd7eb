"""Revisions as we store them: a batch from the API turned into rows, in bulk.

Facts derived here, once: the size change of each revision, the kind of its editor
(anonymous, temporary account, bot, registered; IP addresses located offline), and
reverts. An identity revert is a revision whose sha1 equals that of one of the previous
15 revisions (the nearest such, and not the immediately previous one, which would be a
null edit); the revisions between are reverted by it. MediaWiki's revert tags count too.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson
from iptocc import country_code
from sqlalchemy import Connection, func, select

from wikivice.store.bulk import WIDTH, Statements, without_nul
from wikivice.store.database import Database
from wikivice.store.models import (
    HIDDEN_COMMENT,
    HIDDEN_SHA1,
    HIDDEN_USER,
    SUPPRESSED,
    Editor,
    Revision,
)
from wikivice.store.pages import PageRef
from wikivice.store.vocabulary import EditorKind
from wikivice.wiki.client import RevisionBatch
from wikivice.wiki.timestamps import parse_timestamp

REVERT_WINDOW = 15
REVERT_TAGS = frozenset({"mw-undo", "mw-rollback", "mw-manual-revert"})
REVERTED_TAG = "mw-reverted"
# Temporary accounts on Wikimedia wikis: `~2025-12345-67` (and older `~2024-…` forms).
TEMP_ACCOUNT = re.compile(r"^~\d{4}-")
_EDITOR_CACHE_MAX = 20_000
_PRUNE_EVERY = 4096


TagFacts = tuple[str, bool, bool]  # see `_tag_facts`


@dataclass
class BatchState:
    """Carried from batch to batch (and rebuilt from the database on resume)."""

    last_size: int = 0
    last_key: tuple[int, int] | None = None  # (ts, revid) of the newest stored revision
    window: RevertWindow = field(default_factory=lambda: RevertWindow([]))
    done: int = 0
    new: int = 0
    limit: int | None = None  # store no more than this many for the page (None: all)
    capped: bool = False  # the limit left revisions of the walk unstored
    # A revision's tags as stored (sorted JSON) and what they say of reverts, by the
    # tags as listed: most revisions of a page repeat a few combinations.
    tags: dict[tuple[str, ...], TagFacts] = field(default_factory=dict)


class RevertWindow:
    """The last 15 revisions' ids, and where in the stream each recent sha1 last
    appeared, so finding an identity revert costs one dict lookup per revision."""

    def __init__(self, recent: list[tuple[int, str | None]]) -> None:
        self.revids: deque[int] = deque(maxlen=REVERT_WINDOW)
        self.last_at: dict[str, int] = {}
        self.position = 0
        for revid, sha1 in recent:
            self.step(revid, sha1)

    def step(self, revid: int, sha1: str | None) -> tuple[int, ...]:
        """Take the next revision; returns the revisions it reverts, oldest first (none
        unless its sha1 is that of one of the previous 15, and not the previous one's:
        that would be a null edit)."""
        position = self.position
        undone: tuple[int, ...] = ()
        if sha1 is not None:
            at = self.last_at.get(sha1)
            if at is not None and 1 < position - at <= REVERT_WINDOW:
                undone = tuple(self.revids)[at - position + 1 :]
            self.last_at[sha1] = position
        self.revids.append(revid)
        self.position = position + 1
        if position % _PRUNE_EVERY == 0:  # bounded memory: forget what left the window
            recent = position - REVERT_WINDOW
            self.last_at = {h: at for h, at in self.last_at.items() if at > recent}
        return undone


_REVID, _TS, _EDITOR, _REVERTED, _REVERTED_BY = 0, 2, 3, 13, 14  # in bulk.COLUMNS
_TAG_CACHE_MAX = 1024
# Editor kinds as plain strings: the hot loop hands them straight to the driver.
_USER, _BOT, _ANON = EditorKind.USER.value, EditorKind.BOT.value, EditorKind.ANON.value
_TEMP, _HIDDEN = EditorKind.TEMP.value, EditorKind.HIDDEN.value


class EditorCache:
    """Editor name → id, bounded; creates editors in bulk, idempotently."""

    def __init__(self, wiki_id: int, bots: frozenset[str]) -> None:
        self.wiki_id = wiki_id
        self.bots = bots
        self.ids: dict[str, int] = {}

    def resolve(
        self, conn: Connection, cursor: Any, sql: Statements, wanted: dict[str, tuple[int, str]]
    ) -> None:
        """Make sure every name in `wanted` (name → (userid, kind)) has an id."""
        missing = [name for name in wanted if name not in self.ids]
        if not missing:
            return
        if len(self.ids) + len(missing) > _EDITOR_CACHE_MAX:
            self.ids.clear()  # bounded memory; this batch's names are all looked up again
            missing = list(wanted)
        anon = [n for n in missing if wanted[n][1] == _ANON]
        countries = dict(zip(anon, country_code(anon), strict=True)) if anon else {}
        rows = [
            (self.wiki_id, name, wanted[name][0], wanted[name][1], countries.get(name))
            for name in missing
        ]
        self.ids.update(sql.insert_editors(cursor, rows))
        known = [name for name in missing if name not in self.ids]  # seen on other pages
        if known:
            found = conn.execute(
                select(Editor.name, Editor.id).where(
                    Editor.wiki_id == self.wiki_id, Editor.name.in_(known)
                )
            )
            self.ids.update((name, id_) for name, id_ in found)


def store_batch(
    conn: Connection,
    sql: Statements,
    page: PageRef,
    batch: RevisionBatch,
    state: BatchState,
    editors: EditorCache,
) -> None:
    values: list[Any] = []  # WIDTH per revision (see COLUMNS)
    unresolved: list[tuple[int, str]] = []  # (index in values, name): editors without id yet
    earlier_reverted: list[tuple[bool, int, int, int]] = []
    wanted: dict[str, tuple[int, str]] = {}
    ids = editors.ids
    tag_facts = state.tags
    step = state.window.step
    last_key = state.last_key
    last_size = state.last_size
    wiki_id = page.wiki_id
    bots = editors.bots
    revisions = _to_store(batch.revisions, state, sql)
    for rev in revisions:
        get = rev.get
        revid = rev["revid"]
        ts = parse_timestamp(rev["timestamp"])
        name = get("user")
        kind, hidden = _editor_kind(get, name, bots)
        editor = None
        if name is not None:
            editor = ids.get(name)
            if editor is None:
                unresolved.append((len(values) + _EDITOR, name))
                if name not in wanted:
                    wanted[name] = (get("userid") or 0, kind)
        size = get("size") or 0
        tag_list = get("tags")
        sha1 = get("sha1")
        is_revert = reverted = False
        tags = None
        if tag_list:
            facts = tag_facts.get(tuple(tag_list)) or _tag_facts(tag_facts, tag_list)
            tags, is_revert, reverted = facts
        undone = step(revid, sha1)
        if undone:
            is_revert = True
            _mark_undone(values, undone, revid, wiki_id, earlier_reverted)
        values += (
            revid, get("parentid") or 0, ts, editor, kind, size, size - last_size,
            get("minor") is True, sha1, get("comment"), tags, hidden, is_revert, reverted,
            None,
        )  # fmt: skip
        last_size = size
    count = len(values) // WIDTH
    if count:
        last_key = (values[_TS - WIDTH], values[_REVID - WIDTH])
    state.last_size, state.last_key = last_size, last_key

    _write(conn, sql, editors, values, unresolved, wanted, earlier_reverted)
    state.done += count
    state.new += count


def _editor_kind(
    get: Callable[[str], Any], name: str | None, bots: frozenset[str]
) -> tuple[str, int]:
    """Who made a revision (an `EditorKind` value) and what of it is hidden (the
    HIDDEN_* bits), from the API's flags: `anon` for IPs, `temp` or a `~2025-…` name
    for temporary accounts, the wiki's bot group for bots."""
    hidden = (
        (HIDDEN_COMMENT if get("commenthidden") else 0)
        | (HIDDEN_SHA1 if get("sha1hidden") else 0)
        | (SUPPRESSED if get("suppressed") else 0)
    )
    if name is None:  # `userhidden`
        return _HIDDEN, hidden | HIDDEN_USER
    if get("anon"):
        return _ANON, hidden
    if get("temp") or (name[0] == "~" and TEMP_ACCOUNT.match(name)):
        return _TEMP, hidden
    return (_BOT if name in bots else _USER), hidden


def _to_store(
    revisions: list[dict[str, Any]], state: BatchState, sql: Statements
) -> list[dict[str, Any]]:
    """Those of a batch to store: after the newest stored, within the page's limit, and
    on PostgreSQL without NUL (`store.bulk`)."""
    if state.last_key is not None:
        revisions = _after(revisions, state.last_key)
    if sql.copy:
        revisions = without_nul(revisions)
    return _within_limit(revisions, state)


def _within_limit(revisions: list[dict[str, Any]], state: BatchState) -> list[dict[str, Any]]:
    """Those the page's limit has room for; the state is marked `capped` if it cuts."""
    if state.limit is None or len(revisions) <= state.limit - state.done:
        return revisions
    state.capped = True
    return revisions[: max(0, state.limit - state.done)]


def _after(revisions: list[dict[str, Any]], last_key: tuple[int, int]) -> list[dict[str, Any]]:
    """The revisions after the newest stored one. A refresh asks from the newest stored
    timestamp, inclusive, and the API lists oldest first: only a batch's first revisions
    can be stored already."""
    for at, rev in enumerate(revisions):
        if (parse_timestamp(rev["timestamp"]), rev["revid"]) > last_key:
            return revisions[at:] if at else revisions
    return []


def _tag_facts(cache: dict[tuple[str, ...], TagFacts], tag_list: list[str]) -> TagFacts:
    """What a combination of tags says, computed once per combination: (the tags as
    stored, sorted JSON; whether they mark a revert; whether they mark it reverted)."""
    if len(cache) >= _TAG_CACHE_MAX:
        cache.clear()
    facts = cache[tuple(tag_list)] = (
        orjson.dumps(sorted(tag_list)).decode(),
        not REVERT_TAGS.isdisjoint(tag_list),
        REVERTED_TAG in tag_list,
    )
    return facts


def _mark_undone(
    values: list[Any],
    undone: tuple[int, ...],
    revid: int,
    wiki_id: int,
    earlier: list[tuple[bool, int, int, int]],
) -> None:
    """Mark what the revert `revid` undid: the revisions just before it, this batch's
    last rows in `values` first, then stored ones (updated after the insert)."""
    in_batch = min(len(undone), len(values) // WIDTH)
    for at in range(len(values) - in_batch * WIDTH, len(values), WIDTH):
        if values[at + _REVERTED_BY] is None:
            values[at + _REVERTED_BY] = revid
            values[at + _REVERTED] = True
    for revid_undone in undone[: len(undone) - in_batch]:
        earlier.append((True, revid, wiki_id, revid_undone))


def _write(
    conn: Connection,
    sql: Statements,
    editors: EditorCache,
    values: list[Any],
    unresolved: list[tuple[int, str]],
    wanted: dict[str, tuple[int, str]],
    earlier_reverted: list[tuple[bool, int, int, int]],
) -> None:
    """Insert a batch's rows (new editors first, so every row has its editor id) and
    mark the stored revisions its reverts undid."""
    count = len(values) // WIDTH
    cursor = sql.cursor(conn)
    editors.resolve(conn, cursor, sql, wanted)
    ids = editors.ids
    for at, name in unresolved:
        values[at] = ids[name]
    if count:
        sql.insert_revisions(cursor, values)
    if earlier_reverted:
        cursor.executemany(sql.mark_reverted, earlier_reverted)
    cursor.close()


def load_state(db: Database, page: PageRef) -> BatchState:
    """Where the stored history ends: the newest revisions, for deltas and reverts."""
    with db.read() as conn:
        last = conn.execute(
            select(Revision.revid, Revision.sha1, Revision.size, Revision.ts)
            .where(Revision.page_id == page.id)
            .order_by(Revision.ts.desc(), Revision.revid.desc())
            .limit(REVERT_WINDOW)
        ).all()
        done = conn.execute(
            select(func.count()).select_from(Revision).where(Revision.page_id == page.id)
        ).scalar_one()
    state = BatchState(done=int(done))
    if last:
        newest = last[0]
        state.last_size = int(newest.size)
        state.last_key = (int(newest.ts), int(newest.revid))
        state.window = RevertWindow([(int(r.revid), r.sha1) for r in reversed(last)])
    return state
