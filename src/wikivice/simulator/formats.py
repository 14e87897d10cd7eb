"""api.php output formats: formatversion=1 (MediaWiki's default) and 2, as JSON bytes.

MediaWiki builds one result and transforms it for the format asked for
(ApiResult::applyTransformations); formatversion=1 adds the backwards-compatible ("BC")
transform. The simulator's handlers build the formatversion=2 value and `downgrade()`
applies that transform to it:
- booleans: true becomes "" and false disappears (none of the simulated fields is in a
  module's META_BC_BOOLS list, the only booleans the transform keeps);
- content values move to the key "*" (ApiResult::META_CONTENT): namespace names,
  `content` of revisions and of slots, compare's `body`, warning texts and an error's
  `docref`; `help` becomes a sub-element `{"*": html}` (META_BC_SUBELEMENTS);
- `query.pages` is the one shape the transform cannot rebuild (v2: a list; v1: an object
  keyed by page id, fake ids -1, -2... for missing, invalid and special titles), so
  `api.query` asks the page set (ApiPageSet) for it directly.

`encode()` writes JSON like ApiFormatJson: formatversion=1 escapes every non-ASCII
character as \\uXXXX (a surrogate pair beyond the BMP) unless `utf8` is given;
formatversion=2 writes UTF-8 unless `ascii` is given. Neither escapes `/`, `<` or `&`.
"""

from __future__ import annotations

import codecs
from typing import Any

import orjson

__all__ = ["VERSIONS", "downgrade", "encode", "version"]

VERSIONS = {"1": 1, "2": 2, "latest": 2}  # ApiFormatJson's formatversion values


def _json_escape(error: UnicodeError) -> tuple[str, int]:
    """A codec error handler: each non-ASCII character as PHP's json_encode writes it,
    \\u and four lowercase hex digits, two UTF-16 surrogates beyond the BMP."""
    assert isinstance(error, UnicodeEncodeError)
    units = error.object[error.start : error.end].encode("utf-16-be").hex()
    return "".join("\\u" + units[i : i + 4] for i in range(0, len(units), 4)), error.end


# Encoding with an error handler runs at C speed and calls back only for non-ASCII runs
# (a regex substitution over the whole body cost three times as much).
_ESCAPE = "wikivice-json-escape"
codecs.register_error(_ESCAPE, _json_escape)


def version(params: dict[str, str]) -> int:
    """The formatversion asked for: 1 by default, and for a value MediaWiki refuses
    (its error printer falls back to the defaults)."""
    return VERSIONS.get(params.get("formatversion", "1"), 1)


def encode(value: Any, params: dict[str, str]) -> bytes:
    """`value` (formatversion=2 shapes) as the JSON body the request asked for."""
    legacy = version(params) == 1
    if legacy:
        value = downgrade(value)
    body = orjson.dumps(value)
    escape = "utf8" not in params if legacy else "ascii" in params
    if escape and not body.isascii():
        body = body.decode().encode("ascii", _ESCAPE)
    return body


def downgrade(value: Any) -> Any:
    """The formatversion=1 form of a formatversion=2 answer (a new object: the input,
    which may hold the history's shared rows, is left alone)."""
    out = _bc(value)
    if type(out) is not dict:
        return out  # opensearch: the same four arrays in both versions
    for module in (out.get("warnings") or {}).values():
        _star(module, "warnings")
    if isinstance(out.get("error"), dict):
        _star(out["error"], "docref")
    query = out.get("query")
    if isinstance(query, dict):
        for namespace in (query.get("namespaces") or {}).values():
            _star(namespace, "name")
        pages = query.get("pages")
        for page in pages.values() if isinstance(pages, dict) else ():
            for revision in page.get("revisions", ()):
                _star(revision, "content")
                for slot in (revision.get("slots") or {}).values():
                    _star(slot, "content")
    if isinstance(out.get("compare"), dict):
        _star(out["compare"], "body")
    helped = out.get("help")
    if isinstance(helped, dict) and "help" in helped:
        helped["help"] = {"*": helped["help"]}
    return out


def _bc(value: Any) -> Any:
    """The boolean transform, on a new copy of every dict and list."""
    if type(value) is dict:
        return {
            k: "" if v is True else _nested(k, v) if type(v) in _NESTED else v
            for k, v in value.items()
            if v is not False
        }
    if type(value) is list:
        return ["" if v is True else _bc(v) for v in value if v is not False]
    return value


_NESTED = (dict, list)


def _nested(key: str, value: Any) -> Any:
    return _rows(value) if key == "revisions" and type(value) is list else _bc(value)


def _rows(revisions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The bulk of a history walk, four times faster than the generic walk: a revision's
    only list is `tags` (strings, shared as they are) and its only dict is `slots`."""
    return [
        {
            k: "" if v is True else _bc(v) if type(v) is dict else v
            for k, v in row.items()
            if v is not False
        }
        for row in revisions
    ]


def _star(entry: dict[str, Any], key: str) -> None:
    """ApiResult's BC transform: the content value moves, last, to "*"."""
    if key in entry:
        entry["*"] = entry.pop(key)
