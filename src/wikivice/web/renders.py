"""Renderings kept in memory, and the validators (ETags) that let a browser keep them.

A dashboard of 100,000 revisions takes ~150 ms to build (figures read back, charts
built, templates rendered) and is the same until a batch is stored, the code changes,
or an edit ages out of "the last day" (issue 11, part 6): `Renders` keeps the last few
renderings by `figures.cache.FiguresKey`, in this process (each web process has its own;
they agree, since the key says what the rendering shows). The ETag of an answer is a
digest of everything it shows, so `If-None-Match` answers 304 without rendering at all.
"""

from __future__ import annotations

import gzip
import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Annotated, NamedTuple

from fastapi import Depends, Request, Response

from wikivice.web.compression import takes_gzip

RENDERS_KEPT = 48  # dashboards kept; ~300 kB each at 100,000 revisions, ~15 MB at most
ANSWERS_KEPT = 96  # whole answers kept gzipped, by ETag; ~80 kB each at 100,000 revisions
GZIP_LEVEL = 5  # as the app's GZipMiddleware
NO_CACHE = "no-cache"  # the browser keeps the answer, and asks with its ETag each time
# A group's renderings (a running job's partial dashboards) are made at most once per
# max(GROUP_GAP, GROUP_COST_FACTOR × what the last one cost), as the page's script asks
# for them (progress.js): whoever asks in between gets the last one.
GROUP_GAP = 3.0  # seconds
GROUP_COST_FACTOR = 4
GROUPS_KEPT = 256


class Rendered(NamedTuple):
    html: str
    edits: int  # the revisions it describes


class _Group(NamedTuple):
    lock: threading.Lock  # held while one of the group is rendered
    key: Hashable | None  # the last one rendered
    at: float  # when it was done (time.monotonic())
    cost: float  # seconds it took


class Renders:
    """A small LRU of rendered HTML by key; safe across the server's threads."""

    def __init__(self, kept: int = RENDERS_KEPT, answers: int = ANSWERS_KEPT) -> None:
        self.kept = kept
        self.answers_kept = answers
        self._items: OrderedDict[Hashable, Rendered] = OrderedDict()
        self._answers: OrderedDict[str, bytes] = OrderedDict()
        self._lock = threading.Lock()
        self._groups: OrderedDict[Hashable, _Group] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable) -> Rendered | None:
        with self._lock:
            kept = self._items.get(key)
            if kept is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return kept

    def put(self, key: Hashable, html: str, edits: int) -> None:
        with self._lock:
            self._items[key] = Rendered(html, edits)
            self._items.move_to_end(key)
            while len(self._items) > self.kept:
                self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)

    def throttled(
        self, group: Hashable, key: Hashable, render: Callable[[], Rendered]
    ) -> tuple[Hashable, Rendered]:
        """`key`'s rendering (kept, or `render()` now), unless `group`'s last one is
        recent or being replaced: then that last one, with its own key. So however many
        visitors (or a stranger in a loop) ask, a group costs one rendering at a time and
        at most a quarter of a thread (see GROUP_GAP); only a group's first waits."""
        kept = self.get(key)
        if kept is not None:
            return key, kept
        with self._lock:
            state = self._groups.get(group) or _Group(threading.Lock(), None, 0.0, 0.0)
            self._groups[group] = state
            self._groups.move_to_end(group)
            while len(self._groups) > GROUPS_KEPT:
                self._groups.popitem(last=False)
        last = self.get(state.key) if state.key is not None else None
        recent = time.monotonic() - state.at < max(GROUP_GAP, GROUP_COST_FACTOR * state.cost)
        if last is not None and (recent or not state.lock.acquire(blocking=False)):
            return state.key, last
        if last is None:
            state.lock.acquire()  # the group's first: wait for it, never render it twice
        try:
            with self._lock:
                now = self._groups.get(group, state)
            done = self.get(now.key) if now.key is not None and now.key != state.key else None
            if done is not None:  # rendered while this one waited
                return now.key, done
            started = time.monotonic()
            made = render()
            self.put(key, made.html, made.edits)
            finished = time.monotonic()
            with self._lock:
                self._groups[group] = _Group(state.lock, key, finished, finished - started)
            return key, made
        finally:
            state.lock.release()

    def answer(self, request: Request, tag: str, render: Callable[[], str]) -> Response:
        """The HTML answer tagged `tag` (a digest of every byte of it): a 304 when the
        browser holds it; else, to a client that takes gzip, the compressed bytes kept
        from an earlier answer (compressing ~300 kB is most of a warm answer's time),
        or `render()` compressed now and kept."""
        held = not_modified(request, tag)
        if held is not None:
            return held
        headers = validators(tag)
        if not takes_gzip(request.headers.get("accept-encoding", "")):
            return Response(render(), media_type="text/html", headers=headers)
        with self._lock:
            body = self._answers.get(tag)
            if body is not None:
                self._answers.move_to_end(tag)
        if body is None:
            body = gzip.compress(render().encode(), GZIP_LEVEL)
            with self._lock:
                self._answers[tag] = body
                while len(self._answers) > self.answers_kept:
                    self._answers.popitem(last=False)
        # Already compressed: the GZip middleware passes it on as it is.
        headers.update({"Content-Encoding": "gzip", "Vary": "Accept-Encoding"})
        return Response(body, media_type="text/html", headers=headers)


def get_renders(request: Request) -> Renders:
    renders: Renders = request.app.state.renders
    return renders


RendersDep = Annotated[Renders, Depends(get_renders)]


def etag(*parts: object, weak: bool = False) -> str:
    """An ETag for an answer showing `parts` (strings, numbers, keys: anything whose
    repr says what it is). Weak for JSON whose `now` moves while its meaning stays."""
    digest = hashlib.blake2b(repr(parts).encode(), digest_size=12).hexdigest()
    return f'W/"{digest}"' if weak else f'"{digest}"'


def not_modified(request: Request, tag: str) -> Response | None:
    """A 304 when the browser already holds the answer tagged `tag` (If-None-Match,
    compared weakly as RFC 9110 asks for GET), else None."""
    asked = request.headers.get("if-none-match")
    if not asked:
        return None
    bare = tag.removeprefix("W/")
    held = {t.strip().removeprefix("W/") for t in asked.split(",")}
    if bare in held or "*" in held:
        return Response(status_code=304, headers=validators(tag))
    return None


def validators(tag: str) -> dict[str, str]:
    """The headers of an answer tagged `tag`."""
    return {"ETag": tag, "Cache-Control": NO_CACHE}
