"""What can go wrong talking to a wiki: the messages a person reads (`str()`), the facts
a caller acts on (suggestions, reasons, API codes), and one family to catch them all."""

from __future__ import annotations

import pytest

from wikivice.wiki.errors import (
    ApiError,
    InvalidTitle,
    MediaWikiError,
    PageMissing,
    WikiRejected,
    WikiUnavailable,
)

EVERY_ERROR = [
    WikiUnavailable("en.wikipedia.org did not answer usefully after 7 tries (last: HTTP 503)"),
    WikiRejected("en.wikipedia.org refused the request (HTTP 403)"),
    ApiError("badvalue", 'Unrecognized value for parameter "prop": foo.'),
    PageMissing("Coffe", ["Coffee", "Coffea"]),
    InvalidTitle("A|B", "titles cannot contain '|'"),
]


def test_page_missing_message_names_the_article() -> None:
    error = PageMissing("Coffe", ["Coffee", "Coffea"])
    assert str(error) == "there is no article called 'Coffe'"
    assert error.title == "Coffe"


def test_page_missing_suggestions_are_kept_in_order() -> None:
    assert PageMissing("Coffe", ["Coffee", "Coffea"]).suggestions == ["Coffee", "Coffea"]
    assert PageMissing("Zzzz", []).suggestions == []


def test_invalid_title_message_gives_the_reason() -> None:
    error = InvalidTitle("A|B", "titles cannot contain '|'")
    assert str(error) == "'A|B' is not a valid title: titles cannot contain '|'"
    assert error.title == "A|B"
    assert error.reason == "titles cannot contain '|'"


def test_api_error_message_shows_the_info_then_the_code() -> None:
    error = ApiError("readonly", "The wiki is currently in read-only mode.")
    assert str(error) == (
        "the wiki answered with an error: The wiki is currently in read-only mode. (readonly)"
    )
    assert error.code == "readonly"
    assert error.info == "The wiki is currently in read-only mode."


@pytest.mark.parametrize("cls", [WikiUnavailable, WikiRejected])
def test_transport_errors_message_is_the_text_given(cls: type[MediaWikiError]) -> None:
    assert str(cls("en.wikipedia.org refused the request (HTTP 403)")) == (
        "en.wikipedia.org refused the request (HTTP 403)"
    )


@pytest.mark.parametrize(
    "error",
    [
        PageMissing("Line\nbreak <script>", []),
        InvalidTitle("Tab\there\r\n", "titles cannot contain '\\t'"),
    ],
    ids=["missing", "invalid"],
)
def test_messages_quote_the_title_on_one_line_whatever_it_holds(error: MediaWikiError) -> None:
    # Strangers type the titles: quoted, a newline cannot start a line of its own in a
    # log or a page, and the title stays visibly delimited.
    message = str(error)
    assert "\n" not in message and "\r" not in message and "\t" not in message
    assert "'" in message or '"' in message


@pytest.mark.parametrize("error", EVERY_ERROR, ids=lambda e: type(e).__name__)
def test_every_error_is_a_mediawiki_error(error: MediaWikiError) -> None:
    assert isinstance(error, MediaWikiError)
    with pytest.raises(MediaWikiError) as caught:
        raise error
    assert caught.value is error


@pytest.mark.parametrize("error", EVERY_ERROR, ids=lambda e: type(e).__name__)
def test_every_error_message_is_a_sentence_not_a_class_name(error: MediaWikiError) -> None:
    message = str(error)
    assert message and message == message.strip()
    assert type(error).__name__ not in message


def test_mediawiki_error_is_an_ordinary_exception() -> None:
    # `except Exception` in the runner and the web layer must see every one of them.
    assert issubclass(MediaWikiError, Exception)
