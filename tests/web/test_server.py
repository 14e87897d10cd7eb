"""`wikivice serve --demo` (web/server.py): the simulator it starts never takes the port
the app was asked to listen on."""

from __future__ import annotations

from urllib.parse import urlsplit

from wikivice.settings import Settings
from wikivice.web import server


def test_the_demo_simulator_leaves_the_app_s_port_alone(settings: Settings) -> None:
    with server._demo(settings, server.DEMO_SIMULATOR_PORT) as effective:
        port = urlsplit(effective.default_wiki).port
    assert port is not None and port != server.DEMO_SIMULATOR_PORT
