"""The simulator's list=tags (simulator/lists.py), as MediaWiki's ApiQueryTags answers
it; and action=compare across a revision whose text is hidden, as the diff route meets it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from wikivice.simulator import Simulator, SimulatorServer
from wikivice.simulator.lists import TAG_DISPLAY_NAMES

ANCHOR = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def server() -> Iterator[SimulatorServer]:
    with SimulatorServer(Simulator(anchor=ANCHOR)) as running:
        yield running


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    with httpx.Client(headers={"User-Agent": "wikivice-tests/1 (t@example.org)"}, timeout=30) as h:
        yield h


def api(client: httpx.Client, server: SimulatorServer, **params: str) -> Any:
    response = client.get(server.api_url, params={"format": "json", "formatversion": "2", **params})
    assert response.status_code == 200, response.text
    return response.json()


def test_tags_list_every_tag_the_histories_carry_with_display_names(
    client: httpx.Client, server: SimulatorServer
) -> None:
    data = api(client, server, action="query", list="tags", tgprop="displayname", tglimit="max")
    tags = {t["name"]: t["displayname"] for t in data["query"]["tags"]}
    assert tags["mw-manual-revert"] == "Manual revert"
    assert tags["mw-rollback"] == "Rollback" and tags["mw-undo"] == "Undo"
    assert tags["wikieditor"] is False  # a hidden tag's message is "-"
    assert "<a " in tags["twinkle"]  # HTML, as MediaWiki renders the message
    history = server.sim.history("Synthetic 5000")
    assert history is not None
    carried = {tag for row in history.rows(0, history.count) for tag in row["tags"]}
    assert carried <= set(tags) and "continue" not in data


def test_tags_continue_by_name_and_give_only_the_props_asked(
    client: httpx.Client, server: SimulatorServer
) -> None:
    seen: list[str] = []
    cont: dict[str, str] = {}
    for _ in range(10):
        data = api(client, server, action="query", list="tags", tglimit="5", **cont)
        page = data["query"]["tags"]
        assert len(page) <= 5 and all(set(t) == {"name"} for t in page)
        seen += [t["name"] for t in page]
        if "continue" not in data:
            break
        cont = {"tgcontinue": data["continue"]["tgcontinue"]}
    assert seen == sorted(TAG_DISPLAY_NAMES)
    full = api(client, server, action="query", list="tags", tgprop="source|hitcount|active",
               tglimit="1")["query"]["tags"][0]  # fmt: skip
    assert set(full) == {"name", "source", "hitcount", "active"}


def test_compare_after_a_hidden_text_is_missingcontent_of_the_parent(
    client: httpx.Client, server: SimulatorServer
) -> None:
    history = server.sim.history("Synthetic 700")
    assert history is not None
    rows = history.rows(0, history.count)
    hidden = next(i for i, row in enumerate(rows) if "sha1hidden" in row)
    after = rows[hidden + 1]["revid"]
    data = api(
        client, server, action="compare", fromrev=str(after), torelative="prev", prop="diff|ids"
    )
    assert data["error"]["code"] == "missingcontent"
    assert str(rows[hidden]["revid"]) in data["error"]["info"]
