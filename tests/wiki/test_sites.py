from __future__ import annotations

import pytest

from wikivice.wiki.sites import MAX_KEY_CHARS, MAX_SPEC_CHARS, WikiSpecError, parse_wiki


def test_parse_wiki_language_code_is_wikipedia() -> None:
    site = parse_wiki("en")
    assert site.key == "en"
    assert site.api_url == "https://en.wikipedia.org/w/api.php"
    assert site.rest_url == "https://en.wikipedia.org/w/rest.php"
    assert site.page_url("AC/DC") == "https://en.wikipedia.org/wiki/AC/DC"
    assert site.page_url("Café au lait") == "https://en.wikipedia.org/wiki/Caf%C3%A9_au_lait"


def test_parse_wiki_api_url_keeps_host_and_port() -> None:
    site = parse_wiki("http://127.0.0.1:8765/w/api.php")
    assert site.key == "127.0.0.1:8765"
    assert site.rest_url == "http://127.0.0.1:8765/w/rest.php"
    assert site.diff_url(12) == "http://127.0.0.1:8765/w/index.php?diff=12"


def test_parse_wiki_unusual_script_path_has_no_slash_in_key() -> None:
    site = parse_wiki("https://wiki.example.org/mediawiki/api.php")
    assert site.key == "wiki.example.org~mediawiki"
    assert site.article_url == "https://wiki.example.org/mediawiki/index.php/$1"


@pytest.mark.parametrize("spec", ["", "English", "ftp://x/api.php", "https://x.org/wiki/Foo"])
def test_parse_wiki_rejects_what_is_not_a_wiki(spec: str) -> None:
    with pytest.raises(WikiSpecError):
        parse_wiki(spec)


@pytest.mark.parametrize("spec", ["en\x00", "https://x.org/w/\napi.php", "\x1b[31men", "x" * 501])
def test_a_wiki_of_unprintable_or_endless_text_is_refused(spec: str) -> None:
    with pytest.raises(WikiSpecError, match="printable characters"):
        parse_wiki(spec)


def test_a_wiki_whose_key_would_not_fit_its_column_is_refused() -> None:
    # Under 500 characters, but its key (host and path) is past the 200 of wikis.key.
    deep = "https://wiki.example.org/" + "d" * 300 + "/api.php"
    assert len(deep) < MAX_SPEC_CHARS
    with pytest.raises(WikiSpecError, match="too long"):
        parse_wiki(deep)
    widest = parse_wiki("https://wiki.example.org/" + "d" * 183 + "/api.php")
    assert len(widest.key) == MAX_KEY_CHARS
    assert max(len(widest.api_url), len(widest.rest_url), len(widest.article_url)) <= 500


@pytest.mark.parametrize(
    "spec",
    [
        "http://[::1/w/api.php",  # an unclosed bracket
        "http://[wiki]/w/api.php",  # brackets around what is no IPv6 address
        "https://en.wikipedia.org:99999/w/api.php",
        "https://en.wikipedia.org:0/w/api.php",
        "https://en.wikipedia.org:-1/w/api.php",
        "https://en.wikipedia.org:https/w/api.php",
        "http://127.0.0.1:8765./w/api.php",
        "http://127.0.0.1:8765:8766/w/api.php",
        "http://127.0.0.1:8765\\.wikipedia.org/w/api.php",
        "https://xn--a.wikipedia.org/w/api.php",  # an A-label that decodes to nothing valid
        "https://xn--127-0-0-1.wikipedia.org/w/api.php",
        "https://ⓛⓞⓒⓐⓛⓗⓞⓢⓣ.wikipedia.org/w/api.php",  # no IDNA name
    ],
)
def test_a_url_whose_host_or_port_is_broken_is_refused_as_a_wiki(spec: str) -> None:
    with pytest.raises(WikiSpecError, match="check its host"):
        parse_wiki(spec)


def test_a_host_is_one_spelling_however_it_is_written() -> None:
    # Case and IDNA: the key, the allow-list and DNS all see the same ASCII name.
    assert parse_wiki("https://EN.Wikipedia.ORG/w/api.php").key == "en.wikipedia.org"
    unicode = parse_wiki("https://bücher.example/w/api.php")
    assert unicode.key == "xn--bcher-kva.example"
    assert unicode.api_url == "https://xn--bcher-kva.example/w/api.php"
    assert parse_wiki("https://xn--bcher-kva.example/w/api.php") == unicode
    assert parse_wiki("http://[::1]:8080/w/api.php").key == "[::1]:8080"
    assert parse_wiki("http://wiki.example.org:0080/w/api.php").key == "wiki.example.org:80"
