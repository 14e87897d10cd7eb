"""Server-side request forgery, tried as an attacker would: for every way of naming an
internal address, a listener on 127.0.0.1 must receive no connection at all, and the
person asking gets a clear 4xx (never the internal service's words, never a 500)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.routing import Route

from support import Listener, LiveServer
from wikivice.settings import Settings
from wikivice.simulator import SimulatorServer
from wikivice.web.app import create_app


@pytest.fixture
def listener() -> Iterator[Listener]:
    """The internal service an attacker wants to reach."""
    found = Listener()
    yield found
    found.close()


@pytest.fixture
def redirector(listener: Listener) -> Iterator[LiveServer]:
    """A wiki the operator allowed that sends its visitors to the internal service."""

    async def away(request: Request) -> RedirectResponse:
        return RedirectResponse(f"http://127.0.0.1:{listener.port}/x/api.php", status_code=302)

    with LiveServer(Starlette(routes=[Route("/w/api.php", away)])) as server:
        yield server


@pytest.fixture
def app_client(
    wiki_settings: Settings, redirector: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> Iterator[httpx.Client]:
    # Allowed: the simulator (the default wiki), the redirecting wiki (named exactly,
    # so it may be local), and any `*.rebind.test` host (a wildcard: public addresses only).
    settings = wiki_settings.model_copy(
        update={"allowed_wikis": f"*.wikipedia.org,127.0.0.1:{redirector.port},*.rebind.test"}
    )
    real = socket.getaddrinfo

    def rebinding(host: Any, *args: Any, **kwargs: Any) -> Any:
        # A public-looking name whose DNS answer is loopback (DNS rebinding).
        return real("127.0.0.1" if str(host).endswith(".rebind.test") else host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    with (
        LiveServer(create_app(settings)) as live,
        httpx.Client(base_url=live.url, timeout=30) as http,
    ):
        yield http


def analyse(client: httpx.Client, wiki: str, title: str = "Probe") -> httpx.Response:
    return client.post("/api/analyses", json={"wiki": wiki, "title": title})


def internal_urls(port: int) -> dict[str, str]:
    return {
        "direct": f"http://127.0.0.1:{port}/x/api.php",
        "localhost": f"http://localhost:{port}/w/api.php",
        "ipv6-loopback": f"http://[::1]:{port}/w/api.php",
        "decimal": f"http://2130706433:{port}/w/api.php",
        "hex": f"http://0x7f.1:{port}/w/api.php",
        "octal": f"http://0177.0.0.1:{port}/w/api.php",
        "metadata": "http://169.254.169.254/latest/api.php",
        "private": f"http://10.0.0.1:{port}/w/api.php",
    }


@pytest.mark.parametrize(
    "vector",
    [
        "direct",
        "localhost",
        "ipv6-loopback",
        "decimal",
        "hex",
        "octal",
        "metadata",
        "private",
    ],  # fmt: skip
)
def test_an_internal_wiki_url_is_refused_before_any_connection(
    app_client: httpx.Client, listener: Listener, vector: str
) -> None:
    response = analyse(app_client, internal_urls(listener.port)[vector])
    if vector == "octal":  # `0177.0.0.1` is no address an HTTP client takes: no URL at all
        assert response.status_code == 422
        assert "check its host" in response.json()["detail"]
    else:
        assert response.status_code == 403
        assert "WIKIVICE_ALLOWED_WIKIS" in response.json()["detail"]
    assert listener.accepted == 0


def test_a_redirect_to_an_internal_address_is_not_followed(
    app_client: httpx.Client, listener: Listener, redirector: LiveServer
) -> None:
    response = analyse(app_client, f"{redirector.url}/w/api.php")
    assert response.status_code == 502
    assert "redirected the request to another host" in response.json()["detail"]
    assert listener.accepted == 0


def test_a_name_that_resolves_to_loopback_is_refused(
    app_client: httpx.Client, listener: Listener
) -> None:
    response = analyse(app_client, f"http://wiki.rebind.test:{listener.port}/w/api.php")
    assert response.status_code == 403
    assert "does not lead to a public address" in response.json()["detail"]
    assert listener.accepted == 0


def test_user_info_in_a_wiki_url_is_refused_and_not_stored(
    app_client: httpx.Client, listener: Listener
) -> None:
    url = f"http://admin:secret@127.0.0.1:{listener.port}/w/api.php"
    response = analyse(app_client, url)
    assert response.status_code == 422
    assert "user name or password" in response.json()["detail"]
    assert "secret" not in app_client.get("/").text
    assert listener.accepted == 0


def test_an_unknown_language_is_refused_at_once(app_client: httpx.Client) -> None:
    response = analyse(app_client, "notawiki")
    assert response.status_code == 422
    assert "not the code of a Wikipedia language" in response.json()["detail"]


def test_open_and_closed_ports_answer_alike(app_client: httpx.Client, listener: Listener) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    answers = [
        analyse(app_client, f"http://127.0.0.1:{port}/w/api.php").json()["detail"]
        for port in (listener.port, closed)
    ]
    assert answers[0].replace(str(listener.port), "P") == answers[1].replace(str(closed), "P")


def test_the_default_wiki_still_works(app_client: httpx.Client, simulator: SimulatorServer) -> None:
    response = analyse(app_client, simulator.api_url, "Synthetic 50")
    assert response.status_code == 202


@pytest.mark.parametrize(
    "wiki",
    [
        "http://[::1/w/api.php",
        "http://[wiki]/w/api.php",
        "https://en.wikipedia.org:99999/w/api.php",
        "http://127.0.0.1:{port}./w/api.php",
        "http://127.0.0.1:{port}:1/w/api.php",
        "https://xn--a.wikipedia.org/w/api.php",  # matches *.wikipedia.org, no valid name
    ],
)
def test_a_broken_host_or_port_is_a_422_on_every_route_that_takes_a_wiki(
    app_client: httpx.Client, listener: Listener, wiki: str
) -> None:
    # Found by a probe: each was a 500 ("Invalid IPv6 URL", "Port out of range", "Invalid
    # IDNA hostname"), some from a plain GET link.
    wiki = wiki.format(port=listener.port)
    form = {"title": "Probe", "wiki_url": wiki, "a": "Probe", "b": "Other"}
    answers = [
        analyse(app_client, wiki),
        app_client.get("/search", params={"title": "Probe", "wiki": wiki}),
        app_client.get("/random", params={"wiki": wiki}),
        app_client.get("/compare", params={"a": "Probe", "b": "Other", "wiki": wiki}),
        *(app_client.post(path, data=form) for path in ("/search", "/analyse", "/random")),
        app_client.post("/compare", data={"a": "Probe", "b": "Other", "wiki": wiki}),
    ]
    assert [a.status_code for a in answers] == [422] * len(answers), [a.text for a in answers]
    assert "check its host" in answers[0].json()["detail"]
    assert "check its host" in answers[1].text
    assert listener.accepted == 0
