"""The scripts' assets (web/scripts.py, routes/assets.py): the vocabulary module the server
writes (words and URL templates), the versioned ES modules each page loads and preloads,
and no word re-typed in them."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

import httpx
import orjson
import pytest

from support import read_events
from wikivice.store.vocabulary import Canceller, EditorKind, EventKind, JobStatus, Stage
from wikivice.web import urls
from wikivice.web.scripts import (
    IMPORT,
    SCRIPTS,
    URL_TEMPLATES,
    VOCABULARY,
    script_modules,
    script_url,
    version,
)

DYNAMIC_IMPORT = re.compile(r"""\bimport\(\s*["'](\./[\w.-]+\.js)["']\s*\)""")
EXPORT = re.compile(r"^export const (\w+) = Object\.freeze\((.*)\);$", re.M)
ENTRIES = ("home", "article", "compare", "admin", "editor")


def exported(text: str) -> dict[str, object]:
    return {name: orjson.loads(value) for name, value in EXPORT.findall(text)}


def js_fill(template: str, **values: object) -> str:
    """What static/js/urls.js does: each slot gets encodeURIComponent(value)."""
    encoded = {k: quote(str(v), safe="-_.!~*'()") for k, v in values.items()}
    return re.sub(r"\{(\w+)\}", lambda m: encoded[m.group(1)], template)


def test_vocabulary_module_exports_the_enums_word_for_word(client: httpx.Client) -> None:
    response = client.get("/static/js/vocabulary.js")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    words = exported(response.text)
    assert words["JobStatus"] == {s.name: s.value for s in JobStatus}
    assert words["FINISHED_JOB_STATUSES"] == [JobStatus.DONE, JobStatus.FAILED, JobStatus.CANCELLED]
    assert words["STOPPED_JOB_STATUSES"] == [JobStatus.FAILED, JobStatus.CANCELLED]
    assert words["Stage"] == {s.name: s.value for s in Stage}
    assert words["STAGE_LABELS"] == {s.value: s.label for s in Stage}
    assert words["EventKind"] == {k.name: k.value for k in EventKind}
    assert words["TERMINAL_EVENT_KINDS"] == [EventKind.DONE, EventKind.FAILED, EventKind.CANCELLED]
    assert words["EditorKind"] == {k.name: k.value for k in EditorKind}
    assert words["Canceller"] == {c.name: c.value for c in Canceller}
    assert words["URLS"] == URL_TEMPLATES
    # Every line is an export: nothing else runs in the browser from this module.
    assert len(EXPORT.findall(response.text)) == len(words) == 10


def test_vocabulary_module_is_revalidated_by_its_etag(client: httpx.Client) -> None:
    first = client.get("/static/js/vocabulary.js")
    etag = first.headers["etag"]
    assert first.headers["cache-control"] == "no-cache"
    again = client.get("/static/js/vocabulary.js", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag
    other = client.get("/static/js/vocabulary.js", headers={"If-None-Match": '"stale"'})
    assert other.status_code == 200 and other.content == first.content


def test_url_templates_filled_like_the_scripts_do_reach_the_same_routes(
    client: httpx.Client, key: str
) -> None:
    # A wiki key with a port (`:`), and a query a hostile visitor might type.
    q = "Synthetic 1&x=/?#%"
    asked = js_fill(URL_TEMPLATES["suggestions"], wiki=key, q=q)
    assert client.get(asked).json() == client.get(urls.suggestions(key, q)).json()
    for title in ("Synthetic 12", "AC/DC?x=1#y"):  # a title cannot add a segment or a field
        filled = client.get(js_fill(URL_TEMPLATES["article"], wiki=key, title=title))
        built = client.get(urls.article(key, title))
        assert filled.status_code == built.status_code == 200
        assert f'name="title" value="{title.split("#")[0]}"' in filled.text
        assert filled.text == built.text
    changes = client.get(js_fill(URL_TEMPLATES["recentChanges"], wiki=key))
    assert changes.status_code == 200 and len(changes.json()) == 12  # the scripts' dozen
    with client.stream("GET", URL_TEMPLATES["plotly"], headers={"Accept-Encoding": ""}) as plotly:
        assert plotly.status_code == 200


def test_diff_template_reaches_a_stored_revision(client: httpx.Client, key: str) -> None:
    body = client.post("/api/analyses", json={"title": "Synthetic 40"}).json()
    if body["events_url"]:
        assert read_events(client, body["events_url"])[-1].event == EventKind.DONE
    recent = client.get(urls.recent_edits(key, "Synthetic 40")).json()
    revid = recent["edits"][0]["revid"]
    url = js_fill(URL_TEMPLATES["diff"], wiki=key, title="Synthetic 40", revid=revid)
    assert url == f"/api/pages/{quote(key, safe='')}/Synthetic%2040/diffs/{revid}"
    assert client.get(url).json() == client.get(urls.diff(key, "Synthetic 40", revid)).json()


@pytest.mark.parametrize("entry", ENTRIES)
def test_each_page_module_and_its_imports_are_served_for_good(
    client: httpx.Client, entry: str
) -> None:
    for url in (script_url(f"{entry}.js"), *script_modules(entry)):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["content-type"].startswith("text/javascript"), url
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
        name = url.rsplit("/", 1)[1]
        if name == VOCABULARY:
            assert response.content == client.get("/static/js/vocabulary.js").content
        else:
            assert response.content == (SCRIPTS / name).read_bytes(), url


def test_modules_of_another_version_or_name_are_not_found(client: httpx.Client) -> None:
    assert client.get(urls.script("0123456789abcdef", "home.js")).status_code == 404
    assert client.get(urls.script(version(), "nothing.js")).status_code == 404
    # Only modules: no other file of the package, however its name is escaped.
    assert client.get(f"/static/js/{version()}/..%2F..%2Fscripts.py").status_code == 404
    assert client.get(f"/static/js/{version()}/%2E%2E%2Fapp.css").status_code == 404


def test_every_import_between_modules_names_a_module_that_exists() -> None:
    names = {path.name for path in SCRIPTS.glob("*.js")} | {VOCABULARY}
    for path in SCRIPTS.glob("*.js"):
        text = path.read_text()
        for found in IMPORT.findall(text) + DYNAMIC_IMPORT.findall(text):
            assert found.removeprefix("./") in names, f"{path.name} imports {found}"
    assert not (SCRIPTS / "vocabulary.js").exists()  # the server writes it, from the enums


def test_progress_page_preloads_what_its_stream_needs_and_no_more() -> None:
    article = script_modules("article")
    assert len(article) == len(set(article))
    for name in ("vocabulary", "progress", "dom", "format", "urls", "timing"):
        assert script_url(f"{name}.js") in article, name
    # The dashboard's modules are imported when there is a dashboard (and plotly only
    # once the stream is open): none of them delays the first event.
    for name in ("charts", "live-sections", "diffs", "search"):
        assert script_url(f"{name}.js") not in article, name


def test_pages_preload_every_module_their_entry_imports(client: httpx.Client, key: str) -> None:
    pages = {"home": "/", "article": f"/wiki/{key}/Synthetic_30", "compare": urls.compare(key)}
    for entry, page in pages.items():
        html = client.get(page).text
        preloaded = re.findall(r'<link rel="modulepreload" href="([^"]+)">', html)
        assert preloaded == list(script_modules(entry)), entry
        assert f'<script type="module" src="{script_url(entry + ".js")}"></script>' in html
        assert "<script src=" not in html.replace('<script src="/static/vendor/plotly', "")


def test_scripts_spell_no_word_of_the_vocabulary() -> None:
    words = {w.value for enum in (JobStatus, Stage, EventKind, EditorKind, Canceller) for w in enum}
    for path in SCRIPTS.glob("*.js"):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if line.startswith("export const LoadState"):
                continue  # the page's own states of a part it loads (`data-state`)
            quoted = set(re.findall(r"""["'`]([a-z]+)["'`]""", line))
            assert not quoted & words, f"{path.name}:{number}: {line.strip()}"


def test_no_script_shares_a_global_but_the_timing_marks() -> None:
    for path in SCRIPTS.glob("*.js"):
        text = path.read_text()
        assigned = re.findall(r"window\.(\w+)\s*(?:\?\?)?=(?!=)", text)
        assert assigned == (["wikiviceTimes"] if path.name == "timing.js" else []), path.name


def test_static_js_ships_with_the_package() -> None:
    pyproject = Path(__file__).parents[2] / "pyproject.toml"
    assert '"web/static/js/*"' in pyproject.read_text()
