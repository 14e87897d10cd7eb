"""Revision text, diffs and lead extracts for simulated pages.

Text is a pure function of (title, seed, content key, size, kind): each line has a
version that changes every 8..4096 edits (its own period), so consecutive revisions
share almost every line and `action=compare` shows small, realistic diffs; a revert
restores the same key and size, hence the very same text. The text is cut or padded
to exactly `size` UTF-8 bytes, so `size` matches `len(content.encode())` as on
MediaWiki. (The `sha1` field is a hash of the content identity, not of this text:
hashing 100 kB per revision would make paging through a million revisions slow.)

`diff_rows` renders MediaWiki's diff table rows (wikidiff2 markup: `diff-lineno`,
`diff-deletedline`, `diff-addedline`, `diff-context`, inline `<del>`/`<ins>` with
`diffchange diffchange-inline`), escaping `&`, `<` and `>` as wikidiff2 does.
"""

from __future__ import annotations

import difflib
import html
import random
import re
from functools import lru_cache

from .editors import SECTIONS, mix

__all__ = ["JUNK", "NORMAL", "REDIRECT", "diff_rows", "lead", "redirect_text", "wikitext"]

NORMAL, JUNK, REDIRECT = 0, 1, 2

_WORDS = (
    "the of and in to a is was for on as by with from that at his her its which were "
    "first early later during after century history modern world state city river "
    "university research published known work used found major period national "
    "development public region language system second between several became form "
    "including style culture population popular origin area common million based "
    "described known large number various role important company according series "
    "members century international water traditional significant early study"
).split()
_JUNK = ("lol ", "poop ", "HAHAHAHA ", "hi mom ", "u suck ", "<3 ")


def redirect_text(target: str) -> str:
    return f"#REDIRECT [[{target}]]\n\n{{{{Rcat shell|{{{{R from alternative name}}}}}}}}"


def wikitext(title: str, seed: int, key: int, size: int, kind: int) -> str:
    """The text of a revision whose content identity is (key, size, kind)."""
    if size <= 0:
        return ""
    if kind == JUNK:
        word = _JUNK[key % len(_JUNK)]
        return _fit(word * (size // len(word) + 1), size)
    parts: list[str] = []
    total, j = 0, 0
    while total < size:
        line = _line(title, seed, j, key)
        parts.append(line)
        total += len(line.encode()) + 1
        j += 1
    return _fit("\n".join(parts), size)


def _fit(text: str, size: int) -> str:
    data = text.encode()
    cut = data[:size].decode("utf-8", "ignore")  # never split a character
    return cut + "." * (size - len(cut.encode()))


def _line(title: str, seed: int, j: int, key: int) -> str:
    h = mix(seed, "line", j)
    shift = 3 + h % 10  # this line changes every 2**shift edits
    version = 0 if j % 9 == 3 else (key + (h >> 8) % (1 << shift)) >> shift
    return _line_text(title, seed, j, version)


@lru_cache(maxsize=16384)
def _line_text(title: str, seed: int, j: int, version: int) -> str:
    rng = random.Random(mix(seed, j, version))
    if j == 0:
        return f"{{{{Short description|Article about {title}}}}}"
    if j == 1:
        return "{{Use dmy dates|date=March 2024}}"
    if j == 2:
        return f"'''{title}''' is " + _sentence(rng) + " " + _sentence(rng)
    if j % 9 == 3:
        return f"== {SECTIONS[(seed + j) % len(SECTIONS)]} =="
    sentences = [_sentence(rng) for _ in range(rng.randint(2, 4))]
    if rng.random() < 0.5:
        n = rng.randint(1, 999)
        sentences.append(
            f'<ref name="src{n}">{{{{cite web |url=https://example.org/{n}?a=1&b=2 '
            f'|title="{rng.choice(_WORDS).title()}" & more |access-date=1 May 2024}}}}</ref>'
        )
    return " ".join(sentences)


def _sentence(rng: random.Random, links: bool = True) -> str:
    words = [rng.choice(_WORDS) for _ in range(rng.randint(8, 20))]
    words[0] = words[0].capitalize()
    if links:
        link = rng.randrange(len(words))
        words[link] = f"[[{words[link]}]]"
    return " ".join(words) + "."


def lead(title: str, seed: int, *, plain: bool) -> str:
    """The article's lead, as TextExtracts gives it (`explaintext` or HTML)."""
    rng = random.Random(mix(seed, "lead"))
    sentences = [f"{title} is {_sentence(rng, links=False).lower()}"]
    sentences += [_sentence(rng, links=False) for _ in range(3)]
    if mix(seed, "hostile-lead") % 3 == 0:  # some leads quote vandalised markup
        sentences.append('It is sometimes mis-spelt as "<script>alert(1)</script>" & <b>so</b>.')
    text = " ".join(sentences)
    if plain:
        return text
    return (
        f'<p class="mw-empty-elt"></p>\n<p><b>{html.escape(title)}</b>'
        + html.escape(text[len(title) :], quote=False)
        + "</p>"
    )


# --- diffs ------------------------------------------------------------------------
_TOKEN = re.compile(r"\w+|\s+|[^\w\s]")
_DEL = '<del class="diffchange diffchange-inline">'
_INS = '<ins class="diffchange diffchange-inline">'


def _esc(text: str) -> str:
    return html.escape(text, quote=False)


def _cell(text: str) -> str:
    return f"<div>{text}</div>" if text else "<br />"


def _inline(old: str, new: str) -> tuple[str, str]:
    a, b = _TOKEN.findall(old), _TOKEN.findall(new)
    left: list[str] = []
    right: list[str] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        x, y = _esc("".join(a[i1:i2])), _esc("".join(b[j1:j2]))
        if tag == "equal":
            left.append(x)
            right.append(y)
            continue
        if x:
            left.append(f"{_DEL}{x}</del>")
        if y:
            right.append(f"{_INS}{y}</ins>")
    return "".join(left), "".join(right)


def _row(cells: str) -> str:
    return f"<tr>\n{cells}</tr>\n"


def _deleted(text: str) -> str:
    return (
        '  <td class="diff-marker" data-marker="\u2212"></td>\n'
        f'  <td class="diff-deletedline diff-side-deleted">{_cell(text)}</td>\n'
    )


def _added(text: str) -> str:
    return (
        '  <td class="diff-marker" data-marker="+"></td>\n'
        f'  <td class="diff-addedline diff-side-added">{_cell(text)}</td>\n'
    )


def diff_rows(old: str, new: str, context: int = 2) -> str:
    """The `<tr>` rows of MediaWiki's diff table between two texts."""
    a, b = old.split("\n") if old else [], new.split("\n") if new else []
    out: list[str] = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for group in matcher.get_grouped_opcodes(context):
        _tag, i1, _i2, j1, _j2 = group[0]
        out.append(
            _row(
                f'  <td colspan="2" class="diff-lineno">Line {i1 + 1}:</td>\n'
                f'  <td colspan="2" class="diff-lineno">Line {j1 + 1}:</td>\n'
            )
        )
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                for line in a[i1:i2]:
                    cell = _cell(_esc(line))
                    out.append(
                        _row(
                            '  <td class="diff-marker"></td>\n'
                            f'  <td class="diff-context diff-side-deleted">{cell}</td>\n'
                            '  <td class="diff-marker"></td>\n'
                            f'  <td class="diff-context diff-side-added">{cell}</td>\n'
                        )
                    )
                continue
            olds, news = a[i1:i2], b[j1:j2]
            for n in range(max(len(olds), len(news))):
                if n < len(olds) and n < len(news):
                    left, right = _inline(olds[n], news[n])
                    out.append(_row(_deleted(left) + _added(right)))
                elif n < len(olds):
                    empty = '  <td colspan="2" class="diff-empty diff-side-added"></td>\n'
                    out.append(_row(_deleted(_esc(olds[n])) + empty))
                else:
                    empty = '  <td colspan="2" class="diff-empty diff-side-deleted"></td>\n'
                    out.append(_row(empty + _added(_esc(news[n]))))
    return "".join(out)
