"""Talking to wikis: the MediaWiki Action API and REST API, politely and robustly.

Wikimedia's rules are ours: a User-Agent naming the client and a contact, at most three
requests to one host at once across the service (`pool.WikiClients` holds the slots),
`maxlag` on background fetches, and Retry-After honoured on 429, 503 and maxlag errors.
Every failure that can pass (timeouts, 5xx, 429, maxlag, truncated or garbled JSON) is
retried with backoff a bounded number of times (`transport`); what remains is raised as
a `MediaWikiError` with a message a person can read.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

from wikivice.wiki.errors import ApiError, InvalidTitle, PageMissing, WikiRejected, WikiUnavailable
from wikivice.wiki.markup import html_text
from wikivice.wiki.sites import WikiSite
from wikivice.wiki.timestamps import parse_timestamp
from wikivice.wiki.titles import clean_title
from wikivice.wiki.transport import Transport, Tries

if TYPE_CHECKING:
    from wikivice.wiki.pool import WikiClients

REVISION_PROPS = "ids|timestamp|user|userid|size|sha1|comment|flags|tags"
# A history's walk: every revision's metadata, 500 a request (no content), oldest first.
HISTORY_PARAMS = {"prop": "revisions", "rvprop": REVISION_PROPS, "rvlimit": "max", "rvdir": "newer"}
FAR_END_SAMPLE = 2_000  # newest revisions whose times show a history's recent edit rate
MAX_TAG_REQUESTS = 20  # of list=tags: 10,000 tags (Wikipedia has a few hundred)


@dataclass(frozen=True)
class ResolvedPage:
    pageid: int
    ns: int
    title: str
    latest_revid: int
    length: int
    redirected_from: str | None = None
    normalized_from: str | None = None
    site_name: str | None = None


@dataclass(frozen=True)
class FirstSight:
    """A title resolved together with the first page of its history (oldest first):
    `batch.continue_params` is None when that is the whole history."""

    page: ResolvedPage
    batch: RevisionBatch


@dataclass(frozen=True)
class EditCount:
    count: int
    capped: bool  # the REST API stops counting at 30,000


@dataclass(frozen=True)
class RecentChange:
    """An edit in the wiki's recent changes (`user`, `comment`: None when hidden)."""

    title: str
    timestamp: str
    user: str | None
    comment: str | None
    delta: int | None  # bytes added (negative: removed); None when not given


@dataclass
class RevisionBatch:
    revisions: list[dict[str, Any]]
    # Parameters that continue after this batch (None after the last one): the checkpoint.
    continue_params: dict[str, str] | None
    # When the wiki's answer came (time.monotonic()): the walk's speed is the wiki's, not
    # how fast batches fetched ahead leave the queue (jobs/estimate.py's ETA).
    fetched_at: float = field(default_factory=time.monotonic)


class MediaWiki:
    """One wiki's API, for one caller (a job passes its own listener and sleep)."""

    def __init__(self, wikis: WikiClients, site: WikiSite, tries: Tries) -> None:
        self.site = site
        self._maxlag = wikis.settings.maxlag
        self._host = (urlsplit(site.api_url).hostname or "").lower()
        self._transport = Transport(wikis, self._host, tries)
        self._request = self._transport.get_json

    @property
    def requests(self) -> int:
        """Requests sent so far (each try counts)."""
        return self._transport.requests

    def report_like(self, other: MediaWiki) -> None:
        """Tell of retries, and wait between them, as `other` does (a walk begun before
        its job ran is handed to the job)."""
        mine, theirs = self._transport.tries, other._transport.tries
        mine.listener, mine.sleep = theirs.listener, theirs.sleep

    def keeping_slot(self) -> AbstractContextManager[None]:
        """For a walk's thread: its politeness slot kept from one request to the next
        (`transport.Transport.keeping_slot`)."""
        return self._transport.keeping_slot()

    def give_back_slot(self) -> None:
        """The slot this thread keeps back to the others, while it waits for something
        other than the wiki."""
        self._transport.give_back_slot()

    # -- the Action API --------------------------------------------------------------

    def query(self, params: dict[str, str], *, background: bool = False) -> dict[str, Any]:
        """GET api.php with `params`; returns the decoded answer, or raises."""
        full = {"format": "json", "formatversion": "2", **params}
        if background and self._maxlag:
            full["maxlag"] = str(self._maxlag)
        data = self._request(self.site.api_url, full)
        if not isinstance(data, dict):
            raise WikiUnavailable(f"{self._host} answered with something other than a query")
        return data

    def wikipedia_languages(self) -> list[str]:
        """The Wikipedia language codes of a Wikimedia site matrix (ask meta.wikimedia.org:
        `action=sitematrix`), open and closed wikis alike, sorted."""
        matrix = self.query({"action": "sitematrix", "smtype": "language"}).get("sitematrix", {})
        codes = {
            (urlsplit(str(site.get("url", ""))).hostname or "").removesuffix(".wikipedia.org")
            for key, language in matrix.items()
            if key.isdigit() and isinstance(language, dict)
            for site in language.get("site", [])
            if isinstance(site, dict) and site.get("code") == "wiki"
        }
        return sorted(code for code in codes if code and "." not in code)

    def resolve(self, title: str) -> ResolvedPage:
        """Normalize `title`, follow redirects, and return the page; raise `PageMissing`
        (with suggestions) or `InvalidTitle`. One request (plus opensearch if missing)."""
        title = clean_title(title)
        return self._resolve({"titles": title, "redirects": "1"}, title)

    def resolve_pageid(self, pageid: int) -> ResolvedPage:
        """The page as it is now (its title may have changed since we stored it)."""
        return self._resolve({"pageids": str(pageid)}, f"page id {pageid}", suggest=False)

    def first_sight(self, title: str) -> FirstSight:
        """`resolve`, and in the same request the page's first 500 revisions (issue 11:
        an article of up to 500 revisions is complete after one round trip). MediaWiki
        allows `rvlimit` with one page, which `titles` with `redirects` is; what
        continues after them is the walk's checkpoint (`iter_revisions(resume=…)`)."""
        title = clean_title(title)
        which = {"titles": title, "redirects": "1", **HISTORY_PARAMS, "prop": "info|revisions"}
        data = self.query(self._resolving(which))
        page = self._read_page(data, title, suggest=True)
        found = (data.get("query") or {}).get("pages") or [{}]
        raw = data.get("continue")
        cont = {str(k): str(v) for k, v in raw.items()} if raw else None
        return FirstSight(page, RevisionBatch(list(found[0].get("revisions") or []), cont))

    @staticmethod
    def _resolving(which: dict[str, str]) -> dict[str, str]:
        return {"action": "query", "prop": "info", "meta": "siteinfo", "siprop": "general", **which}

    def _resolve(self, which: dict[str, str], asked: str, *, suggest: bool = True) -> ResolvedPage:
        return self._read_page(self.query(self._resolving(which)), asked, suggest=suggest)

    def _read_page(self, data: dict[str, Any], asked: str, *, suggest: bool) -> ResolvedPage:
        query = data.get("query") or {}
        pages = query.get("pages") or []
        if not pages:
            raise WikiUnavailable(f"{self._host} answered a title lookup without any page")
        page = pages[0]
        if page.get("invalid"):
            raise InvalidTitle(asked, str(page.get("invalidreason", "invalid title")))
        if page.get("missing") or "pageid" not in page:
            shown = str(page.get("title", asked))
            raise PageMissing(shown, self.opensearch(asked) if suggest else [], self.site.key)
        normalized = {n["to"]: n["from"] for n in query.get("normalized", [])}
        redirects = {r["to"]: r["from"] for r in query.get("redirects", [])}
        final = page["title"]
        redirected_from = redirects.get(final)
        # A redirect hop may itself have been the normalized form of what was typed.
        normalized_from = normalized.get(redirected_from or final)
        if redirected_from and normalized_from:
            redirected_from = normalized_from
        return ResolvedPage(
            pageid=int(page["pageid"]),
            ns=int(page.get("ns", 0)),
            title=final,
            latest_revid=int(page.get("lastrevid", 0)),
            length=int(page.get("length", 0)),
            redirected_from=redirected_from,
            normalized_from=None if redirected_from else normalized_from,
            site_name=(query.get("general") or {}).get("sitename"),
        )

    def iter_revisions(
        self,
        pageid: int,
        *,
        resume: dict[str, str] | None = None,
        newer_than: str | None = None,
    ) -> Iterator[RevisionBatch]:
        """All revisions of a page, oldest first, a batch of up to 500 per request,
        following `continue` exactly as the API gives it.

        `resume` is the `continue_params` of the last batch stored (a checkpoint);
        `newer_than` is the ISO timestamp of the newest stored revision (a refresh; the
        caller skips revisions it already holds, MediaWiki's rvstart being inclusive)."""
        params = {"action": "query", "pageids": str(pageid), **HISTORY_PARAMS}
        if newer_than:
            params["rvstart"] = newer_than
        cont = dict(resume) if resume else None
        while True:
            data = self.query({**params, **(cont or {})}, background=True)
            pages = (data.get("query") or {}).get("pages") or []
            revisions: list[dict[str, Any]] = []
            for page in pages:
                if page.get("missing"):
                    raise PageMissing(str(page.get("title", pageid)), [], self.site.key)
                revisions.extend(page.get("revisions") or [])
            raw = data.get("continue")
            cont = {str(k): str(v) for k, v in raw.items()} if raw else None
            yield RevisionBatch(revisions, cont)
            if cont is None:
                return

    def newest_timestamps(self, pageid: int, limit: int = FAR_END_SAMPLE) -> list[int]:
        """The times (epoch seconds) of the page's newest `limit` revisions, newest first:
        timestamps only, 500 a request. They show how often the page is edited lately,
        which estimates a history the REST count stops counting (`jobs.estimate`)."""
        params = {
            "action": "query",
            "prop": "revisions",
            "pageids": str(pageid),
            "rvprop": "timestamp",
            "rvdir": "older",
        }
        found: list[int] = []
        cont: dict[str, str] = {}
        while len(found) < limit:
            step = {"rvlimit": str(min(500, limit - len(found)))}
            data = self.query({**params, **step, **cont}, background=True)
            for page in (data.get("query") or {}).get("pages") or []:
                found.extend(_epochs(page.get("revisions") or []))
            raw = data.get("continue")
            if not raw:
                break
            cont = {str(k): str(v) for k, v in raw.items()}
        return found

    def bot_names(self) -> list[str]:
        """Accounts in the wiki's bot group (one request on most wikis)."""
        names: list[str] = []
        cont: dict[str, str] = {}
        while True:
            data = self.query(
                {
                    "action": "query",
                    "list": "allusers",
                    "augroup": "bot",
                    "aulimit": "max",
                    **cont,
                },
                background=True,
            )
            names.extend(u["name"] for u in (data.get("query") or {}).get("allusers", []))
            raw = data.get("continue")
            if not raw:
                return names
            cont = {str(k): str(v) for k, v in raw.items()}

    def tag_names(self) -> dict[str, str]:
        """The wiki's change tags and their display names as text (`list=tags`; MediaWiki
        renders them as HTML). A tag without a display name (none, or hidden) shows its
        name."""
        names: dict[str, str] = {}
        cont: dict[str, str] = {}
        for _ in range(MAX_TAG_REQUESTS):
            params = {"action": "query", "list": "tags", "tgprop": "displayname", "tglimit": "max"}
            data = self.query({**params, **cont}, background=True)
            for tag in (data.get("query") or {}).get("tags") or []:
                name = tag.get("name") if isinstance(tag, dict) else None
                if isinstance(name, str) and name:
                    shown = tag.get("displayname")
                    names[name] = (html_text(shown) if isinstance(shown, str) else "") or name
            raw = data.get("continue")
            if not raw:
                break
            cont = {str(k): str(v) for k, v in raw.items()}
        return names

    def opensearch(self, prefix: str, limit: int = 8) -> list[str]:
        prefix = prefix.strip()
        if not prefix:
            return []
        data = self._request(
            self.site.api_url,
            {
                "action": "opensearch",
                "search": prefix,
                "limit": str(limit),
                "namespace": "0",
                "format": "json",
                "formatversion": "2",
            },
        )
        if isinstance(data, list) and len(data) > 1 and isinstance(data[1], list):
            return [str(t) for t in data[1]]
        return []

    def random_titles(self, limit: int = 1) -> list[str]:
        data = self.query(
            {"action": "query", "list": "random", "rnnamespace": "0", "rnlimit": str(limit)}
        )
        return [r["title"] for r in (data.get("query") or {}).get("random", [])]

    def recent_changes(self, limit: int = 20) -> list[RecentChange]:
        """The wiki's latest edits and page creations in the main namespace."""
        data = self.query(
            {
                "action": "query",
                "list": "recentchanges",
                "rcnamespace": "0",
                "rctype": "edit|new",
                "rcprop": "title|timestamp|user|comment|sizes|ids",
                "rclimit": str(limit),
            }
        )
        return [
            RecentChange(
                title=str(c["title"]),
                timestamp=str(c.get("timestamp", "")),
                user=c.get("user"),
                comment=c.get("comment"),
                delta=(c["newlen"] - c["oldlen"]) if "newlen" in c and "oldlen" in c else None,
            )
            for c in (data.get("query") or {}).get("recentchanges", [])
            if "title" in c
        ]

    def compare(self, revid: int) -> dict[str, Any]:
        """The diff of a revision against its parent (`action=compare`)."""
        data = self.query(
            {
                "action": "compare",
                "fromrev": str(revid),
                "torelative": "prev",
                "prop": "diff|ids|title|user|comment|size",
            }
        )
        return dict(data.get("compare") or {})

    def extract(self, title: str) -> str | None:
        """The article's lead as plain text, when the wiki has TextExtracts."""
        try:
            data = self.query(
                {
                    "action": "query",
                    "prop": "extracts",
                    "exintro": "1",
                    "explaintext": "1",
                    "titles": title,
                }
            )
        except ApiError:
            return None
        pages = (data.get("query") or {}).get("pages") or []
        text = pages[0].get("extract") if pages else None
        return str(text) if text else None

    # -- the REST API ----------------------------------------------------------------

    def edit_count(self, title: str) -> EditCount | None:
        """The REST edit count, or None when the wiki has no REST API (it is optional:
        only progress estimates depend on it)."""
        path = quote(title.replace(" ", "_"), safe="")  # `/` must travel as %2F
        url = f"{self.site.rest_url}/v1/page/{path}/history/counts/edits"
        try:
            data = self._request(url, None)
        except (WikiRejected, WikiUnavailable):
            return None
        if not isinstance(data, dict) or "count" not in data:
            return None
        return EditCount(count=int(data["count"]), capped=bool(data.get("limit")))


def _epochs(revisions: list[Any]) -> Iterator[int]:
    """The revisions' timestamps in epoch seconds; what does not parse is left out (a
    wiki's answer is not trusted to be well formed)."""
    for revision in revisions:
        try:
            yield parse_timestamp(str(revision["timestamp"]))
        except (KeyError, TypeError, ValueError):
            continue
