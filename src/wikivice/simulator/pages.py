"""The simulated wiki's own pages, minimal but real: what WikiVice's "on the wiki" links
open in `--demo` and the tests (a page's history, a diff, a user's contributions).

Everything is generated from the same histories the API serves, and every string from
them (user names, summaries, text) is HTML-escaped: they are the simulator's hostile
strings on purpose.
"""

from __future__ import annotations

import difflib
import html
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

from .catalog import NAMED_PAGES, Catalog
from .history import REVID_STRIDE, SyntheticHistory

HISTORY_ROWS = 100  # rows of a history page (`limit`, at most 500)
CONTRIBUTION_SCAN = 20_000  # revisions read per demo article for a user's contributions


def _doc(title: str, body: str) -> bytes:
    return (
        '<!DOCTYPE html>\n<html lang="en"><meta charset="utf-8">'
        f"<title>{html.escape(title)} - Simulated Wikipedia</title>\n{body}\n</html>\n"
    ).encode()


def _user_link(user: str | None) -> str:
    if not user:
        return "<span>(username removed)</span>"
    href = "/wiki/Special:Contributions/" + quote(user.replace(" ", "_"), safe="")
    return f'<a href="{href}">{html.escape(user)}</a>'


def _row(page: SyntheticHistory, rev: dict[str, Any], size_before: int) -> str:
    delta = int(rev["size"]) - size_before
    return (
        f'<li><a href="/w/index.php?diff={rev["revid"]}">{rev["timestamp"]}</a> '
        f"{_user_link(rev.get('user'))} {rev['size']:,} bytes ({delta:+,}) "
        f'<span class="comment">{html.escape(rev.get("comment") or "")}</span></li>'
    )


def history_page(page: SyntheticHistory, offset: int, limit: int) -> bytes:
    """`action=history`: the newest revisions first, `limit` from `offset`, with links."""
    limit = max(1, min(limit, 500))
    stop = max(0, page.count - max(offset, 0))
    start = max(0, stop - limit)
    rows = list(page.iter(max(0, start - 1), stop))
    items = [
        _row(page, rev, int(rows[i - 1]["size"]) if i > 0 else 0)
        for i, rev in enumerate(rows)
        if i > 0 or start == 0
    ]
    older = ""
    if start > 0:
        href = f"/w/index.php?title={quote(page.title.replace(' ', '_'))}&action=history"
        older = f'<p><a href="{href}&amp;offset={offset + limit}&amp;limit={limit}">older</a></p>'
    name = html.escape(page.title)
    body = (
        f"<h1>{name}: revision history</h1>\n<p>{page.count:,} revisions</p>\n"
        f"<ol>{''.join(reversed(items))}</ol>{older}"
    )
    return _doc(f"{page.title}: revision history", body)


def diff_page(catalog: Catalog, revid: int) -> bytes | None:
    """`diff=REVID`: what revision `revid` changed against its parent, line by line."""
    page = catalog.page_by_id(revid // REVID_STRIDE)
    index = page.index_of(revid) if page is not None else None
    if page is None or index is None:
        return None
    rev = page.revision(index)
    before = page.content(index - 1).splitlines() if index > 0 else []
    after = page.content(index).splitlines()
    lines = "\n".join(
        html.escape(line) for line in difflib.unified_diff(before, after, lineterm="", n=1)
    )
    body = (
        f"<h1>{html.escape(page.title)}: difference between revisions</h1>\n"
        f"<p>Revision {revid} by {_user_link(rev.get('user'))} at {rev['timestamp']}: "
        f'<span class="comment">{html.escape(rev.get("comment") or "")}</span></p>\n'
        f"<pre>{lines}</pre>"
    )
    return _doc(f"{page.title}: difference between revisions", body)


def contributions_page(catalog: Catalog, user: str) -> bytes:
    """`Special:Contributions/USER`: their edits on the demo articles, newest first."""
    found = sorted(_edits_by(catalog, user), key=lambda edit: edit[1]["timestamp"], reverse=True)
    items = "".join(
        f'<li>{rev["timestamp"]} <a href="/w/index.php?diff={rev["revid"]}">diff</a> '
        f'<a href="/wiki/{quote(title.replace(" ", "_"))}">{html.escape(title)}</a> '
        f'<span class="comment">{html.escape(rev.get("comment") or "")}</span></li>'
        for title, rev in found[:HISTORY_ROWS]
    )
    body = (
        f"<h1>User contributions for {html.escape(user)}</h1>\n"
        f"<p>{len(found):,} edits on the demo articles.</p>\n<ol>{items}</ol>"
    )
    return _doc(f"User contributions for {user}", body)


def _edits_by(catalog: Catalog, user: str) -> Iterable[tuple[str, dict[str, Any]]]:
    for spec in NAMED_PAGES:
        page = catalog.page(spec.title)
        if page is None:
            continue
        start = max(0, page.count - CONTRIBUTION_SCAN)
        for rev in page.iter(start):
            if rev.get("user") == user:
                yield spec.title, rev
