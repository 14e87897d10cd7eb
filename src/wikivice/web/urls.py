"""Our own URLs, built in one place (titles travel with underscores, like on the wiki).

Route handlers and templates (the `urls` global) call these functions; the browser's
scripts get `template(...)`s of them from the vocabulary module (web/scripts.py). Whatever a visitor
or a wiki wrote (a title, a user name, a wiki key) is percent-encoded: it can fill its
own path segment or query value, never add one.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

# Kept as they are in a path: `:` in wiki keys (`127.0.0.1:8765`) and wiki titles
# (`Talk:X`), `~` (our keys' slash), and in titles what MediaWiki's own URLs keep.
_KEY_SAFE = ":~"
_TITLE_SAFE = "/:(),'!*@"


def title_slug(title: str) -> str:
    return quote(title.replace(" ", "_"), safe=_TITLE_SAFE)


def title_from_slug(slug: str) -> str:
    return " ".join(slug.replace("_", " ").split())


def home() -> str:
    return "/"


def static(path: str) -> str:
    """A file under web/static/ (`static("js/home.js")`)."""
    return f"/static/{quote(path)}"


def script(version: str, name: str) -> str:
    """One of our ES modules, under the version of them all (web/scripts.py)."""
    return static(f"js/{quote(version, safe='')}/{quote(name, safe='')}")


def plotly_js() -> str:
    return static("vendor/plotly.min.js")


def api_docs() -> str:
    return "/docs"


def search(wiki: str | None = None, title: str | None = None) -> str:
    """The search forms post `wiki` and `title` here; with a title, the GET of old links
    and bookmarks (the stored article, or an offer to analyse it)."""
    return "/search" + _query(wiki=wiki, title=title)


def analyse() -> str:
    """Where the Analyse, Refresh and Try again buttons post `wiki` and `title`."""
    return "/analyse"


def random(wiki: str | None = None) -> str:
    """The Random button posts `wiki` here; a GET only shows the button."""
    return "/random" + _query(wiki=wiki)


def compare(wiki: str | None = None, a: str | None = None, b: str | None = None) -> str:
    return "/compare" + _query(wiki=wiki, a=a, b=b)


def article(wiki: str, title: str) -> str:
    return f"/wiki/{_key(wiki)}/{title_slug(title)}"


def dashboard_fragment(wiki: str, title: str) -> str:
    return f"/dashboard/{_key(wiki)}/{title_slug(title)}"


def editor(wiki: str, name: str) -> str:
    """Our page of an editor (`/` and every other character escaped: names are free)."""
    return f"/editor/{_key(wiki)}/{quote(name, safe='')}"


def analyses() -> str:
    """Where to POST `{"wiki": W, "title": T}` to start or join an analysis."""
    return "/api/analyses"


def job(job_id: int) -> str:
    return f"/api/jobs/{job_id}"


def events(job_id: int) -> str:
    return f"/api/jobs/{job_id}/events"


def cancel_job(job_id: int, *, api: bool = False) -> str:
    """The article page's Cancel button posts here; `api`: where programs (and the
    page's script) post."""
    return f"{'/api' if api else ''}/jobs/{job_id}/cancel"


def resume_job(job_id: int, *, api: bool = False) -> str:
    return f"{'/api' if api else ''}/jobs/{job_id}/resume"


def admin(job_id: int | None = None, *, state: str | None = None) -> str:
    """The job inspector (issue 13), its list of one state, or one job's page in it."""
    return "/admin" + _query(state=state) if job_id is None else f"/admin/jobs/{job_id}"


def admin_action(action: str, job_id: int | None = None) -> str:
    """Where the inspector's forms post: `login`, `logout`, `retry-failed`, or a job's
    `retry`, `cancel`, `now`."""
    return f"/admin/{action}" if job_id is None else f"/admin/jobs/{job_id}/{action}"


def admin_rows(state: str | None = None) -> str:
    """The inspector's list alone, as HTML (what its page polls)."""
    return "/admin/jobs" + _query(state=state)


def admin_api(state: str | None = None) -> str:
    """The inspector's list as JSON."""
    return "/api/admin/jobs" + _query(state=state)


def page_api(wiki: str, title: str) -> str:
    """The JSON API of one stored article: what follows are its resources."""
    return f"/api/pages/{_key(wiki)}/{title_slug(title)}"


def stats(wiki: str, title: str) -> str:
    return f"{page_api(wiki, title)}/stats"


def revisions_csv(wiki: str, title: str) -> str:
    return f"{page_api(wiki, title)}/revisions.csv"


def revisions_json(wiki: str, title: str) -> str:
    return f"{page_api(wiki, title)}/revisions.json"


def extract(wiki: str, title: str) -> str:
    return f"{page_api(wiki, title)}/extract"


def recent_edits(wiki: str, title: str) -> str:
    return f"{page_api(wiki, title)}/recent-edits"


def diff(wiki: str, title: str, revid: int) -> str:
    return f"{page_api(wiki, title)}/diffs/{revid}"


def heatmap(wiki: str, title: str, zone: str) -> str:
    return f"{page_api(wiki, title)}/heatmap" + _query(tz=zone)


def suggestions(wiki: str, q: str) -> str:
    return f"/api/wikis/{_key(wiki)}/suggestions" + _query(q=q)


def recent_changes(wiki: str) -> str:
    return f"/api/wikis/{_key(wiki)}/recent-changes"


def template(build: Callable[..., str], *slots: str) -> str:
    """What `build` makes with `{slot}` where each argument goes: a URL template for the
    browser's scripts, which put each value in percent-encoded whole (`encodeURIComponent`,
    stricter than here but read back the same by our routes)."""
    # Unreserved characters and no space: no builder escapes or rewrites a marker.
    marks = {slot: f"~{slot}~" for slot in slots}
    url = build(*marks.values())
    for slot, mark in marks.items():
        if mark not in url:
            raise ValueError(f"{build.__name__} does not put {slot!r} in its URL")
        url = url.replace(mark, "{" + slot + "}")
    return url


def _key(wiki: str) -> str:
    return quote(wiki, safe=_KEY_SAFE)


def _query(**params: str | None) -> str:
    given = [f"{name}={quote(value, safe=_KEY_SAFE)}" for name, value in params.items() if value]
    return "?" + "&".join(given) if given else ""
