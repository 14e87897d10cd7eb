"""An editor's page (`/editor/{wiki}/{name}`) and its JSON twin under /api/editors."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse, Response

from wikivice.figures import profiles
from wikivice.figures.profiles import EditorProfile
from wikivice.store import pages, tags
from wikivice.web import urls
from wikivice.web.deps import NO_NUL, RuntimeDep, SiteDep, TemplatesDep
from wikivice.web.problems import Problem
from wikivice.web.routes.diffs import with_links
from wikivice.web.schemas import ErrorOut
from wikivice.wiki.sites import WikiSite
from wikivice.wiki.titles import user_name

router = APIRouter(prefix="/api/editors", tags=["editors"])
pages_router = APIRouter(include_in_schema=False)
# As wide as editors.name (store/models.py). Otherwise free: underscores aside
# (`editor_name`), shown back as given.
NameParam = Annotated[
    str, Path(max_length=512, pattern=NO_NUL, description="The editor's name or IP address.")
]


def editor_name(name: NameParam) -> str:
    """The name in the address as the wiki stores it: `Jane_Doe` is `Jane Doe`."""
    return user_name(name)


NameDep = Annotated[str, Depends(editor_name)]


def find_profile(site: SiteDep, name: NameDep, rt: RuntimeDep) -> dict[str, Any] | None:
    """The editor's profile with our links and the wiki's, or None if never seen here."""
    with rt.db.read() as conn:
        wiki_id = pages.wiki_id(conn, site.key)
        profile = profiles.editor_profile(conn, wiki_id, name) if wiki_id else None
        labels = tags.tag_labels(conn, wiki_id) if wiki_id else {}
    if profile is None:
        return None
    return add_links(site, profile, labels)


ProfileDep = Annotated[dict[str, Any] | None, Depends(find_profile)]


def add_links(site: WikiSite, profile: EditorProfile, labels: Mapping[str, str]) -> dict[str, Any]:
    """The profile with our pages' links and the wiki's; its latest edits' summaries and
    tags (`labels`: their display names) as the article's recent edits have them."""
    name = profile["editor"]["name"]
    return {
        **profile,
        "url": urls.editor(site.key, name),
        "contributions_url": site.contributions_url(name),
        "articles": [
            {**a, "dashboard_url": urls.article(site.key, a["title"])} for a in profile["articles"]
        ],
        "latest": [
            {
                **with_links(site, edit, labels=labels),
                "dashboard_url": urls.article(site.key, edit["title"]),
            }
            for edit in profile["latest"]
        ],
    }


@router.get("/{wiki}/{name:path}", responses={404: {"model": ErrorOut}})
def read_editor(site: SiteDep, name: NameDep, profile: ProfileDep) -> dict[str, Any]:
    """An editor's kind, country (IP editors), edits per analysed article, totals and
    latest edits here, with a link to their contributions on the wiki."""
    if profile is None:
        raise Problem(404, f"{site.key}: no edits by “{name}” in the articles analysed here.")
    return profile


@pages_router.get("/editor/{wiki}/{name:path}", response_class=HTMLResponse)
def show_editor(
    request: Request,
    site: SiteDep,
    name: NameDep,
    profile: ProfileDep,
    templates: TemplatesDep,
) -> Response:
    """The editor's page; a 404 page for a name never seen in the articles here."""
    context = {
        "site": site,
        "name": name,
        "profile": profile,
        "contributions_url": site.contributions_url(name),
    }
    status = 200 if profile is not None else 404
    return templates.TemplateResponse(request, "editor.html", context, status_code=status)
