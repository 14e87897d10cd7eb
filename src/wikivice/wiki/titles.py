"""Titles and user names as people type them: cleaned, and titles refused when no wiki
would accept them."""

from __future__ import annotations

from wikivice.wiki.errors import InvalidTitle

# Characters MediaWiki never allows in a title; `|` would also split `titles=` in two.
ILLEGAL_TITLE_CHARS = set("<>[]{}|")
MAX_TITLE_BYTES = 255  # MediaWiki's limit, in UTF-8


def clean_title(title: str) -> str:
    """What a user typed, minus a `#fragment`; rejects what no wiki accepts."""
    title = title.split("#", 1)[0].replace("_", " ").strip()
    if not title:
        raise InvalidTitle(title, "the title is empty")
    bad = sorted({c for c in title if c in ILLEGAL_TITLE_CHARS or not_text(c)})
    if bad:
        shown = " ".join(repr(c) for c in bad)
        # Said back to the person: what cannot be encoded becomes "?".
        readable = title.encode("utf-8", "replace").decode()
        raise InvalidTitle(readable, f"titles cannot contain {shown}")
    if len(title.encode()) > MAX_TITLE_BYTES:
        raise InvalidTitle(title[:40] + "…", f"titles are at most {MAX_TITLE_BYTES} bytes long")
    return title


def user_name(name: str) -> str:
    """A user name as MediaWiki reads it: user names are titles in the User namespace,
    so an underscore is a space, and runs of spaces are one, none at either end."""
    return " ".join(name.replace("_", " ").split())


def title_spellings(title: str) -> tuple[str, ...]:
    """The titles MediaWiki may have meant by `title`: spaced as a user name is
    (`user_name`), with its first letter as typed and capitalised (most wikis capitalise
    it)."""
    spelled = user_name(title)
    return tuple(dict.fromkeys((spelled, spelled[:1].upper() + spelled[1:])))


def not_text(char: str) -> bool:
    """A control character, or half of a UTF-16 surrogate pair (JSON can carry one
    alone; it is no character, UTF-8 cannot encode it and PostgreSQL would refuse it)."""
    code = ord(char)
    return code < 32 or code == 0x7F or 0xD800 <= code <= 0xDFFF
