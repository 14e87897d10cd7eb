"""The JSON API fuzzed from its own OpenAPI description (schemathesis), on SQLite and
PostgreSQL: for every operation, generated requests (valid and not) never get a 5xx, and
every answer matches the schema the operation declares. Bounded: FUZZ_EXAMPLES cases an
operation, against a real server on loopback with the simulator as its wiki."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from support import LiveServer
from wikivice.settings import Settings
from wikivice.simulator import SimulatorServer
from wikivice.web.app import create_app

FUZZ_EXAMPLES = 50
# What the issue asks: no 5xx, answers as declared (status, content type, body schema).
# Not "every schema-valid request is accepted": a title may fit the schema's string and
# still be no valid MediaWiki title (422), or name no article (404).
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# Streams follow a job until it ends: fuzzed, they would wait on jobs that never do.
SKIPPED = {("GET", "/api/jobs/{job_id}/events")}


@pytest.fixture
def live_api(
    wiki_settings: Settings, simulator: SimulatorServer
) -> Iterator[tuple[str, list[Any]]]:
    # The fuzzer is one very busy client: the per-client limits are not what is tested.
    lifted = wiki_settings.model_copy(
        update={
            "rate_limit_analyses": "100000/minute",
            "rate_limit_lookups": "100000/minute",
            "rate_limit_exports": "100000/minute",
            "max_queued_per_client": 100000,
            "max_queued_jobs": 100000,
        }
    )
    with LiveServer(create_app(lifted)) as live:
        live_url = live.url
        schema = schemathesis.openapi.from_url(
            f"{live_url}/openapi.json", config=SchemathesisConfig()
        )
        operations = [result.ok() for result in schema.get_all_operations()]
        yield live_url, operations


def test_no_operation_answers_5xx_or_off_its_schema(
    live_api: tuple[str, list[Any]], simulator: SimulatorServer
) -> None:
    base_url, operations = live_api
    tried = []
    for operation in operations:
        if (operation.method.upper(), operation.path) in SKIPPED:
            continue
        fuzz(operation, base_url)
        tried.append(f"{operation.method.upper()} {operation.path}")
    assert len(tried) >= 10  # the whole API, not an empty schema


def fuzz(operation: Any, base_url: str) -> None:
    @settings(
        max_examples=FUZZ_EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def check(case: Any) -> None:
        case.call_and_validate(base_url=base_url, checks=CHECKS, timeout=30)

    check()
