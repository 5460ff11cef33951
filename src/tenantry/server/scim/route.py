"""The route class of every SCIM endpoint: a RetryingRoute (a transaction the database
aborted runs again) whose errors become SCIM Error bodies through ``errors.response_for``."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response

from tenantry.server.domain.errors import TransientConflict
from tenantry.server.http.retry import RetryingRoute
from tenantry.server.scim import errors


class ScimRoute(RetryingRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def answering(request: Request) -> Response:
            try:
                return await handler(request)
            except TransientConflict:
                return errors.respond(503, "The database was busy; nothing was changed. Try again.")
            except Exception as exc:  # every error leaves as a SCIM Error body
                return errors.response_for(exc)

        return answering
