"""``tenantry.AsyncClient``: the same resources and behaviour as ``Client``, over
``httpx.AsyncClient``. Every resource method returns an awaitable of what the sync client
returns; paginated lists are async iterators (``async for user in client.users.list()``).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable
from typing import Any, TypeVar

import httpx

from tenantry.sdk.api import ManagementApi
from tenantry.sdk.calls import Call, PageCall, Plan, Send, plan

T = TypeVar("T")


class AsyncClient(ManagementApi):
    """``async with AsyncClient(base_url, client_id, client_secret) as tenantry: ...``

    Static types of resource methods show the result type: ``await`` gives it.
    """

    def __init__(
        self,
        base_url: str,
        client_id: str,
        client_secret: str,
        *,
        timeout: float = 10.0,
        retries: int = 3,
        backoff: float = 0.25,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._http = httpx.AsyncClient(base_url=base_url.rstrip("/"), timeout=timeout, transport=transport)
        # One token fetch at a time: concurrent calls share the token the first one gets.
        self._token_lock = asyncio.Lock()
        super().__init__(self, client_id, client_secret, retries, backoff)  # type: ignore[arg-type]  # a Runner whose results are awaitables

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    def run(self, call: Call[T]) -> Awaitable[T]:
        """Execute one described call (see ``tenantry.sdk.calls``)."""
        return self._run(call)

    async def _run(self, call: Call[T]) -> T:
        if call.auth and self._tokens.current() is None:
            async with self._token_lock:
                if self._tokens.current() is None:
                    await self._drive(plan(self._tokens.fetch(), self._tokens, self._policy))
        return await self._drive(plan(call, self._tokens, self._policy))

    async def pages(self, call: PageCall[Any]) -> AsyncIterator[Any]:
        """Every item of a paginated list, fetched a page at a time as the iteration advances."""
        token: str | None = None
        while True:
            page = await self._run(call.page(token))
            for item in page.items:
                yield item
            if not page.next_page_token:
                return
            token = page.next_page_token

    async def _drive(self, steps: Plan[T]) -> T:
        try:
            action = next(steps)
            while True:
                if not isinstance(action, Send):
                    await asyncio.sleep(action.seconds)
                    action = steps.send(None)
                    continue
                try:
                    response = await self._http.request(action.call.method, action.call.path, **action.request_kwargs())
                except httpx.TransportError as error:
                    action = steps.throw(error)
                else:
                    action = steps.send(response)
        except StopIteration as done:
            return done.value
