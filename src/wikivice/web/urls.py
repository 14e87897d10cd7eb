"""Our own URLs, built in one place (titles travel with underscores, like on the wiki)."""

from __future__ import annotations

from urllib.parse import quote


def title_slug(title: str) -> str:
    return quote(title.replace(" ", "_"), safe="/:(),'!*@")


def title_from_slug(slug: str) -> str:
    return " ".join(slug.replace("_", " ").split())


def article(wiki: str, title: str) -> str:
    return f"/wiki/{quote(wiki, safe=':~')}/{title_slug(title)}"


def dashboard_fragment(wiki: str, title: str) -> str:
    return f"/dashboard/{quote(wiki, safe=':~')}/{title_slug(title)}"


def stats(wiki: str, title: str) -> str:
    return f"/api/pages/{quote(wiki, safe=':~')}/{title_slug(title)}/stats"


def job(job_id: int) -> str:
    return f"/api/jobs/{job_id}"


def events(job_id: int) -> str:
    return f"/api/jobs/{job_id}/events"


def editor(wiki: str, name: str) -> str:
    """Our page of an editor (`/` and every other character escaped: names are free)."""
    return f"/editor/{quote(wiki, safe=':~')}/{quote(name, safe='')}"
