"""Turning what went wrong into a status code and words for a person."""

from __future__ import annotations

from dataclasses import dataclass, field

from wikivice.wiki.errors import (
    ApiError,
    InvalidTitle,
    MediaWikiError,
    PageMissing,
    WikiRejected,
    WikiUnavailable,
)


@dataclass
class Problem(Exception):
    """An error answer: JSON for the API (`ErrorOut`), a page for people."""

    status: int
    detail: str
    suggestions: list[str] = field(default_factory=list)
    kind: str = "error"  # missing | invalid | wiki | error


def problem_from(exc: MediaWikiError) -> Problem:
    """What a person is told when a wiki could not give what the request needed (the
    app's one handler of `MediaWikiError`: routes let it propagate)."""
    if isinstance(exc, PageMissing):
        return Problem(
            404, f"{exc.wiki} has no article called “{exc.title}”.", exc.suggestions, "missing"
        )
    if isinstance(exc, InvalidTitle):
        return Problem(422, f"“{exc.title}” is not a valid title: {exc.reason}", [], "invalid")
    if isinstance(exc, WikiUnavailable | WikiRejected | ApiError):
        return Problem(502, f"The wiki could not answer: {exc}", [], "wiki")
    return Problem(502, str(exc), [], "wiki")
