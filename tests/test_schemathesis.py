"""Schemathesis against the served OpenAPI document: no 5xx, and every answer (status, media
type, body) is one the document describes.

Each operation gets generated requests that fit the document (positive) and that do not
(negative), authenticated as a real location; operations with path parameters also get
requests naming the location's real records, so success answers are checked too.

The app under test is a second instance on the session's database: Schemathesis drives it on
its own event loop thread, which the session app's connections must not be used from.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import schemathesis
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.python.asgi import shutdown_lifespans
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from contactapi.app import create_app
from contactapi.settings import Settings
from tests.factories import Api
from tests.records import make_records

EXAMPLES_PER_MODE = 25
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    ignored_auth,  # a success answer, re-sent without the key or with a wrong one, is a 401
]


@dataclass
class Tally:
    requests: int = 0
    by_status: dict[int, int] = field(default_factory=dict)

    def add(self, status: int) -> None:
        self.requests += 1
        self.by_status[status] = self.by_status.get(status, 0) + 1


def _run(strategy: Any, headers: dict[str, str], tally: Tally) -> None:
    @given(case=strategy)
    @hypothesis_settings(
        max_examples=EXAMPLES_PER_MODE,
        deadline=None,
        database=None,
        phases=[Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
    )
    def check(case: Any) -> None:
        response = case.call(headers=headers)
        tally.add(response.status_code)
        case.validate_response(response, checks=CHECKS, headers=headers)

    check()


def fuzz(settings: Settings, key: str, ids_by_param: dict[str, str]) -> Tally:
    app = create_app(settings)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    headers = {"Authorization": f"Bearer {key}"}
    tally = Tally()
    try:
        for result in schema.get_all_operations():
            operation = result.ok()
            _run(operation.as_strategy(headers=headers), headers, tally)
            # Only a body or a query can be sent invalid: any string is a valid path id.
            if len(operation.body) or len(operation.query):
                negative = operation.as_strategy(GenerationMode.NEGATIVE, headers=headers)
                _run(negative, headers, tally)
            params = [p.name for p in operation.path_parameters]
            if params:
                real = {name: ids_by_param[name] for name in params}
                strategy = operation.as_strategy(headers=headers, path_parameters=real)
                _run(strategy, headers, tally)
    finally:
        shutdown_lifespans()
    return tally


async def test_schemathesis_finds_no_server_error_and_no_undocumented_answer(
    api: Api, settings: Settings, backend: str
) -> None:
    records = await make_records(api)
    tally = await asyncio.to_thread(fuzz, settings, api.key, records.by_param())
    print(f"\nschemathesis [{backend}]: {tally.requests} requests, by status {tally.by_status}")
    assert 500 not in tally.by_status
    assert tally.requests >= 300
