"""wiki/markup.py: summaries as text and links to the wiki (hostile ones too), and tag
display names' HTML as text."""

from __future__ import annotations

import pytest

from wikivice.wiki.markup import SummaryPart, html_text, summary_parts
from wikivice.wiki.sites import parse_wiki

EN = parse_wiki("en")
WIKI = "https://en.wikipedia.org/wiki/"


def parts(comment: str, title: str = "Alan Turing") -> list[tuple[str, str | None, bool]]:
    return [(p.text, p.href, p.section) for p in summary_parts(comment, EN, title)]


def test_wikilinks_with_and_without_labels_link_to_the_wiki() -> None:
    assert parts("fixed per [[WP:GENFIXES|general fixes]] and [[Enigma machine]]") == [
        ("fixed per ", None, False),
        ("general fixes", f"{WIKI}WP:GENFIXES", False),
        (" and ", None, False),
        ("Enigma machine", f"{WIKI}Enigma_machine", False),
    ]


def test_section_comment_is_the_section_name_linked_to_its_anchor() -> None:
    assert parts("/* Early life */ typo") == [
        ("→Early life:", f"{WIKI}Alan_Turing#Early_life", True),
        (" typo", None, False),
    ]
    assert parts("/* Death */") == [("→Death", f"{WIKI}Alan_Turing#Death", True)]
    assert parts("x /* A */ y [[B]]")[1:] == [
        ("→A:", f"{WIKI}Alan_Turing#A", True),
        (" y ", None, False),
        ("B", f"{WIKI}B", False),
    ]


@pytest.mark.parametrize(
    ("link", "text", "href"),
    [
        ("[[javascript:alert(1)|click]]", "click", f"{WIKI}javascript:alert(1)"),
        ("[[//evil.example/x|x]]", "x", f"{WIKI}//evil.example/x"),
        ("[[:Category:Logicians]]", "Category:Logicians", f"{WIKI}Category:Logicians"),
        ("[[:fr:Alan Turing|fr]]", "fr", f"{WIKI}fr:Alan_Turing"),
        ("[[Foo#Bar baz|s]]", "s", f"{WIKI}Foo#Bar_baz"),
        ("[[#History]]", "#History", f"{WIKI}Alan_Turing#History"),
        ('[[a"onmouseover=alert(1) x|y]]', "y", f"{WIKI}a%22onmouseover%3Dalert(1)_x"),
        ("[[Foo?action=delete]]", "Foo?action=delete", f"{WIKI}Foo%3Faction%3Ddelete"),
        ("[[Ünïcödé 𝔘]]", "Ünïcödé 𝔘", f"{WIKI}%C3%9Cn%C3%AFc%C3%B6d%C3%A9_%F0%9D%94%98"),
        ("[[Target|]]", "Target", f"{WIKI}Target"),
    ],
)
def test_odd_and_hostile_targets_stay_on_the_wiki(link: str, text: str, href: str) -> None:
    assert parts(link) == [(text, href, False)]


@pytest.mark.parametrize(
    "comment",
    [
        "<script>alert(1)</script>",
        "[[<script>]]",
        "[[a{b}]]",
        "[[]]",
        "[[|label]]",
        "[[a[b]]",
        "[[ok",
        "x]] [[",
        "/* unclosed",
        "\u202e[[x\x00y]]",
    ],
)
def test_what_names_no_page_stays_text(comment: str) -> None:
    found = summary_parts(comment, EN, "T")
    assert "".join(p.text for p in found) == comment
    assert all(p.href is None for p in found)


def test_summary_text_is_kept_whole_and_never_marked_up() -> None:
    comment = "<b>bold</b> [[X|<img src=x onerror=alert(1)>]] &amp;"
    found = summary_parts(comment, EN, "T")
    assert found[1] == SummaryPart("<img src=x onerror=alert(1)>", f"{WIKI}X")
    assert found[0].text == "<b>bold</b> " and found[2].text == " &amp;"


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ('<a href="/wiki/WP:TW" title="WP:TW">Twinkle</a>', "Twinkle"),
        ("Manual revert", "Manual revert"),
        ("<span>Possible</span> vandalism &amp; <i>more</i>", "Possible vandalism & more"),
        ("<script>alert(1)</script>Safe", "Safe"),
        ("  spaced \n  out ", "spaced out"),
        ("&lt;b&gt;", "<b>"),
        ("", ""),
    ],
)
def test_display_names_html_becomes_text(html: str, text: str) -> None:
    assert html_text(html) == text


def test_display_names_are_cut_short() -> None:
    assert len(html_text("x" * 5000)) == 200
