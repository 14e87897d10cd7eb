"""What can go wrong talking to a wiki, as exceptions whose `str()` a person can read."""

from __future__ import annotations


class MediaWikiError(Exception):
    """Anything that went wrong talking to a wiki; `str()` is fit to show a user."""


class WikiUnavailable(MediaWikiError):
    """The wiki did not answer usefully within the retry budget."""


class SlotsBusy(WikiUnavailable):
    """Every request this service may have in flight to the host at once (its
    politeness cap) is, and a person waiting gave up before one ended: the wiki was not
    asked, and asking again in a few seconds will likely succeed."""

    def __init__(self, host: str) -> None:
        super().__init__(
            f"{host} is busy with other requests of this service; please try again in a few seconds"
        )
        self.host = host


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


class WikiUnreachable(MediaWikiError):
    """The wiki's host cannot be reached at all (its name does not resolve)."""

    def __init__(self, host: str, reason: str) -> None:
        super().__init__(f"cannot reach {host}: {reason}")
        self.host = host


class AddressRefused(MediaWikiError):
    """The host resolves only to addresses a public server must not connect to."""

    def __init__(self, host: str) -> None:
        super().__init__(f"cannot fetch from {host}: it does not lead to a public address")
        self.host = host


class WikiNotAllowed(MediaWikiError):
    """This server does not fetch from that wiki (`WIKIVICE_ALLOWED_WIKIS`)."""

    def __init__(self, host: str) -> None:
        super().__init__(
            f"this server does not fetch from {host}: the wikis it may fetch are set by "
            "WIKIVICE_ALLOWED_WIKIS"
        )
        self.host = host
