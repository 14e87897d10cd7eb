"""Dependencies of the route handlers, as `Annotated` aliases so signatures read well."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Path, Query, Request
from fastapi.templating import Jinja2Templates

from wikivice.jobs.hub import EventHub
from wikivice.jobs.runtime import Runtime
from wikivice.jobs.snapshot import JobSnapshot
from wikivice.settings import Settings
from wikivice.store import pages
from wikivice.store.pages import PageRef
from wikivice.wiki.sites import MAX_KEY_CHARS, WikiSite, WikiSpecError, parse_wiki
from wikivice.wiki.titles import MAX_TITLE_BYTES

# What the API takes from a URL, bounded so that nothing out of range reaches the
# database (issue 10: a job id past 64 bits was a 500 on SQLite, an over-long wiki key
# one on PostgreSQL); anything else is a 422.
MAX_ID = 2**63 - 1  # the largest a BIGINT column holds (revision ids)
# Job ids and event numbers are INTEGER columns: 64 bits on SQLite, but 32 on
# PostgreSQL, which refuses to compare a larger number with them.
MAX_SERIAL = 2**31 - 1
NO_CONTROLS = r"^[^\x00-\x1f\x7f]*$"  # in no title or wiki key
NO_NUL = r"^[^\x00]*$"  # PostgreSQL refuses NUL in text
JobIdParam = Annotated[int, Path(ge=1, le=MAX_SERIAL, description="A job's id.")]
EventIdQuery = Annotated[
    int, Query(ge=0, le=MAX_SERIAL, description="Replay events after this id.")
]
WikiParam = Annotated[
    str,
    Path(max_length=MAX_KEY_CHARS, pattern=NO_CONTROLS, description="Wiki key, e.g. en"),
]
# A title of 255 bytes has at most 255 characters; a longer one is no title anywhere.
TitleParam = Annotated[
    str,
    Path(
        max_length=MAX_TITLE_BYTES,
        pattern=NO_CONTROLS,
        description="An article's title (underscores for spaces).",
    ),
]


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def get_hub(request: Request) -> EventHub:
    hub: EventHub = request.app.state.hub
    return hub


def get_templates(request: Request) -> Jinja2Templates:
    templates: Jinja2Templates = request.app.state.templates
    return templates


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
HubDep = Annotated[EventHub, Depends(get_hub)]
TemplatesDep = Annotated[Jinja2Templates, Depends(get_templates)]


def get_settings(rt: RuntimeDep) -> Settings:
    return rt.settings


SettingsDep = Annotated[Settings, Depends(get_settings)]


def find_site(rt: Runtime, wiki: str) -> WikiSite:
    """A wiki by its key (`en`, `127.0.0.1:8765`) or the URL of its api.php.

    Keys of wikis given by URL are only known once someone used the URL; a language
    code always works. Raises 404 for anything else."""
    with rt.db.read() as conn:
        site = pages.wiki_site(conn, wiki)
    if site is not None:
        return site
    try:
        site = parse_wiki(wiki)
    except WikiSpecError as exc:
        raise HTTPException(404, f"unknown wiki {wiki!r}: {exc}") from None
    if site.key != wiki and "://" not in wiki:
        raise HTTPException(404, f"unknown wiki {wiki!r}")
    return site


def get_site(rt: RuntimeDep, wiki: WikiParam) -> WikiSite:
    return find_site(rt, wiki)


SiteDep = Annotated[WikiSite, Depends(get_site)]


def get_job(rt: RuntimeDep, job_id: JobIdParam) -> JobSnapshot:
    job = rt.jobs.get(job_id)
    if job is None:
        raise HTTPException(404, f"there is no job {job_id}")
    return job


JobDep = Annotated[JobSnapshot, Depends(get_job)]


def site_for_request(rt: Runtime, wiki: str | None) -> WikiSite:
    """What a form or API body names: a known wiki's key, a language code, an api.php
    URL, or nothing (the default wiki). Raises a 422 `Problem` otherwise."""
    from wikivice.web.problems import Problem

    spec = (wiki or "").strip() or rt.settings.default_wiki
    with rt.db.read() as conn:
        site = pages.wiki_site(conn, spec)
    if site is not None:
        return site
    try:
        return parse_wiki(spec)
    except WikiSpecError as exc:
        raise Problem(422, str(exc), [], "invalid") from None


def analysed_page(rt: Runtime, site: WikiSite, title: str) -> PageRef | None:
    """An article whose history is stored, by its title as typed or as our URLs spell
    it (`store.pages.find_page`), or None."""
    with rt.db.read() as conn:
        page = pages.find_page(conn, site.key, title)
    return page if page is not None and page.fetched_at is not None else None


def stored_page(rt: Runtime, site: WikiSite, title: str) -> PageRef:
    """`analysed_page`, or a 404 `Problem` saying how to analyse it."""
    from wikivice.web.problems import Problem

    page = analysed_page(rt, site, title)
    if page is None:
        shown = " ".join(title.replace("_", " ").split())
        raise Problem(
            404,
            f"“{shown}” on {site.key} has not been analysed yet: POST /api/analyses first.",
            [],
            "missing",
        )
    return page


def get_stored_page(site: SiteDep, title: TitleParam, rt: RuntimeDep) -> PageRef:
    """An article analysed before, by the `{title}` in the path; 404 otherwise."""
    return stored_page(rt, site, title)


StoredPageDep = Annotated[PageRef, Depends(get_stored_page)]
