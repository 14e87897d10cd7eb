"""Titles as people type them: `clean_title` cleans what MediaWiki would clean anyway and
refuses, without asking the wiki, what no wiki accepts; `user_name` reads a user name
as MediaWiki does."""

from __future__ import annotations

import pytest

from wikivice.wiki.errors import InvalidTitle
from wikivice.wiki.titles import ILLEGAL_TITLE_CHARS, clean_title, title_spellings, user_name

# ASCII's control characters: C0 and DEL. MediaWiki's $wgLegalTitleChars has none of them.
CONTROL_CHARACTERS = [chr(n) for n in range(32)] + ["\x7f"]


def test_clean_title_cuts_the_fragment() -> None:
    assert clean_title("Coffee#History") == "Coffee"
    assert clean_title("Coffee#History#Origins") == "Coffee"
    assert clean_title("Coffee#<bad>|fragment") == "Coffee"  # the fragment is never sent


def test_clean_title_turns_underscores_into_spaces() -> None:
    assert clean_title("Alan_Turing") == "Alan Turing"
    assert clean_title(" Alan_Turing ") == "Alan Turing"
    assert clean_title("Python_(programming_language)") == "Python (programming language)"


def test_clean_title_trims_underscores_like_spaces() -> None:
    # MediaWiki treats `_` as a space, leading and trailing ones included.
    assert clean_title("_Coffee_") == "Coffee"
    assert clean_title("Alan_Turing_#Early_life") == "Alan Turing"


@pytest.mark.parametrize(
    ("typed", "name"),
    [
        ("Maple_of_the_Elm_38", "Maple of the Elm 38"),
        ("_Maple__of the_ Elm_38_", "Maple of the Elm 38"),
        ("203.0.113.7", "203.0.113.7"),
        ("2001:db8::7", "2001:db8::7"),
        ("~2025-31415-92", "~2025-31415-92"),
        ("<b>bold</b>", "<b>bold</b>"),  # shown back escaped, never refused here
    ],
)
def test_user_name_reads_underscores_as_spaces(typed: str, name: str) -> None:
    assert user_name(typed) == name


@pytest.mark.parametrize(
    "title",
    ["Tom & Jerry", "AC/DC", "Ender's Game", "Zürich", "C++", "São Paulo", "𝄞 clef", "100%"],
)
def test_clean_title_keeps_legal_characters(title: str) -> None:
    assert clean_title(title) == title


@pytest.mark.parametrize("char", sorted(ILLEGAL_TITLE_CHARS), ids=repr)
def test_clean_title_refuses_every_illegal_character(char: str) -> None:
    with pytest.raises(InvalidTitle) as caught:
        clean_title(f"Coffee {char} tea")
    assert repr(char) in caught.value.reason


def test_clean_title_names_each_illegal_character_once() -> None:
    with pytest.raises(InvalidTitle) as caught:
        clean_title("{{a}} <b> {{c}}")
    assert caught.value.reason == "titles cannot contain '<' '>' '{' '}'"


@pytest.mark.parametrize("char", CONTROL_CHARACTERS, ids=lambda c: f"0x{ord(c):02x}")
def test_clean_title_refuses_control_characters(char: str) -> None:
    with pytest.raises(InvalidTitle):
        clean_title(f"Coffee{char}tea")


@pytest.mark.parametrize(
    "title",
    ["a" * 255, "é" * 127 + "a", "𝄞" * 63 + "abc", "Coffee#" + "x" * 300],
    ids=["ascii", "two-byte", "four-byte", "long-fragment"],
)
def test_clean_title_allows_255_bytes(title: str) -> None:
    assert clean_title(title) == title.split("#")[0]


@pytest.mark.parametrize(
    "title", ["a" * 256, "é" * 128, "𝄞" * 64], ids=["ascii", "two-byte", "four-byte"]
)
def test_clean_title_refuses_more_than_255_bytes(title: str) -> None:
    # The limit is MediaWiki's, in UTF-8 bytes: 128 characters of `é` are too many.
    with pytest.raises(InvalidTitle) as caught:
        clean_title(title)
    assert caught.value.reason == "titles are at most 255 bytes long"
    assert len(str(caught.value)) < 120  # the message shows the start, not the whole title


@pytest.mark.parametrize(
    "title", ["", "   ", "#History", "___", " _ "], ids=["empty", "spaces", "fragment", "_", "mix"]
)
def test_clean_title_refuses_empty_titles(title: str) -> None:
    with pytest.raises(InvalidTitle) as caught:
        clean_title(title)
    assert caught.value.reason == "the title is empty"


@pytest.mark.parametrize("title", ["\ud800", "Half \udfff pair", "A\ud83d"])
def test_clean_title_refuses_a_lone_surrogate_and_says_so_readably(title: str) -> None:
    # JSON can carry "\ud800" alone: no character, and no UTF-8 encoding of it exists.
    with pytest.raises(InvalidTitle) as caught:
        clean_title(title)
    caught.value.title.encode()  # said back to the person: it must be encodable
    assert "?" in caught.value.title


def test_title_spellings_are_the_typed_one_and_its_capitalised_one() -> None:
    assert title_spellings("  alan__turing ") == ("alan turing", "Alan turing")
    assert title_spellings("Alan_Turing") == ("Alan Turing",)
    assert title_spellings("ñandú") == ("ñandú", "Ñandú")
