"""Helpers for the security tests: the app's routes (walked, so new forms are covered
without editing the tests), and a signed-in browser."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute

from tests.helpers import Api
from tests.oidc.conftest import PASSWORD, sign_in

# POST endpoints that are not forms: clients authenticate them with credentials, not cookies.
MACHINE_ENDPOINTS = {"/oauth/token", "/oauth/revoke", "/userinfo"}
# Whole families of endpoints for programs: SCIM answers a directory's bearer token, not a browser.
MACHINE_PREFIXES = ("/scim/",)


def for_machines(path: str) -> bool:
    """A route programs call (no page to scan, no form to protect with a CSRF token)."""
    return path in MACHINE_ENDPOINTS or path.startswith(MACHINE_PREFIXES)


def routes(app: FastAPI) -> Iterator[tuple[str, set[str], bool]]:
    """(path, methods, in the API schema) of every route, through nested routers. A router's
    own routes already carry its prefix; the routers it includes get it added."""

    def walk(children, prefix: str = "") -> Iterator[tuple[str, set[str], bool]]:  # type: ignore[no-untyped-def]
        for route in children:
            router = getattr(route, "original_router", None)
            if router is not None:
                yield from walk_router(router, prefix)
            elif isinstance(route, APIRoute):
                yield prefix + route.path, set(route.methods), route.include_in_schema

    def walk_router(router, prefix: str) -> Iterator[tuple[str, set[str], bool]]:  # type: ignore[no-untyped-def]
        for route in router.routes:
            included = getattr(route, "original_router", None)
            if included is not None:
                yield from walk_router(included, prefix + router.prefix)
            elif isinstance(route, APIRoute):
                yield prefix + route.path, set(route.methods), route.include_in_schema

    return walk(app.routes)


def form_paths(app: FastAPI) -> list[str]:
    """Every POST route a browser submits a form to: outside the API schema, not a machine endpoint."""
    return sorted(
        {path for path, methods, api in routes(app) if "POST" in methods and not api and not for_machines(path)}
    )


@pytest.fixture
def signed_in(site: str, site_api: Api) -> Iterator[httpx.Client]:
    """A browser signed in as ada@example.com, a member of one organization."""
    assert site_api.signup("ada@example.com", PASSWORD, organization={"display_name": "Ada's"}).status_code == 201
    with httpx.Client(base_url=site, timeout=30) as browser:
        sign_in(browser, "ada@example.com")
        yield browser
