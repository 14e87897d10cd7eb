"""What can go wrong talking to a wiki, as exceptions whose `str()` a person can read."""

from __future__ import annotations


class MediaWikiError(Exception):
    """Anything that went wrong talking to a wiki; `str()` is fit to show a user."""


class WikiUnavailable(MediaWikiError):
    """The wiki did not answer usefully within the retry budget."""


class WikiRejected(MediaWikiError):
    """The wiki refused the request (HTTP 4xx other than 429): retrying will not help."""


class ApiError(MediaWikiError):
    def __init__(self, code: str, info: str) -> None:
        super().__init__(f"the wiki answered with an error: {info} ({code})")
        self.code = code
        self.info = info


class PageMissing(MediaWikiError):
    """The wiki (`wiki`, its key) has no such page; `suggestions` are titles it offers."""

    def __init__(self, title: str, suggestions: list[str], wiki: str = "") -> None:
        super().__init__(f"there is no article called {title!r}")
        self.title = title
        self.suggestions = suggestions
        self.wiki = wiki


class InvalidTitle(MediaWikiError):
    def __init__(self, title: str, reason: str) -> None:
        super().__init__(f"{title!r} is not a valid title: {reason}")
        self.title = title
        self.reason = reason
