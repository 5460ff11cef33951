"""Schemathesis against /openapi.json, in process (ASGI): every operation, valid and invalid
input, with a valid bearer token and without. No response may be a 5xx, and every response
must match the document (status, content type, body schema, headers). Bounded by
TENANTRY_FUZZ_EXAMPLES per operation and token state (default 25)."""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tenantry.server.app import create_app
from tenantry.server.settings import Settings
from tests.helpers import Api

MAX_EXAMPLES = int(os.environ.get("TENANTRY_FUZZ_EXAMPLES", "25"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
# The document does not depend on the database: read it once, to know the operations.
SCHEMA = schemathesis.openapi.from_dict(create_app(Settings(database_url="sqlite:///never-opened.db")).openapi())
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]
MODES = (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE)


@pytest.mark.parametrize("authenticated", [True, False], ids=["token", "no-token"])
@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda operation: operation.label)
def test_operation(operation, authenticated: bool, http, api: Api, record_property) -> None:
    headers = api.headers if authenticated else {}
    secured = bool(operation.definition.raw.get("security"))
    cases = 0

    @settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(case=st.one_of(*(operation.as_strategy(mode) for mode in MODES)))
    def run(case) -> None:
        nonlocal cases
        cases += 1
        response = case.call_and_validate(headers=headers, checks=CHECKS, app=http.app)
        if secured and not authenticated:
            # 401, unless the body is over the cap: that is refused before anything reads it,
            # authentication included (SPEC: bounded bodies), as 413 payload_too_large
            too_large = response.status_code == 413 and response.json().get("code") == "payload_too_large"
            assert response.status_code == 401 or too_large, response.text

    try:
        run()
    finally:
        record_property("reliability: fuzz cases run (schemathesis)", cases)
