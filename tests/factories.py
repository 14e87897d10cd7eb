"""Hand-made histories: a wiki, a page, editors and revision rows, inserted directly.

Tests state exact expected values, so every fact of a revision is chosen by the test:
its time, editor, size, minor flag, tags, hidden bits and reverts. What ingest derives
(`delta`, and the revert columns when a test says `reverts=N`) is derived here the same
way, so the rows look like ingested ones.

    history = History("Example")
    history.edit("Alice", "2020-01-01T00:00:00Z", size=100)
    history.edit("203.0.113.7", "2020-01-02T00:00:00Z", size=80, country="US")
    history.edit("Bob", "2020-01-03T00:00:00Z", reverts=1)   # restores Alice's text
    page_id = history.store(db)
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

import orjson
from sqlalchemy import Connection, insert, select

from wikivice.store.database import Database
from wikivice.store.models import HIDDEN_USER, Editor, Page, Revision, Wiki
from wikivice.store.revisions import REVERT_TAGS, REVERTED_TAG
from wikivice.store.vocabulary import EditorKind

IP = re.compile(r"^(\d{1,3}(\.\d{1,3}){3}|[0-9A-Fa-f:]+:[0-9A-Fa-f:]*)$")
REVIDS_PER_PAGE = 10_000_000  # revids are unique per wiki: page n uses n * 10,000,000 + i
T = TypeVar("T")
# Names a stranger could choose, as the charts and labels must show them: markup, an
# entity, a plotly template, right-to-left and astral-plane text.
HOSTILE_NAMES = (
    "<img src=x onerror=alert(1)>",
    "<script>alert(1)</script>",
    "<b>bold</b>",
    "a & b",
    '<a href="javascript:alert(1)">click</a>',
    "&lt;already escaped&gt;",
    "x<br>y",
    "%{x} %{customdata[0]}",
    "שלום עולם",  # right to left
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 🦄",  # astral plane
)


def epoch(when: str | int) -> int:
    """`2020-01-02T03:04:05Z` (or epoch seconds) → epoch seconds."""
    if isinstance(when, int):
        return when
    return int(datetime.strptime(when, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp())


def kind_of(user: str | None) -> str:
    """The kind ingest would give a name: hidden, anon (an IP), temp (`~2025-…`), bot
    (a name ending in `bot`, for tests only: ingest asks the wiki), else user."""
    if user is None:
        return EditorKind.HIDDEN
    if IP.match(user):
        return EditorKind.ANON
    if user.startswith("~2"):
        return EditorKind.TEMP
    return EditorKind.BOT if user.lower().endswith("bot") else EditorKind.USER


@dataclass
class _Editor:
    name: str
    kind: str
    country: str | None


@dataclass
class History:
    """One page's history, written in order; `store()` inserts it in one transaction."""

    title: str = "Example"
    wiki: str = "en"
    pageid: int = 1
    rows: list[dict[str, Any]] = field(default_factory=list)
    editors: dict[str, _Editor] = field(default_factory=dict)

    def edit(
        self,
        user: str | None,
        at: str | int,
        size: int | None = None,
        *,
        kind: str | None = None,
        minor: bool = False,
        tags: tuple[str, ...] = (),
        reverts: int = 0,
        hidden: int = 0,
        country: str | None = None,
        revid: int | None = None,
    ) -> int:
        """Add a revision after the others; returns its revid.

        `user=None` is a hidden user. `reverts=N` makes it an identity revert of the N
        previous revisions: it restores the text (sha1 and size) from before them and
        marks them reverted by it. Without `size`, a revision keeps the previous size.
        """
        revid = revid if revid is not None else self.pageid * REVIDS_PER_PAGE + len(self.rows)
        previous = self.rows[-1] if self.rows else None
        sha1 = hashlib.sha1(f"{self.title}/{revid}".encode()).hexdigest()
        if reverts:
            if reverts >= len(self.rows):
                raise ValueError("a revert needs a revision before the ones it undoes")
            restored = self.rows[-reverts - 1]
            sha1 = restored["sha1"]
            size = restored["size"] if size is None else size
            for undone in self.rows[-reverts:]:
                if undone["reverted_by"] is None:
                    undone["reverted_by"] = revid
                    undone["reverted"] = True
        if size is None:
            size = previous["size"] if previous else 0
        kind = kind or kind_of(user)
        if user is not None:
            known = self.editors.get(user)
            if known is None:
                self.editors[user] = _Editor(user, kind, country)
            elif country is not None:
                known.country = country
        self.rows.append(
            {
                "revid": revid,
                "parent_id": previous["revid"] if previous else 0,
                "ts": epoch(at),
                "user": user,
                "kind": kind,
                "size": size,
                "delta": size - previous["size"] if previous else size,
                "minor": minor,
                "sha1": sha1,
                "comment": f"edit {revid}",
                "tags": orjson.dumps(sorted(tags)).decode() if tags else None,
                "hidden": hidden | (HIDDEN_USER if user is None else 0),
                "is_revert": bool(reverts) or not REVERT_TAGS.isdisjoint(tags),
                "reverted": REVERTED_TAG in tags,
                "reverted_by": None,
            }
        )
        return revid

    def store(self, db: Database) -> int:
        """Insert the wiki (if new), the page, its editors and revisions; the page's id."""
        with db.write() as conn:
            wiki_id = conn.execute(select(Wiki.id).where(Wiki.key == self.wiki)).scalar()
            if wiki_id is None:
                wiki_id = conn.execute(
                    insert(Wiki)
                    .values(
                        key=self.wiki,
                        api_url=f"https://{self.wiki}.wikipedia.org/w/api.php",
                        rest_url=f"https://{self.wiki}.wikipedia.org/w/rest.php",
                        article_url=f"https://{self.wiki}.wikipedia.org/wiki/$1",
                    )
                    .returning(Wiki.id)
                ).scalar_one()
            newest = max(self.rows, key=lambda r: (r["ts"], r["revid"])) if self.rows else None
            page_id = conn.execute(
                insert(Page)
                .values(
                    wiki_id=wiki_id,
                    pageid=self.pageid,
                    ns=0,
                    title=self.title,
                    latest_revid=newest["revid"] if newest else None,
                    length=newest["size"] if newest else None,
                    stored_revisions=len(self.rows),
                    stored_latest_revid=newest["revid"] if newest else None,
                    stored_latest_ts=newest["ts"] if newest else None,
                    fetched_at=1_700_000_000.0,
                )
                .returning(Page.id)
            ).scalar_one()
            ids: dict[str, int] = dict(
                conn.execute(select(Editor.name, Editor.id).where(Editor.wiki_id == wiki_id)).all()
            )
            new = [e for name, e in self.editors.items() if name not in ids]
            if new:
                conn.execute(
                    insert(Editor),
                    [
                        {
                            "wiki_id": wiki_id,
                            "name": e.name,
                            "userid": 0 if e.kind == EditorKind.ANON else 1,
                            "kind": e.kind,
                            "country": e.country,
                        }
                        for e in new
                    ],
                )
                ids = dict(
                    conn.execute(
                        select(Editor.name, Editor.id).where(Editor.wiki_id == wiki_id)
                    ).all()
                )
            if self.rows:
                conn.execute(
                    insert(Revision),
                    [
                        {
                            **{k: v for k, v in row.items() if k != "user"},
                            "wiki_id": wiki_id,
                            "page_id": page_id,
                            "editor_id": ids[row["user"]] if row["user"] is not None else None,
                        }
                        for row in self.rows
                    ],
                )
        return int(page_id)


def example() -> History:
    """The example history of the figure tests:

    #  when (UTC)            who               size  delta  notes
    0  2020-01-01 00:00 Wed  Alice              100   +100  creation
    1  2020-01-01 06:00 Wed  192.0.2.1 (US)     150    +50  reverted by 2
    2  2020-01-02 00:00 Thu  Bob                100    -50  reverts 1
    3  2020-01-03 00:00 Fri  Alice              400   +300  minor
    4  2020-02-01 12:00 Sat  ~2025-00001-01      50   -350  temporary, reverted by 5
    5  2020-02-01 13:00 Sat  Alice              400   +350  reverts 4
    6  2020-03-01 00:00 Sun  ExampleBot         410    +10  bot, minor
    7  2020-03-02 00:00 Mon  (hidden user)      420    +10
    8  2021-01-01 00:00 Fri  198.51.100.2 (FR)  500    +80
    9  2021-06-01 00:00 Tue  Alice              500      0
    """
    h = History("Example")
    h.edit("Alice", "2020-01-01T00:00:00Z", 100)
    h.edit("192.0.2.1", "2020-01-01T06:00:00Z", 150, country="US")
    h.edit("Bob", "2020-01-02T00:00:00Z", reverts=1)
    h.edit("Alice", "2020-01-03T00:00:00Z", 400, minor=True)
    h.edit("~2025-00001-01", "2020-02-01T12:00:00Z", 50)
    h.edit("Alice", "2020-02-01T13:00:00Z", reverts=1)
    h.edit("ExampleBot", "2020-03-01T00:00:00Z", 410, minor=True)
    h.edit(None, "2020-03-02T00:00:00Z", 420)
    h.edit("198.51.100.2", "2021-01-01T00:00:00Z", 500, country="FR")
    h.edit("Alice", "2021-06-01T00:00:00Z", 500)
    return h


def war_history() -> History:
    """Edit wars by the three-revert rule, and what is no war:

    - 1–2 May 2020: Bob and Alice undo each other (Bob three times in a day), then Carol
      and Bob: one war of 8 reverts, Bob 4 (of Alice 3, of Carol 1), Alice 2, Carol 2;
    - 10 June: Dave undoes Eve, Fay and Gus, who never undo him: not mutual, no war;
    - 1 July: Hal and Ida (Ida 3 reverts, Hal 2), a war; 2 July: the bot ClueBot undoes
      an IP's blanking (vandalism, no war); 3 July: Frank and Gina, a war like 1 July's.
    """
    h = History("War")
    h.edit("Alice", "2020-05-01T00:00:00Z", 100)
    h.edit("Alice", "2020-05-01T01:00:00Z", 200)
    for hour, who in enumerate(("Bob", "Alice", "Bob", "Alice", "Bob"), start=2):
        h.edit(who, f"2020-05-01T{hour:02d}:00:00Z", reverts=1)
    for hour, who in enumerate(("Carol", "Bob", "Carol"), start=1):
        h.edit(who, f"2020-05-02T{hour:02d}:00:00Z", reverts=1)
    for i, victim in enumerate(("Eve", "Fay", "Gus")):
        h.edit(victim, f"2020-06-10T0{2 * i}:00:00Z", 300 + 10 * i)
        h.edit("Dave", f"2020-06-10T0{2 * i + 1}:00:00Z", reverts=1)
    for day, (a, b) in (("01", ("Hal", "Ida")), ("03", ("Frank", "Gina"))):
        h.edit(a, f"2020-07-{day}T00:00:00Z", 500)
        for hour, who in enumerate((b, a, b, a, b), start=1):
            h.edit(who, f"2020-07-{day}T{hour:02d}:00:00Z", reverts=1)
        if day == "01":
            h.edit("192.0.2.9", "2020-07-02T00:00:00Z", 0, tags=("mw-blank",))
            h.edit("ClueBot", "2020-07-02T00:01:00Z", reverts=1)
    return h


def vandalism_history() -> History:
    """Vandalism undone, and what is not:

    #   when (UTC)   who             size  what                               stood
    0   00:00        Alice           5000  creation
    1   01:00        192.0.2.1          0  blanking, tagged mw-blank             -
    2   01:01        ClueBot         5000  reverts 1 (a bot)                  1 min
    3   02:00        192.0.2.2       5020  +20 junk, no tag                      -
    4   02:03        ClueBot         5000  reverts 3 (a bot)                  3 min
    5   03:00        ~2025-00002-01  3000  −2000, a temporary account            -
    6   03:10        Bob             5000  reverts 5 (much removed)          10 min
    7   04:00        192.0.2.3       5010  +10, no tag                           -
    8   04:20        Bob             5000  rollback of 7 (tag only)          20 min
    9   05:00        Carol           5100  +100, a registered editor             -
    10  06:00        Bob             5000  reverts 9: a dispute, no vandalism    -
    11  07:00        192.0.2.4       5050  +50                                   -
    12  08:00        192.0.2.4       5000  undoes own 11 (mw-undo): no act       -
    13  09:00        Dave            4990  −10, tagged "possible vandalism"      -
    14  11:00        Erin            5000  mw-manual-revert, undoes 13       2 hours
    All on 2020-03-01. Five acts, two by a bot; median 10 minutes.
    """
    h = History("Vandalism")
    day = "2020-03-01T{}:00Z"
    h.edit("Alice", day.format("00:00"), 5000)
    h.edit("192.0.2.1", day.format("01:00"), 0, tags=("mw-blank",))
    h.edit("ClueBot", day.format("01:01"), reverts=1)
    h.edit("192.0.2.2", day.format("02:00"), 5020)
    h.edit("ClueBot", day.format("02:03"), reverts=1)
    h.edit("~2025-00002-01", day.format("03:00"), 3000)
    h.edit("Bob", day.format("03:10"), reverts=1)
    h.edit("192.0.2.3", day.format("04:00"), 5010)
    h.edit("Bob", day.format("04:20"), 5000, tags=("mw-rollback",))
    h.edit("Carol", day.format("05:00"), 5100)
    h.edit("Bob", day.format("06:00"), reverts=1)
    h.edit("192.0.2.4", day.format("07:00"), 5050)
    h.edit("192.0.2.4", day.format("08:00"), 5000, tags=("mw-undo",))
    h.edit("Dave", day.format("09:00"), 4990, tags=("possible vandalism",))
    h.edit("Erin", day.format("11:00"), 5000, tags=("mw-manual-revert",))
    return h


def computed(db: Database, history: History, figure: Callable[[Connection, int], T]) -> T:
    """Store `history` and compute one of the figures over it: `figure(conn, page_id)`."""
    page_id = history.store(db)
    with db.read() as conn:
        return figure(conn, page_id)
