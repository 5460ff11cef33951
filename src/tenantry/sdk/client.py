"""``tenantry.Client``: the management API from Python, one call per operation.

It gets and renews its client-credentials token itself, raises the API's errors as typed
exceptions (``OrganizationUserLimitReached``…), walks cursor pagination with iterators,
and retries idempotent calls with exponential backoff on 429/503 and connection errors
(the rules live in ``calls.plan``, shared with ``AsyncClient``). It never imports server
code: httpx and pydantic are all it needs.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any, TypeVar

import httpx

from tenantry.sdk.api import ManagementApi
from tenantry.sdk.calls import Call, PageCall, Plan, Send, plan

T = TypeVar("T")


class Client(ManagementApi):
    """A client of one Tenantry environment's management API.

    ``Client("https://auth.example.com", client_id, client_secret)``; use as a context
    manager or call ``close()``. ``timeout`` is per request, in seconds.
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
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._http = httpx.Client(base_url=base_url.rstrip("/"), timeout=timeout, transport=transport)
        super().__init__(self, client_id, client_secret, retries, backoff)

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def run(self, call: Call[T]) -> T:
        """Execute one described call (see ``tenantry.sdk.calls``)."""
        return self._drive(plan(call, self._tokens, self._policy))

    def pages(self, call: PageCall[Any]) -> Iterator[Any]:
        """Every item of a paginated list, fetched a page at a time as the iterator advances."""
        token: str | None = None
        while True:
            page = self.run(call.page(token))
            yield from page.items
            if not page.next_page_token:
                return
            token = page.next_page_token

    def _drive(self, steps: Plan[T]) -> T:
        try:
            action = next(steps)
            while True:
                if not isinstance(action, Send):
                    time.sleep(action.seconds)
                    action = steps.send(None)
                    continue
                try:
                    response = self._http.request(action.call.method, action.call.path, **action.request_kwargs())
                except httpx.TransportError as error:
                    action = steps.throw(error)
                else:
                    action = steps.send(response)
        except StopIteration as done:
            return done.value
