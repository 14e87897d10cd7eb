"""The forms people post: the search boxes and the Analyse, Refresh, Try again and Random
buttons, each a plain `<form method="post">` that works without JavaScript.

Browsers send them as `application/x-www-form-urlencoded`, which the standard library
reads (`urllib.parse`); python-multipart, which FastAPI's `Form()` needs, would be a
dependency for the file uploads we never take.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated
from urllib.parse import parse_qsl

from fastapi import Depends, Request

from wikivice.web.problems import Problem

FORM_TYPE = "application/x-www-form-urlencoded"
MAX_FORM_BYTES = 8 * 1024  # a title (255 bytes) and a wiki URL, percent-encoded
MAX_FIELDS = 8
TITLE_CHARS = 1000  # as the search's query parameters allow
WIKI_CHARS = 500


@dataclass(frozen=True)
class ArticleForm:
    """`wiki` (a key, a language code or an api.php URL; empty: the default wiki) and
    `title` as typed (empty for the Random button)."""

    wiki: str
    title: str


async def read_fields(request: Request) -> dict[str, str]:
    """A posted form's fields (a repeated field: its first value), or a `Problem` (413,
    415, 422) saying what is wrong with it."""
    kind = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if kind != FORM_TYPE:
        raise Problem(415, f"Send the form as {FORM_TYPE}.")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            raise Problem(413, "The form is too large.")
    try:
        pairs = parse_qsl(body.decode(), keep_blank_values=True, max_num_fields=MAX_FIELDS)
    except (UnicodeDecodeError, ValueError):
        raise Problem(422, "The form could not be read.") from None
    fields: dict[str, str] = {}
    for name, value in pairs:
        fields.setdefault(name, value)  # a repeated field: its first value
    return fields


async def read_article_form(request: Request) -> ArticleForm:
    """The posted form, or a `Problem` (413, 415, 422) saying what is wrong with it."""
    fields = await read_fields(request)
    # The home page's "another wiki" field, when filled, wins over its language picker.
    wiki = fields.get("wiki_url", "").strip() or fields.get("wiki", "").strip()
    form = ArticleForm(wiki, fields.get("title", ""))
    for name, value, most in (("wiki", form.wiki, WIKI_CHARS), ("title", form.title, TITLE_CHARS)):
        if len(value) > most:
            kind = "invalid" if name == "title" else "error"
            raise Problem(422, f"{name}: at most {most} characters, please.", [], kind)
    # The error page's "Did you mean" buttons post to the wiki of this form.
    request.state.form_wiki = form.wiki
    return form


ArticleFormDep = Annotated[ArticleForm, Depends(read_article_form)]
