"""Titles as people type them: cleaned, and refused when no wiki would accept them."""

from __future__ import annotations

from wikivice.wiki.errors import InvalidTitle

# Characters MediaWiki never allows in a title; `|` would also split `titles=` in two.
ILLEGAL_TITLE_CHARS = set("<>[]{}|")


def clean_title(title: str) -> str:
    """What a user typed, minus a `#fragment`; rejects what no wiki accepts."""
    title = title.split("#", 1)[0].replace("_", " ").strip()
    if not title:
        raise InvalidTitle(title, "the title is empty")
    bad = sorted({c for c in title if c in ILLEGAL_TITLE_CHARS or ord(c) < 32 or c == "\x7f"})
    if bad:
        shown = " ".join(repr(c) for c in bad)
        raise InvalidTitle(title, f"titles cannot contain {shown}")
    if len(title.encode()) > 255:
        raise InvalidTitle(title[:40] + "…", "titles are at most 255 bytes long")
    return title
