"""What MediaWiki writes as markup, read into plain parts: an edit summary's section
comment and wikilinks (as MediaWiki's Linker::formatComment shows them), and the HTML of
a tag's display name as text.

Summaries are written by anyone, so nothing here makes HTML: `summary_parts` returns
text and, for a link, an address on the wiki built by `WikiSite.page_url` (the target
percent-encoded into the wiki's article path), so no summary can make a `javascript:`
link, leave the wiki's host, or add markup. Pages build the parts as text
(autoescaped templates, `textContent`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import quote

from wikivice.wiki.sites import WikiSite

# `/* Section */`: the section an edit was made in (MediaWiki's autocomment).
_SECTION = re.compile(r"/\*\s*(.*?)\s*\*/")
# `[[Target]]`, `[[Target|label]]`, `[[:Category:X]]`: no brackets or pipes in the target.
_LINK = re.compile(r"\[\[([^\[\]|]*)(?:\|([^\[\]]*))?\]\]")
# What no MediaWiki title holds (Title::legalChars leaves these out), control characters.
_NOT_IN_TITLES = re.compile(r"[<>\[\]{}|\x00-\x1f\x7f\ufffd]")
MAX_TEXT_CHARS = 200  # of a tag's display name as text


@dataclass(frozen=True)
class SummaryPart:
    """A piece of a summary: plain `text`, or a link to `href` on the wiki (`section`:
    the section the edit was made in, shown as "→Section:")."""

    text: str
    href: str | None = None
    section: bool = False


def summary_parts(comment: str, site: WikiSite, title: str) -> list[SummaryPart]:
    """`comment` (an edit summary of the page `title` on `site`) as parts."""
    parts: list[SummaryPart] = []
    at = 0
    for match in _SECTION.finditer(comment):
        parts += _links(comment[at : match.start()], site, title)
        name = match.group(1)
        after = comment[match.end() :].strip()
        shown = f"→{name}" + (":" if after else "")
        parts.append(SummaryPart(shown, _anchor(site, title, name) if name else None, True))
        if after and not comment[match.end() :].startswith(" "):
            parts.append(SummaryPart(" "))
        at = match.end()
    parts += _links(comment[at:], site, title)
    return _merged(parts)


def _links(text: str, site: WikiSite, title: str) -> list[SummaryPart]:
    parts: list[SummaryPart] = []
    at = 0
    for match in _LINK.finditer(text):
        href = _target(site, title, match.group(1))
        if href is None:
            continue  # not a title: left as the text it is
        parts.append(SummaryPart(text[at : match.start()]))
        label = match.group(2)
        if not label:  # `[[Target]]`, and the pipe trick `[[Target|]]` as MediaWiki saves it
            label = match.group(1).strip().lstrip(":")
        parts.append(SummaryPart(label, href))
        at = match.end()
    parts.append(SummaryPart(text[at:]))
    return parts


def _target(site: WikiSite, title: str, target: str) -> str | None:
    """The address of a link's target on the wiki, or None if it names no page."""
    target = target.strip()
    if target.startswith(":"):  # `[[:Category:X]]` links to the category itself
        target = target[1:].strip()
    name, _, fragment = target.partition("#")
    name = " ".join(name.replace("_", " ").split())
    if _NOT_IN_TITLES.search(name) or _NOT_IN_TITLES.search(fragment):
        return None
    if not name and not fragment:
        return None
    if not name:  # `[[#Section]]`: a section of this page
        return _anchor(site, title, fragment)
    href = site.page_url(name)
    return href + "#" + _fragment(fragment) if fragment else href


def _anchor(site: WikiSite, title: str, section: str) -> str:
    return site.page_url(title) + "#" + _fragment(section)


def _fragment(section: str) -> str:
    # MediaWiki's HTML5 anchors: spaces as underscores, the rest as it is (encoded here).
    return quote(" ".join(section.split()).replace(" ", "_"), safe="/:(),'!*.-~")


def _merged(parts: list[SummaryPart]) -> list[SummaryPart]:
    """Neighbouring plain parts as one, empty ones dropped."""
    merged: list[SummaryPart] = []
    for part in parts:
        if not part.text:
            continue
        if merged and part.href is None and not part.section:
            last = merged[-1]
            if last.href is None and not last.section:
                merged[-1] = SummaryPart(last.text + part.text)
                continue
        merged.append(part)
    return merged


def html_text(html: str, most: int = MAX_TEXT_CHARS) -> str:
    """The text of an HTML fragment (a tag's display name, which MediaWiki renders from
    a message and may wrap in links or spans): tags dropped, entities decoded, runs of
    white space as one space, cut to `most` characters."""
    parser = _TextParser()
    parser.feed(html)
    parser.close()
    text = " ".join("".join(parser.text).split())
    return text[:most]


class _TextParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skipping += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skipping = max(0, self._skipping - 1)

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.text.append(data)
