"""The history explorer: every stored revision of an article, a page at a time, filtered.

One query model (`HistoryQuery`) reads the filters from a URL's query string, for the
JSON API (`GET /api/pages/{wiki}/{title}/revisions`, routes/history.py) and for the
article page's own GET form, which works without JavaScript (templates/_dash_history.html;
static/js/history.js filters and pages without a reload). Both answer from the database
alone (`store.history`): no wiki is asked. Summaries become text and links
(`wiki.markup`), tags their display names (`store.tags`, from the wiki's `list=tags`).
A query refused is said in the form's words, its fields by their labels (`refusal`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any, Self
from urllib.parse import urlencode

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from starlette.datastructures import QueryParams

from wikivice.jobs.runtime import Runtime
from wikivice.store import history, tags
from wikivice.store.history import Cursor, HistoryFilter, RevertFilter, StoredRevision
from wikivice.store.pages import PageRef
from wikivice.store.vocabulary import EditorKind
from wikivice.web import urls
from wikivice.wiki.markup import summary_parts
from wikivice.wiki.sites import WikiSite
from wikivice.wiki.timestamps import iso
from wikivice.wiki.titles import user_name

MAX_CHANGE = 100_000_000  # bytes: no page is larger (MediaWiki's limit is 2 MB)
NO_NUL = r"^[^\x00]*$"  # PostgreSQL refuses NUL in text
FILTERS = ("editor", "kind", "tag", "reverts", "min_change", "max_change", "q", "from", "to")
KIND_LABELS = {
    EditorKind.ANON: "anonymous (IP address)",
    EditorKind.TEMP: "temporary account",
    EditorKind.USER: "registered",
    EditorKind.BOT: "bot",
    EditorKind.HIDDEN: "hidden user",
}
REVERT_LABELS = {
    RevertFilter.REVERTED: "undone later",
    RevertFilter.REVERT: "reverts",
    RevertFilter.ANY: "either",
    RevertFilter.NONE: "neither",
}
# Each parameter as a person knows it: its field's label in the form, or the link that
# sets it (templates/_dash_history.html shows these). A refused query names these, not
# the parameters (`refusal`).
FIELD_LABELS = {
    "from": "From",
    "to": "To",
    "editor": "Editor",
    "q": "Summary contains",
    "tag": "Tag",
    "reverts": "Reverts",
    "min_change": "Size change at least",
    "max_change": "Size change at most",
    "kind": "Editors",
    "before": "Older →",
    "after": "← Newer",
    "limit": "Revisions per page",
}
CHOICES: dict[str, type[StrEnum]] = {"kind": EditorKind, "reverts": RevertFilter}


class HistoryQuery(BaseModel):
    """The explorer's query string; empty values (a GET form's blank fields) are absent."""

    model_config = ConfigDict(populate_by_name=True)

    before: str | None = Field(None, max_length=60, description="Revisions older than this "
                               "position (an `older` token of a previous answer).")  # fmt: skip
    after: str | None = Field(None, max_length=60, description="Revisions newer than this "
                              "position (a `newer` token).")  # fmt: skip
    editor: str | None = Field(None, max_length=255, pattern=NO_NUL, description="A user "
                               "name or IP address, exactly.")  # fmt: skip
    kind: list[EditorKind] = Field(default_factory=list, description="Editor kinds (repeat "
                                   "the parameter for several).")  # fmt: skip
    tag: str | None = Field(None, max_length=255, pattern=NO_NUL, description="A tag's "
                            "internal name (`mw-manual-revert`).")  # fmt: skip
    reverts: RevertFilter | None = Field(None, description="`reverted`: undone later; "
                                         "`revert`: undoes others; `any`; `none`.")  # fmt: skip
    min_change: int | None = Field(None, ge=-MAX_CHANGE, le=MAX_CHANGE, description="Bytes.")
    max_change: int | None = Field(None, ge=-MAX_CHANGE, le=MAX_CHANGE, description="Bytes.")
    q: str | None = Field(None, max_length=history.MAX_TEXT_CHARS, pattern=NO_NUL,
                          description="Text in the summary (any case).")  # fmt: skip
    since: date | None = Field(None, alias="from", description="From this day (UTC).")
    until: date | None = Field(None, alias="to", description="To this day (UTC), inclusive.")
    limit: int = Field(50, ge=1, le=history.MAX_LIMIT)

    @field_validator("*", mode="before")
    @classmethod
    def _blank_is_absent(cls, value: Any) -> Any:
        if isinstance(value, list):
            return [v for v in value if v != ""]
        return None if value == "" else value

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        # Said to a person as they are (`refusal`): in the form's words.
        if self.before is not None and self.after is not None:
            raise ValueError("Ask for older revisions or newer ones, not both.")
        for name, token in (("before", self.before), ("after", self.after)):
            try:
                if token is not None:
                    Cursor.parse(token)
            except ValueError:
                raise ValueError(_no_page(name)) from None
        if self.since and self.until and self.since > self.until:
            raise ValueError(
                f"{_label('from')} ({self.since}) is after {_label('to')} ({self.until})."
            )
        low, high = self.min_change, self.max_change
        if low is not None and high is not None and low > high:
            raise ValueError(
                f"{_label('min_change')} ({_signed(low)}) is more than “at most” ({_signed(high)})."
            )
        return self

    @property
    def where(self) -> HistoryFilter:
        return HistoryFilter(
            since=_epoch(self.since) if self.since else None,
            until=_epoch(self.until + timedelta(days=1))
            if self.until not in (None, date.max)
            else None,
            editor=user_name(self.editor) if self.editor else None,
            kinds=tuple(dict.fromkeys(self.kind)),
            tag=self.tag,
            reverts=self.reverts,
            min_change=self.min_change,
            max_change=self.max_change,
            text=self.q,
        )

    def params(self, **changes: str | None) -> list[tuple[str, str]]:
        """The query string's filters (and limit, if not the default) with `changes`."""
        given: dict[str, Any] = self.model_dump(by_alias=True, exclude_defaults=True)
        given.pop("before", None), given.pop("after", None)
        given.update(changes)
        pairs: list[tuple[str, str]] = []
        for name, value in given.items():
            for one in value if isinstance(value, list) else [value]:
                if one is not None:
                    pairs.append((name, str(one)))
        return pairs


class TagOut(BaseModel):
    name: str
    label: str = Field(description="The tag's display name on the wiki, as text.")


class SummaryPartOut(BaseModel):
    text: str
    href: str | None = Field(None, description="A link on the wiki: a page or a section.")
    section: bool = Field(False, description="The section the edit was made in.")


class HistoryRevisionOut(BaseModel):
    revid: int
    parent_id: int
    timestamp: str
    ts: int = Field(description="Seconds since the epoch, UTC.")
    user: str | None = Field(description="None when the wiki hides it.")
    kind: EditorKind
    size: int = Field(description="Bytes after the edit.")
    delta: int = Field(description="Bytes added (negative: removed).")
    minor: bool
    comment: str | None = Field(description="The summary as written (wikitext).")
    summary: list[SummaryPartOut] = Field(description="The summary as text and links.")
    tags: list[TagOut]
    is_revert: bool = Field(description="It undoes earlier edits.")
    reverted: bool = Field(description="A later edit undid it.")
    reverted_by: int | None
    user_hidden: bool
    comment_hidden: bool
    text_hidden: bool
    diff_url: str = Field(description="The diff on the wiki.")
    editor_url: str | None = Field(description="The editor's page here.")


class HistoryOut(BaseModel):
    wiki: str
    title: str
    revisions: list[HistoryRevisionOut] = Field(description="Newest first.")
    older: str | None = Field(description="`before` for the next older page (None: no more).")
    newer: str | None = Field(description="`after` for the next newer page (None: no more).")
    older_url: str | None
    newer_url: str | None
    searched_to: str | None = Field(
        description="When set, the page is short because a filter no index serves read "
        "its share of revisions (20,000 at most) and stopped here (ISO time): `older` (or "
        "`newer`, paging up) continues the search."
    )


def explore(rt: Runtime, site: WikiSite, page: PageRef, query: HistoryQuery) -> HistoryOut:
    """One page of the article's stored history, as `query` asks."""
    before = Cursor.parse(query.before) if query.before else None
    after = Cursor.parse(query.after) if query.after else None
    with rt.db.read() as conn:
        found = history.history_page(
            conn, page.id, query.where, before=before, after=after, limit=query.limit
        )
        labels = tags.tag_labels(conn, page.wiki_id)
    api = urls.revisions(site.key, page.title)
    older, newer = found.older, found.newer
    return HistoryOut(
        wiki=site.key,
        title=page.title,
        revisions=[_revision_out(site, page.title, r, labels) for r in found.revisions],
        older=older.token if older else None,
        newer=newer.token if newer else None,
        older_url=_with(api, query.params(before=older.token)) if older else None,
        newer_url=_with(api, query.params(after=newer.token)) if newer else None,
        searched_to=iso(found.searched_to.ts) if found.searched_to else None,
    )


@dataclass(frozen=True)
class HistoryView:
    """What templates/_dash_history.html shows: the form's `query`, a page of the
    history (None if the query was refused, `error` says why), the wiki's tag labels,
    and the article page's own links to the pages either side."""

    query: HistoryQuery
    answer: HistoryOut | None
    error: str | None
    tag_labels: dict[str, str]
    older_link: str | None
    newer_link: str | None
    filtered: bool
    kind_labels: Mapping[EditorKind, str] = field(default_factory=lambda: KIND_LABELS)
    revert_labels: Mapping[RevertFilter, str] = field(default_factory=lambda: REVERT_LABELS)
    field_labels: Mapping[str, str] = field(default_factory=lambda: FIELD_LABELS)


def history_view(rt: Runtime, site: WikiSite, page: PageRef, params: QueryParams) -> HistoryView:
    """The explorer as the article page shows it, from the page's query string."""
    raw = {name: params.getlist(name) if name == "kind" else params[name] for name in params}
    with rt.db.read() as conn:
        labels = tags.tag_labels(conn, page.wiki_id)
    try:
        query = HistoryQuery.model_validate(raw)
    except ValidationError as exc:
        return HistoryView(HistoryQuery(), None, refusal(exc.errors()), labels, None, None, True)
    answer = explore(rt, site, page, query)
    here = urls.article(site.key, page.title)
    older = _with(here, query.params(before=answer.older)) + "#history" if answer.older else None
    newer = _with(here, query.params(after=answer.newer)) + "#history" if answer.newer else None
    filtered = any(name in params for name in FILTERS)
    return HistoryView(query, answer, None, labels, older, newer, filtered)


def refusal(errors: Sequence[Mapping[str, Any]]) -> str:
    """A refused query (pydantic's `errors()` of a `HistoryQuery`, or FastAPI's, which
    put `query` first in each `loc`) as a person is told it: each field by its label in
    the form, and what it must be, in plain sentences."""
    said: list[str] = []
    for error in errors:
        loc = [part for part in error.get("loc", ()) if part != "query"]
        sentence = _refused(str(loc[0]) if loc else "", error)
        if sentence not in said:
            said.append(sentence)
    return " ".join(said)


def _refused(name: str, error: Mapping[str, Any]) -> str:
    kind, ctx = str(error.get("type", "")), error.get("ctx") or {}
    label = _label(name) if name in FIELD_LABELS else "The filters"
    if kind == "value_error" and not name:  # `_consistent`: said as it should be
        return str(ctx.get("error", "These filters do not fit together."))
    if name in ("before", "after"):  # a position in a link, never typed
        return _no_page(name)
    if kind.startswith("int_"):
        return f"{label} must be a whole number."
    if kind == "greater_than_equal":
        return f"{label} must be at least {_signed(ctx['ge'])}."
    if kind == "less_than_equal":
        return f"{label} must be at most {_signed(ctx['le'])}."
    if kind == "string_too_long":
        return f"{label} can be at most {ctx['max_length']} characters long."
    if kind == "string_pattern_mismatch":  # NO_NUL, the one pattern
        return f"{label} cannot contain a NUL character."
    if kind == "enum" and name in CHOICES:
        return f"{label} must be one of {', '.join(CHOICES[name])}."
    if kind.startswith("date_"):
        return f"{label} must be a day, as YYYY-MM-DD (2024-01-31)."
    return f"{label} cannot be read."


def _no_page(name: str) -> str:
    return f"{_label(name)} does not lead to a page of this history: go back to its first page."


def _label(name: str) -> str:
    return f"“{FIELD_LABELS[name]}”"


def _signed(number: int) -> str:
    """As the pages write a number: thousands separated, a true minus sign."""
    return f"{number:,}".replace("-", "−")


def _revision_out(
    site: WikiSite, title: str, r: StoredRevision, labels: Mapping[str, str]
) -> HistoryRevisionOut:
    parts = summary_parts(r.comment, site, title) if r.comment else []
    return HistoryRevisionOut(
        revid=r.revid,
        parent_id=r.parent_id,
        timestamp=iso(r.ts),
        ts=r.ts,
        user=r.user,
        kind=r.kind,
        size=r.size,
        delta=r.delta,
        minor=r.minor,
        comment=r.comment,
        summary=[SummaryPartOut(text=p.text, href=p.href, section=p.section) for p in parts],
        tags=[TagOut(name=t, label=labels.get(t) or t) for t in r.tags],
        is_revert=r.is_revert,
        reverted=r.reverted,
        reverted_by=r.reverted_by,
        user_hidden=r.user_hidden,
        comment_hidden=r.comment_hidden,
        text_hidden=r.text_hidden,
        diff_url=site.diff_url(r.revid),
        editor_url=urls.editor(site.key, r.user) if r.user else None,
    )


def _epoch(day: date) -> int:
    return int(datetime.combine(day, time(), UTC).timestamp())


def _with(base: str, params: list[tuple[str, str]]) -> str:
    return f"{base}?{urlencode(params)}" if params else base
