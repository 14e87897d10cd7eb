"""Our URLs (web/urls.py): whatever a visitor or a wiki wrote fills its own path segment or
query value, percent-encoded, and our routes read back exactly what was written."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import httpx
import pytest
from markupsafe import escape

from wikivice.web import urls
from wikivice.wiki.titles import user_name

# Spaces, `/`, `?`, `#`, `%`, both quotes, `&`, `=`, `+`, markup, a control character,
# RTL and astral Unicode, and an escape that is already there.
HOSTILE = [
    "Rock & Roll",
    "AC/DC",
    "What? Why #1",
    "100% \"pure\" 'quoted'",
    "a=b&c=d+e",
    '<script>alert("x")</script>',
    "Zürich — Ünïcødé",
    "שלום עולם",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 🙂",
    "tab\there",
    "already%2Fescaped",
    "Talk:Main Page",
    "...",  # (MediaWiki forbids `.` and `..`, which URLs would read as dot-segments)
]
# Keys as parse_wiki makes them (no `/`) and hostile text a visitor may put in `?wiki=`.
KEYS = ["en", "127.0.0.1:8765", "wiki.example.org~mediawiki", "zh-min-nan"]
HOSTILE_KEYS = ["a b", "k?x=1", "k#frag", "50%", "quo\"te's", "ключ", "a/b"]
# What a URL may hold raw: unreserved, sub-delimiters, `:@/?` and `%`-escapes (RFC 3986).
WELL_FORMED = re.compile(r"^[A-Za-z0-9\-._~!$&'()*+,;=:@/?%]*$")
BAD_ESCAPE = re.compile(r"%(?![0-9A-F]{2})")

PATH_BUILDERS: dict[str, Callable[[str, str], str]] = {
    "article": urls.article,
    "dashboard_fragment": urls.dashboard_fragment,
    "editor": urls.editor,
    "page_api": urls.page_api,
    "stats": urls.stats,
    "revisions_csv": urls.revisions_csv,
    "revisions_json": urls.revisions_json,
    "extract": urls.extract,
    "recent_edits": urls.recent_edits,
    "diff": lambda wiki, title: urls.diff(wiki, title, 12345),
}


def assert_well_formed(url: str) -> None:
    assert url.isascii() and WELL_FORMED.match(url), url
    assert not BAD_ESCAPE.search(url), url
    assert "#" not in url and '"' not in url and "<" not in url and " " not in url, url


@pytest.mark.parametrize("name", PATH_BUILDERS)
@pytest.mark.parametrize("text", HOSTILE)
def test_path_builders_escape_hostile_titles_and_names(name: str, text: str) -> None:
    url = PATH_BUILDERS[name]("127.0.0.1:8765", text)
    assert_well_formed(url)
    parts = urlsplit(url)
    assert parts.query == "" and parts.fragment == ""  # nothing leaked out of the path
    written = text if name == "editor" else text.replace(" ", "_")
    assert f"/127.0.0.1:8765/{written}" in unquote(parts.path)


@pytest.mark.parametrize("key", KEYS + HOSTILE_KEYS)
def test_wiki_keys_fill_exactly_one_path_segment(key: str) -> None:
    for name, build in PATH_BUILDERS.items():
        url = build(key, "Title")
        assert_well_formed(url)
        segments = urlsplit(url).path.split("/")
        position = 3 if segments[1] == "api" else 2
        assert unquote(segments[position]) == key, name
    for url in (urls.suggestions(key, "q"), urls.recent_changes(key)):
        assert_well_formed(url)
        assert unquote(urlsplit(url).path.split("/")[3]) == key


def test_our_routes_read_back_each_hostile_title_and_name(client: httpx.Client, key: str) -> None:
    # None of these is analysed: each answer names what the server read from the path.
    for text in HOSTILE:
        title = " ".join(text.split())  # MediaWiki titles: no runs of whitespace
        said = f"“{title}” on {key} has not been analysed"
        for build in (urls.stats, urls.extract, urls.recent_edits, urls.revisions_csv):
            answer = client.get(build(key, title))
            assert answer.status_code == 404 and said in answer.json()["detail"], build
        answer = client.get(urls.diff(key, title, 77))
        assert answer.status_code == 404 and said in answer.json()["detail"]
        page = client.get(urls.dashboard_fragment(key, title))
        assert page.status_code == 404 and str(escape(said)) in page.text
        page = client.get(urls.editor(key, text))  # read as MediaWiki reads a user name
        assert page.status_code == 404
        assert f'<h1 id="editor-name"><bdi>{escape(user_name(text))}</bdi></h1>' in page.text


@pytest.mark.parametrize("text", HOSTILE + HOSTILE_KEYS)
def test_query_builders_give_back_each_value_exactly(text: str) -> None:
    built = {
        urls.search(text, text): {"wiki": [text], "title": [text]},
        urls.random(text): {"wiki": [text]},
        urls.compare(text, text, text): {"wiki": [text], "a": [text], "b": [text]},
        urls.suggestions("en", text): {"q": [text]},
    }
    for url, expected in built.items():
        assert_well_formed(url)
        assert parse_qs(urlsplit(url).query, keep_blank_values=True) == expected, url


def test_query_builders_leave_out_what_is_not_given() -> None:
    assert urls.search() == "/search"
    assert urls.search("en") == "/search?wiki=en"
    assert urls.search(None, "X Y") == "/search?title=X%20Y"
    assert urls.compare() == "/compare"
    assert urls.compare("en", "A") == "/compare?wiki=en&a=A"


def test_urls_keep_their_readable_forms() -> None:
    # What people see in the address bar and the API returns, as before.
    assert urls.article("127.0.0.1:8765", "Talk:Rock (band)") == (
        "/wiki/127.0.0.1:8765/Talk:Rock_(band)"
    )
    assert urls.article("en", "AC/DC") == "/wiki/en/AC/DC"
    assert urls.editor("en", "A/B c") == "/editor/en/A%2FB%20c"
    assert urls.stats("en", "Zürich") == "/api/pages/en/Z%C3%BCrich/stats"
    assert urls.events(7) == "/api/jobs/7/events" and urls.job(7) == "/api/jobs/7"
    assert urls.static("js/home.js") == "/static/js/home.js"


def test_static_urls_name_files_that_exist() -> None:
    static = Path(urls.__file__).parent / "static"
    for name in ("app.css", "dashboard.css", "favicon.svg", "js/home.js"):
        assert (static / urls.static(name).removeprefix("/static/")).is_file(), name


def test_template_marks_each_slot_where_the_builder_puts_it() -> None:
    assert urls.template(urls.suggestions, "wiki", "q") == "/api/wikis/{wiki}/suggestions?q={q}"
    assert urls.template(urls.diff, "wiki", "title", "revid") == (
        "/api/pages/{wiki}/{title}/diffs/{revid}"
    )
    with pytest.raises(ValueError, match="'title'"):
        urls.template(lambda wiki, title: urls.random(wiki), "wiki", "title")
