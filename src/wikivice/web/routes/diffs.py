"""What the dashboard loads after it appears: the latest edits, their diffs, the lead.

Kept out of the dashboard's own render so it never waits for the wiki: the page asks
for these once it is on screen (static/dashboard.js) and builds them with textContent.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request

from wikivice.figures import activity
from wikivice.figures.types import EditRow
from wikivice.jobs.runtime import Runtime
from wikivice.store import tags
from wikivice.web import urls
from wikivice.web.deps import RuntimeDep, SiteDep, StoredPageDep
from wikivice.web.lookups import LookupsDep
from wikivice.web.problems import Problem
from wikivice.web.ratelimits import LookupsLimit
from wikivice.web.schemas import ErrorOut
from wikivice.wiki.diffs import Diffs
from wikivice.wiki.errors import ApiError
from wikivice.wiki.markup import summary_parts
from wikivice.wiki.sites import WikiSite

router = APIRouter(prefix="/api/pages", tags=["pages"])
ERRORS: dict[int | str, dict[str, Any]] = {404: {"model": ErrorOut}, 502: {"model": ErrorOut}}
# Routes that may ask the wiki: lookups, limited per client and by the politeness cap.
LIMITED = {
    **ERRORS,
    429: {"model": ErrorOut},
    503: {"model": ErrorOut, "description": "Every request to the wiki at once is in flight."},
}
_state_lock = threading.Lock()
MAX_REVID = 2**63 - 1
# What MediaWiki's action=compare answers when a side's text is hidden (revision
# deletion) or gone (a deleted revision): "Missing content for revision ID N."
TEXT_UNAVAILABLE = frozenset({"missingcontent", "nosuchrevid", "permissiondenied"})


def get_diffs(request: Request) -> Diffs:
    """The app's diff and extract caches, made on first use."""
    state = request.app.state
    with _state_lock:
        found: Diffs | None = getattr(state, "diffs", None)
        if found is None:
            found = state.diffs = Diffs()
    return found


DiffsDep = Annotated[Diffs, Depends(get_diffs)]


def with_links(
    site: WikiSite,
    edit: Mapping[str, Any],
    title: str | None = None,
    labels: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """An edit row plus where to see it (its diff on the wiki, its editor here), its
    summary as text and links (`wiki.markup`; `title`: its article, else the row's
    own), and its tags' display names (`labels`, else their names)."""
    user, comment = edit.get("user"), edit.get("comment")
    title = title or str(edit.get("title") or "")
    labels = labels or {}
    parts = summary_parts(comment, site, title) if comment else []
    return {
        **edit,
        "diff_url": site.diff_url(edit["revid"]),
        "editor_url": urls.editor(site.key, user) if user else None,
        "summary": [asdict(part) for part in parts],
        "tag_labels": [labels.get(tag) or tag for tag in edit.get("tags", [])],
    }


@router.get("/{wiki}/{title:path}/recent-edits", responses=ERRORS)
def list_recent_edits(site: SiteDep, page: StoredPageDep, rt: RuntimeDep) -> dict[str, Any]:
    """The article's latest edits (newest first), and its most recent revert, reverted
    edit or vandalism-tagged edit (`incident`, None if it never had one; a revert's
    `undid` lists the editors whose edits it undid)."""
    with rt.db.read() as conn:
        edits = activity.latest_edits(conn, page.id)
        incident = activity.latest_incident(conn, page.id)
        labels = tags.tag_labels(conn, page.wiki_id)
    linked = None
    if incident is not None:
        undid = [{"name": n, "editor_url": urls.editor(site.key, n)} for n in incident["undid"]]
        linked = {**with_links(site, incident, page.title, labels), "undid": undid}
    return {
        "wiki": site.key,
        "title": page.title,
        "edits": [with_links(site, edit, page.title, labels) for edit in edits],
        "incident": linked,
    }


@router.get("/{wiki}/{title:path}/diffs/{revid}", responses=LIMITED, dependencies=[LookupsLimit])
async def read_diff(
    site: SiteDep,
    page: StoredPageDep,
    rt: RuntimeDep,
    cache: DiffsDep,
    lookups: LookupsDep,
    revid: Annotated[int, Path(ge=1, le=MAX_REVID, description="A stored revision's id.")],
) -> dict[str, Any]:
    """What a revision changed, against its parent, as plain lines (`wiki.diffs.parse_diff`):
    the wiki's diff HTML is never passed on. 502 when the wiki does not answer.

    A diff that cannot be shown because a text is hidden is no failure: 200 with no
    lines, `hidden` (this revision's text) or `parent_hidden` (the earlier one's), and
    `notice` saying so in words. That is known from what is stored, or from the wiki's
    answer (`missingcontent`, `nosuchrevid`: hidden or deleted since it was fetched)."""
    revision = await lookups.run(_stored_revision, rt, page.id, revid)
    if revision is None:
        raise Problem(404, f"“{page.title}” has no stored revision {revid}.", [], "missing")
    links = {"revid": revid, "diff_url": site.diff_url(revid)}
    parent_id = revision["parent_id"] or None
    if revision["text_hidden"]:
        return _unavailable(links, parent_id, own=True)
    parent = await lookups.run(_stored_revision, rt, page.id, parent_id) if parent_id else None
    if parent is not None and parent["text_hidden"]:
        return _unavailable(links, parent_id, own=False)
    try:
        diff = await lookups.run(cache.diff, rt.wikis.client(site, quick=True), revid)
    except ApiError as exc:
        if exc.code not in TEXT_UNAVAILABLE:
            raise
        return _unavailable(links, parent_id, own=str(revid) in re.findall(r"\d+", exc.info))
    return {**diff, **links, "hidden": False, "parent_hidden": False, "notice": None}


@router.get("/{wiki}/{title:path}/extract", responses=LIMITED, dependencies=[LookupsLimit])
async def read_extract(
    site: SiteDep, page: StoredPageDep, rt: RuntimeDep, cache: DiffsDep, lookups: LookupsDep
) -> dict[str, Any]:
    """The article's lead as plain text (`extract` is None when the wiki has no
    TextExtracts), with links to the article and its history on the wiki."""
    extract = await lookups.run(cache.extract, rt.wikis.client(site, quick=True), page.title)
    return {
        "title": page.title,
        "extract": extract,
        "url": site.page_url(page.title),
        "history_url": site.history_url(page.title),
    }


def _unavailable(links: dict[str, Any], parent_id: int | None, *, own: bool) -> dict[str, Any]:
    notice = (
        "The text of this revision is hidden on the wiki, so what it changed cannot be shown."
        if own
        else "The earlier text is hidden on the wiki (or deleted), so what this revision "
        "changed cannot be shown."
    )
    return {
        **links,
        "hidden": own,
        "parent_hidden": not own,
        "notice": notice,
        "lines": [],
        "truncated": False,
        "parent_revid": parent_id,
    }


def _stored_revision(rt: Runtime, page_id: int, revid: int) -> EditRow | None:
    with rt.db.read() as conn:
        return activity.stored_revision(conn, page_id, revid)
