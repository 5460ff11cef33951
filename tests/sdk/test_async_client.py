"""tenantry.AsyncClient: the same resources and behaviour as Client, awaited, against a
live server; retries and token renewal against a scripted transport."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from tenantry import AsyncClient
from tenantry.sdk.errors import NotFound, OrganizationUserLimitReached, TenantryError, Unauthenticated
from tests.helpers import BOOTSTRAP_ID, BOOTSTRAP_SECRET
from tests.sdk.test_client import ORG


def run_async(main: Callable[[], Coroutine[Any, Any, Any]]) -> Any:
    """``asyncio.run(main())`` in a thread of its own: the browser tests' Playwright keeps an
    event loop running in the test worker's main thread."""
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(lambda: asyncio.run(main())).result()


class CountingTransport(httpx.AsyncHTTPTransport):
    def __init__(self) -> None:
        super().__init__()
        self.paths: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.paths.append(request.url.path)
        return await super().handle_async_request(request)


def test_resources_pagination_and_errors_against_a_live_server(site):
    transport = CountingTransport()

    async def scenario() -> None:
        async with AsyncClient(site, BOOTSTRAP_ID, BOOTSTRAP_SECRET, transport=transport) as tenantry:
            created = await asyncio.gather(*(tenantry.organizations.create(f"Org {i}") for i in range(6)))
            assert transport.paths.count("/oauth/token") == 1  # concurrent calls share one token
            listed = [org.id async for org in tenantry.organizations.list(page_size=4)]
            assert sorted(listed) == sorted(org.id for org in created)
            assert transport.paths.count("/api/v1/organizations") >= 6 + 2  # two pages

            org = created[0]
            await tenantry.organizations.set_max_allowed_users(org.id, 1)
            user = await tenantry.users.create_in_organization(org.id, "ada@example.com", roles=["admin"])
            assert user.membership(org.id).membership_status == "PENDING_INVITE"
            with pytest.raises(OrganizationUserLimitReached):
                await tenantry.users.create_in_organization(org.id, "bob@example.com")
            updated = await tenantry.users.update(user.id, user_profile={"given_name": "Ada"})
            assert updated.user_profile.given_name == "Ada"
            assert [u.email async for u in tenantry.users.list_in_organization(org.id)] == ["ada@example.com"]
            emails = [e async for e in tenantry.emails.list(to="ada@example.com")]
            assert [e.kind for e in emails] == ["invitation"]
            assert (await tenantry.settings.get()).signup_enabled is True
            await tenantry.organizations.delete(org.id)
            with pytest.raises(NotFound):
                await tenantry.organizations.get(org.id)

    run_async(scenario)


def test_wrong_credentials_raise_unauthenticated(site):
    async def scenario() -> None:
        async with AsyncClient(site, BOOTSTRAP_ID, "not the secret") as tenantry:
            await tenantry.organizations.get("org_x")

    with pytest.raises(Unauthenticated):
        run_async(scenario)


def scripted(answers: list[Any]) -> tuple[httpx.MockTransport, list[str]]:
    """A transport answering API calls from ``answers`` in order (exceptions are raised);
    the token endpoint always succeeds with a new token."""
    seen: list[str] = []
    tokens = iter(range(1000))

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/token":
            seen.append("token")
            return httpx.Response(200, json={"access_token": f"t{next(tokens)}", "expires_in": 3600})
        seen.append(f"{request.method} {request.headers['authorization']}")
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    return httpx.MockTransport(handler), seen


def run(transport: httpx.MockTransport, call: Callable[[AsyncClient], Any]) -> Any:
    async def scenario() -> Any:
        async with AsyncClient("http://tenantry.test", "id", "s", transport=transport, backoff=0) as tenantry:
            return await call(tenantry)

    return run_async(scenario)


def test_idempotent_calls_are_retried_on_connection_errors_429_and_503():
    transport, seen = scripted(
        [
            httpx.ConnectError("refused"),
            httpx.Response(429, headers={"Retry-After": "0"}, json={"code": "rate_limited", "message": "x"}),
            httpx.Response(503, json={"code": "unavailable", "message": "x"}),
            httpx.Response(200, json={"organization": ORG}),
        ]
    )
    assert run(transport, lambda t: t.organizations.get("org_1")).display_name == "A"
    assert seen == ["token"] + ["GET Bearer t0"] * 4


def test_retries_stop_after_the_limit_and_non_idempotent_calls_are_not_retried():
    transport, seen = scripted([httpx.Response(503, json={"code": "unavailable", "message": "down"})] * 4)
    with pytest.raises(TenantryError) as gave_up:
        run(transport, lambda t: t.organizations.get("org_1"))
    assert gave_up.value.status == 503 and seen.count("GET Bearer t0") == 4  # first try + 3 retries

    transport, seen = scripted([httpx.ConnectError("refused")])
    with pytest.raises(httpx.ConnectError):
        run(transport, lambda t: t.organizations.create("A"))
    assert seen == ["token", "POST Bearer t0"]


def test_a_revoked_token_is_renewed_once():
    unauthenticated = httpx.Response(401, json={"code": "unauthenticated", "message": "expired"})
    transport, seen = scripted([unauthenticated, httpx.Response(201, json={"organization": ORG})])
    assert run(transport, lambda t: t.organizations.create("A")).id == "org_1"
    assert seen == ["token", "POST Bearer t0", "token", "POST Bearer t1"]

    transport, seen = scripted([unauthenticated, unauthenticated])
    with pytest.raises(Unauthenticated):
        run(transport, lambda t: t.organizations.create("A"))
    assert seen == ["token", "POST Bearer t0", "token", "POST Bearer t1"]
