"""Requests whose transaction the database aborted to break a deadlock run again.

Every use case is one transaction whose side effects happen only after it commits, so a
transaction the database rolled back left nothing behind and the request can simply be
handled again. The ledger's lock order makes deadlocks rare; this bounds what remains.
Every route of the application uses ``RetryingRoute`` (``tests/unit/test_layering.py``
checks it), so pages, the dashboard and the API behave alike.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute

from tenantry.server.domain.errors import TransientConflict

ATTEMPTS = 5
log = logging.getLogger(__name__)


class RetryingRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def retrying(request: Request) -> Response:
            for attempt in range(1, ATTEMPTS + 1):
                try:
                    return await handler(request)
                except TransientConflict:
                    if attempt == ATTEMPTS:
                        raise
                    log.info("transaction aborted by the database (attempt %d); running it again", attempt)
                    await asyncio.sleep(random.uniform(0, 0.01 * 2**attempt))  # noqa: S311 - jitter, not a secret
            raise AssertionError("unreachable")

        return retrying
