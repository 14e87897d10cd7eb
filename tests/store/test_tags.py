"""store/tags.py: a wiki's tag display names asked once, kept on its row, asked again
after a week, and kept as they were when the wiki cannot say (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from wikivice.settings import Settings
from wikivice.simulator import FaultSpec, SimulatorServer
from wikivice.store.database import Database
from wikivice.store.pages import ensure_wiki
from wikivice.store.tags import TAG_LIST_MAX_AGE, refresh_tag_labels, tag_labels
from wikivice.wiki.client import MediaWiki
from wikivice.wiki.pool import WikiClients
from wikivice.wiki.sites import parse_wiki


@pytest.fixture
def wiki(settings: Settings, simulator: SimulatorServer) -> Iterator[MediaWiki]:
    wikis = WikiClients(settings.model_copy(update={"max_retries": 0}))
    yield wikis.client(parse_wiki(simulator.api_url), sleep=lambda s: None)
    wikis.close()


def test_tag_labels_are_asked_once_and_kept(
    db: Database, wiki: MediaWiki, simulator: SimulatorServer
) -> None:
    with db.write() as conn:
        wiki_id = ensure_wiki(conn, wiki.site)
    with db.read() as conn:
        assert tag_labels(conn, wiki_id) == {}
    labels = refresh_tag_labels(db, wiki, wiki_id, now=1000.0)
    assert labels["mw-manual-revert"] == "Manual revert"
    assert labels["twinkle"] == "Twinkle" and labels["wikieditor"] == "wikieditor"
    assert labels["possible vandalism"] == "Possible vandalism & more"
    asked = simulator.sim.stats.by_module["list=tags"]
    assert refresh_tag_labels(db, wiki, wiki_id, now=1000.0 + TAG_LIST_MAX_AGE - 1) == labels
    assert simulator.sim.stats.by_module["list=tags"] == asked
    with db.read() as conn:
        assert tag_labels(conn, wiki_id) == labels
    refresh_tag_labels(db, wiki, wiki_id, now=1000.0 + TAG_LIST_MAX_AGE + 1)
    assert simulator.sim.stats.by_module["list=tags"] == asked + 1


def test_tag_labels_stay_when_the_wiki_cannot_say(
    db: Database, wiki: MediaWiki, simulator: SimulatorServer
) -> None:
    with db.write() as conn:
        wiki_id = ensure_wiki(conn, wiki.site)
    assert refresh_tag_labels(db, wiki, wiki_id, now=0.0)["mw-undo"] == "Undo"
    simulator.sim.faults = FaultSpec.parse("5xx=1,retry_after=0")
    later = refresh_tag_labels(db, wiki, wiki_id, now=TAG_LIST_MAX_AGE * 2)
    assert later["mw-undo"] == "Undo" and simulator.sim.stats.faults_injected > 0
    simulator.sim.faults = FaultSpec.parse("")
    with db.write() as conn:
        other = ensure_wiki(conn, parse_wiki("de"))
    with db.read() as conn:
        assert tag_labels(conn, other) == {}
