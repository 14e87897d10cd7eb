"""One client's requests: redirects within the host only, a wiki's own words cut short and
cleaned, plain words for a wiki that cannot be reached, and the politeness slot waited
for (with word to the job) or given up on (for a person waiting); a walk's slot kept
from one request to the next, given back for a retry's wait, after its turn and at its
end."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse
from starlette.routing import Mount, Route

from support import LiveServer, make_settings
from wikivice.settings import Settings
from wikivice.simulator import SimulatorServer
from wikivice.simulator.faults import FaultSpec
from wikivice.wiki import transport
from wikivice.wiki.errors import ApiError, WikiRejected, WikiUnavailable, WikiUnreachable
from wikivice.wiki.politeness import FileSlots, LocalSlots
from wikivice.wiki.pool import WikiClients
from wikivice.wiki.sites import parse_wiki
from wikivice.wiki.transport import MAX_INFO_CHARS, MAX_REDIRECTS


@pytest.fixture
def pool_settings(tmp_path: Path, simulator: SimulatorServer) -> Settings:
    return make_settings(tmp_path, default_wiki=simulator.api_url, max_retries=0)


@pytest.fixture
def wikis(pool_settings: Settings) -> Iterator[WikiClients]:
    wikis = WikiClients(pool_settings)
    yield wikis
    wikis.close()


def test_redirects_within_the_host_are_followed(
    wikis: WikiClients, simulator: SimulatorServer
) -> None:
    # A wiki that moved its api.php on the same host still answers.
    async def moved(request: Request) -> RedirectResponse:
        return RedirectResponse(f"/w/api.php?{request.url.query}", status_code=301)

    app = Starlette(routes=[Route("/old/api.php", moved), Mount("/", app=simulator.sim.app)])
    with LiveServer(app) as here:
        page = wikis.client(parse_wiki(f"{here.url}/old/api.php")).resolve("Coffee")
    assert page.title == "Coffee"
    assert simulator.sim.stats.requests == 1


def test_redirects_to_another_host_are_not_followed(
    wikis: WikiClients, simulator: SimulatorServer
) -> None:
    async def elsewhere(request: Request) -> RedirectResponse:
        return RedirectResponse(f"{simulator.api_url}?{request.url.query}", status_code=302)

    with LiveServer(Starlette(routes=[Route("/w/api.php", elsewhere)])) as old:
        wiki = wikis.client(parse_wiki(f"{old.url}/w/api.php"), sleep=lambda s: None)
        with pytest.raises(WikiRejected, match="redirected the request to another host"):
            wiki.resolve("Coffee")
    assert simulator.sim.stats.requests == 0  # the target never heard of it


def test_endless_redirects_within_the_host_end(wikis: WikiClients) -> None:
    async def again(request: Request) -> RedirectResponse:
        return RedirectResponse(f"/w/api.php?{request.url.query}", status_code=302)

    with LiveServer(Starlette(routes=[Route("/w/api.php", again)])) as loop:
        wiki = wikis.client(parse_wiki(f"{loop.url}/w/api.php"))
        with pytest.raises(WikiRejected, match="redirected the request too many times"):
            wiki.resolve("Coffee")
        assert wiki.requests == 1 and MAX_REDIRECTS >= 1  # one try, its hops not retried


def test_a_wikis_own_error_message_is_cut_short_and_cleaned(wikis: WikiClients) -> None:
    shouting = "<script>alert(1)</script>\x1b[31m" + "A" * 5000

    async def refuse(request: Request) -> JSONResponse:
        return JSONResponse({"error": {"code": "badvalue\n" + "x" * 200, "info": shouting}})

    with LiveServer(Starlette(routes=[Route("/w/api.php", refuse)])) as wiki_server:
        wiki = wikis.client(parse_wiki(f"{wiki_server.url}/w/api.php"))
        with pytest.raises(ApiError) as caught:
            wiki.resolve("Coffee")
    error = caught.value
    assert len(error.info) == MAX_INFO_CHARS and error.info.endswith("…")
    assert "\x1b" not in error.info and "\n" not in error.code and len(error.code) <= 80
    assert len(str(error)) < 500


def test_a_quick_try_at_a_name_that_does_not_resolve_says_so(wikis: WikiClients) -> None:
    started = time.monotonic()
    wiki = wikis.client(parse_wiki("https://nowhere.invalid/w/api.php"), quick=True)
    with pytest.raises(WikiUnreachable, match="cannot reach nowhere.invalid: the name"):
        wiki.resolve("Coffee")
    assert time.monotonic() - started < 2


def test_a_person_waiting_gives_up_on_a_busy_host(
    pool_settings: Settings, simulator: SimulatorServer
) -> None:
    busy = WikiClients(pool_settings.model_copy(update={"lookup_timeout": 1.0}))
    site = parse_wiki(simulator.api_url)
    host = "127.0.0.1"
    held = [busy.slots.take(host, 1) for _ in range(pool_settings.max_concurrent_requests)]
    try:
        started = time.monotonic()
        with pytest.raises(WikiUnavailable, match="busy with other requests of this service"):
            busy.client(site, quick=True).resolve("Coffee")
        assert 0.9 < time.monotonic() - started < 3
        assert simulator.sim.stats.requests == 0
    finally:
        for token in held:
            busy.slots.give(host, str(token))
        busy.close()


def test_a_job_waits_for_a_slot_and_says_so_once(
    wikis: WikiClients, simulator: SimulatorServer, pool_settings: Settings
) -> None:
    host = "127.0.0.1"
    held = [wikis.slots.take(host, 1) for _ in range(pool_settings.max_concurrent_requests)]
    told: list[str] = []

    def free_them(seconds: float) -> None:
        if told and held:
            wikis.slots.give(host, str(held.pop()))  # someone else's request ends

    wiki = wikis.client(parse_wiki(simulator.api_url), on_wait=told.append, sleep=free_them)
    assert wiki.resolve("Coffee").title == "Coffee"
    assert told == [host]
    for token in held:
        wikis.slots.give(host, str(token))


# -- a walk's slot, kept from one request to the next ------------------------------------


class CountedSlots(LocalSlots):
    """The process's slots, counting how often one is taken and given back."""

    def __init__(self, limit: int) -> None:
        super().__init__(limit)
        self.takes = 0
        self.gives = 0

    def take(self, host: str, timeout: float) -> str | None:
        token = super().take(host, timeout)
        self.takes += token is not None
        return token

    def give(self, host: str, token: str) -> None:
        self.gives += 1
        super().give(host, token)


@pytest.fixture
def counted(pool_settings: Settings) -> Iterator[tuple[WikiClients, CountedSlots]]:
    slots = CountedSlots(pool_settings.max_concurrent_requests)
    wikis = WikiClients(pool_settings, slots=slots)
    yield wikis, slots
    wikis.close()


HOST = "127.0.0.1"


def test_a_walk_keeps_one_slot_from_request_to_request(
    counted: tuple[WikiClients, CountedSlots], simulator: SimulatorServer
) -> None:
    wikis, slots = counted
    wiki = wikis.client(parse_wiki(simulator.api_url))
    page = wiki.resolve("Synthetic 2000")
    assert (slots.takes, slots.gives) == (1, 1)  # a request on its own: taken, given back
    held: list[int] = []
    with wiki.keeping_slot():
        for batch in wiki.iter_revisions(page.pageid):
            held.append(slots.in_use(HOST))
            assert batch.revisions
    assert held == [1, 1, 1, 1]  # four requests of 500, one slot throughout
    assert (slots.takes, slots.gives) == (2, 2)  # once for the walk, given back at its end
    assert slots.in_use(HOST) == 0
    assert simulator.sim.stats.requests == 5


def test_a_kept_slot_goes_back_in_line_after_its_turn(
    counted: tuple[WikiClients, CountedSlots],
    simulator: SimulatorServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(transport, "SLOT_TURN", 0.0)  # every request is a new turn
    wikis, slots = counted
    wiki = wikis.client(parse_wiki(simulator.api_url))
    page = wiki.resolve("Synthetic 2000")
    with wiki.keeping_slot():
        assert len(list(wiki.iter_revisions(page.pageid))) == 4
    assert (slots.takes, slots.gives) == (5, 5)


def test_a_walk_waits_for_a_retry_without_its_slot(
    pool_settings: Settings, simulator: SimulatorServer
) -> None:
    slots = CountedSlots(pool_settings.max_concurrent_requests)
    wikis = WikiClients(pool_settings.model_copy(update={"max_retries": 2}), slots=slots)
    held_while_waiting: list[int] = []
    wiki = wikis.client(
        parse_wiki(simulator.api_url),
        sleep=lambda seconds: held_while_waiting.append(slots.in_use(HOST)),
    )
    try:
        page = wiki.resolve("Synthetic 1000")
        simulator.sim.faults = FaultSpec.parse("5xx=1,count=1,retry_after=0")
        with wiki.keeping_slot():
            assert len(list(wiki.iter_revisions(page.pageid))) == 2
        assert held_while_waiting == [0]  # the failed request's slot went back for the wait
        assert slots.in_use(HOST) == 0
    finally:
        wikis.close()


def test_a_kept_slot_is_its_thread_s_own(
    counted: tuple[WikiClients, CountedSlots], simulator: SimulatorServer
) -> None:
    wikis, slots = counted
    wiki = wikis.client(parse_wiki(simulator.api_url))
    page = wiki.resolve("Synthetic 1000")
    other: list[int] = []

    def another_thread() -> None:  # the same client, used alongside (a job's side requests)
        wiki.resolve("Coffee")
        other.append(slots.in_use(HOST))

    with wiki.keeping_slot():
        walk = wiki.iter_revisions(page.pageid)
        next(walk)
        thread = threading.Thread(target=another_thread)
        thread.start()
        thread.join(10)
        assert other == [1]  # its request took a slot of its own and gave it back
        next(walk)
        wiki.give_back_slot()  # the walk waits for something else: the slot goes back
        assert slots.in_use(HOST) == 0
    assert slots.takes == slots.gives == 3


def test_a_walk_lets_a_waiting_request_have_its_slot_at_the_end_of_a_turn(
    tmp_path: Path, simulator: SimulatorServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(transport, "SLOT_TURN", 0.05)
    settings = make_settings(
        tmp_path, default_wiki=simulator.api_url, max_retries=0, max_concurrent_requests=1
    )
    # Slots that a waiter looks for now and then, as in Redis or the database (a
    # semaphore's waiter is woken by the release itself).
    wikis = WikiClients(settings, slots=FileSlots(tmp_path / "slots", 1))
    site = parse_wiki(simulator.api_url)
    simulator.sim.latency = 0.01
    ended: dict[str, float] = {}
    try:
        walker = wikis.client(site)
        page = walker.resolve("Synthetic 10000")

        def walk() -> None:
            with walker.keeping_slot():
                for _ in walker.iter_revisions(page.pageid):
                    ended.setdefault("first batch", time.monotonic())
            ended["walk"] = time.monotonic()

        thread = threading.Thread(target=walk)
        thread.start()
        while "first batch" not in ended:
            time.sleep(0.005)
        wikis.client(site).resolve("Coffee")  # waits for the one slot the walk keeps
        ended["other"] = time.monotonic()
        thread.join(30)
        assert ended["other"] < ended["walk"] - 0.1  # it had a turn, long before the end
    finally:
        wikis.close()


def test_a_kept_slot_goes_back_to_the_slots_that_lent_it(
    tmp_path: Path,
    simulator: SimulatorServer,
    pool_settings: Settings,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # `wikivice fetch` starts a walk on in-process slots; the runtime then hands the
    # process the service's (`jobs.runtime`) while the walk keeps one of the first.
    first = CountedSlots(pool_settings.max_concurrent_requests)
    wikis = WikiClients(pool_settings, slots=first)
    service = FileSlots(tmp_path / "slots", pool_settings.max_concurrent_requests)
    try:
        wiki = wikis.client(parse_wiki(simulator.api_url))
        page = wiki.resolve("Synthetic 2000")
        with wiki.keeping_slot():
            walk = wiki.iter_revisions(page.pageid)
            next(walk)
            wikis.slots = service
            assert (first.in_use(HOST), service.in_use(HOST)) == (1, 0)
            wiki.give_back_slot()  # to the slots it came from
            assert (first.in_use(HOST), first.gives) == (0, 2)
            assert len(list(walk)) == 3  # the rest of the walk on the service's slots
            assert service.in_use(HOST) == 1
        assert service.in_use(HOST) == 0
        assert "could not give back" not in caplog.text
    finally:
        wikis.close()
