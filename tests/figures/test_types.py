"""The figures' types (figures/types.py) against the figures the code computes: every
shape validates strictly against its TypedDict and serialises back to the same JSON,
byte for byte (same keys, in the same order, same value types), so the types and the
API schema made from them cannot drift from the data."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
import pytest
from pydantic import TypeAdapter, ValidationError
from sqlalchemy import select

from factories import History, epoch, example, war_history
from wikivice.figures import activity, profiles
from wikivice.figures.cache import cached_figures, store_figures
from wikivice.figures.page import page_figures
from wikivice.figures.profiles import EditorProfile
from wikivice.figures.types import EditRow, Incident, PageFigures
from wikivice.store.database import Database
from wikivice.store.models import PageStats, Wiki

NOW = epoch("2021-06-01T12:00:00Z")


def assert_shape(shape: Any, value: Any) -> None:
    """`value` is a `shape`: strict validation passes, and nothing is lost, added,
    converted or reordered on the way back to JSON."""
    adapter = TypeAdapter(shape)
    checked = adapter.validate_python(value, strict=True)
    assert orjson.dumps(adapter.dump_python(checked, mode="json")) == orjson.dumps(value)


def stub() -> History:
    h = History("Stub")
    h.edit("Alice", "2020-01-01T00:00:00Z", 42)
    return h


def hidden_only() -> History:
    h = History("Hidden")
    h.edit(None, "2020-01-01T00:00:00Z", 10)
    h.edit(None, "2020-01-02T00:00:00Z", 20)
    return h


HISTORIES: dict[str, Callable[[], History]] = {
    "example": example,
    "wars": war_history,
    "empty": lambda: History("Empty"),
    "one revision": stub,
    "hidden users only": hidden_only,
}


@pytest.mark.parametrize("name", list(HISTORIES))
def test_page_figures_are_page_figures_key_for_key(db: Database, name: str) -> None:
    page_id = HISTORIES[name]().store(db)
    with db.read() as conn:
        assert_shape(PageFigures, page_figures(conn, page_id, NOW))


def test_cached_figures_are_page_figures_key_for_key(db: Database) -> None:
    page_id = war_history().store(db)
    store_figures(db, page_id, NOW)
    with db.read() as conn:
        stored = conn.execute(select(PageStats.data)).scalar_one()
        cached = cached_figures(conn, page_id, NOW)
    adapter = TypeAdapter(PageFigures)
    checked = adapter.validate_json(stored, strict=True)  # kinds are strings in JSON
    assert orjson.dumps(adapter.dump_python(checked, mode="json")) == stored.encode()
    assert cached is not None
    assert adapter.validate_json(orjson.dumps(cached), strict=True) == checked


def test_activity_rows_are_edit_rows_and_incidents(db: Database) -> None:
    history = example()
    history.edit("Mallory", "2021-07-01T00:00:00Z", 0, tags=("mw-blank",), hidden=2)
    page_id = history.store(db)
    with db.read() as conn:
        edits = activity.latest_edits(conn, page_id)
        incident = activity.latest_incident(conn, page_id)
        revision = activity.stored_revision(conn, page_id, edits[-1]["revid"])
    assert len(edits) == 11 and incident is not None
    assert_shape(list[EditRow], edits)
    assert_shape(Incident, incident)
    assert_shape(EditRow, revision)


def test_editor_profile_is_an_editor_profile(db: Database) -> None:
    example().store(db)
    with db.read() as conn:
        wiki_id = conn.execute(select(Wiki.id)).scalar_one()
        profile = profiles.editor_profile(conn, wiki_id, "Alice")
    assert_shape(EditorProfile, profile)


def test_the_shape_check_catches_drift(db: Database) -> None:
    page_id = example().store(db)
    with db.read() as conn:
        figures: dict[str, Any] = dict(page_figures(conn, page_id, NOW))
    with pytest.raises(AssertionError):  # a key the type does not know
        assert_shape(PageFigures, {**figures, "extra": 1})
    with pytest.raises(AssertionError):  # an int where the type says float
        assert_shape(PageFigures, {**figures, "gini": 1})
    with pytest.raises(AssertionError):  # the same keys in another order
        assert_shape(PageFigures, dict(reversed(figures.items())))
    with pytest.raises(ValidationError):  # a key missing
        assert_shape(PageFigures, {k: v for k, v in figures.items() if k != "edits"})
    adapter = TypeAdapter(PageFigures)
    adapter.validate_json(orjson.dumps(figures), strict=True)
    with pytest.raises(ValidationError):  # a kind that is no EditorKind
        first = {**figures["first_edit"], "kind": "robot"}
        adapter.validate_json(orjson.dumps({**figures, "first_edit": first}), strict=True)
