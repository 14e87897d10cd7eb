"""Who gets gzip (web/compression.py): weights honoured, over a real uvicorn too (a probe
asked `gzip;q=0` and got gzip)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from support import LiveServer, make_settings
from wikivice.web.app import create_app
from wikivice.web.compression import takes_gzip


@pytest.mark.parametrize(
    ("header", "taken"),
    [
        ("gzip, deflate, br, zstd", True),  # a browser's
        ("GZIP", True),
        ("x-gzip", True),
        ("br;q=1.0, gzip;q=0.8, *;q=0.1", True),
        ("gzip;q=0.001", True),
        ("gzip;q=0", False),
        ("gzip; q=0.0, identity", False),
        ("identity, gzip;q=0", False),
        ("gzip;q=none", False),
        ("", False),
        ("identity", False),
        ("*", False),
        ("gzipped, notgzip", False),  # the word inside another is no gzip
    ],
)
def test_gzip_is_taken_only_when_named_with_a_weight_above_zero(header: str, taken: bool) -> None:
    assert takes_gzip(header) is taken


def test_a_client_that_refuses_gzip_gets_none_from_any_answer(tmp_path: Path) -> None:
    app = create_app(make_settings(tmp_path), worker=False)
    with LiveServer(app) as live, httpx.Client(base_url=live.url) as http:
        for path in ("/static/vendor/plotly.min.js", "/", "/openapi.json"):
            packed = http.get(path, headers={"Accept-Encoding": "gzip"})
            assert packed.headers["content-encoding"] == "gzip", path
            refused = http.get(path, headers={"Accept-Encoding": "gzip;q=0, identity"})
            assert "content-encoding" not in refused.headers, path
            assert refused.content == packed.content, path  # httpx took the gzip off
