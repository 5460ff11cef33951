"""Requests whose transaction the database aborted to break a deadlock run again.

Every use case is one transaction whose side effects happen only after it commits, so a
transaction the database rolled back left nothing behind and the request can simply be
handled again. The ledger's lock order makes deadlocks rare; this bounds what remains.
Every route of the application uses ``RetryingRoute`` (``tests/unit/test_layering.py``
checks it), so pages, the dashboard and the API behave alike.

It also saves a worker-thread hop (issue 18): FastAPI runs a plain ``def`` endpoint on a
worker thread, then validates and serialises its answer against the response model on a
worker thread again. Here the endpoint's own thread does both, with FastAPI's own response
field (the same validation, the same JSON bytes, the same status code), and hands FastAPI
the finished response; routes whose dependencies may set headers or a status through a
``Response`` parameter, or whose status code has no body, keep FastAPI's way.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import logging
import random
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import ResponseValidationError
from fastapi.routing import APIRoute
from starlette.responses import JSONResponse

from tenantry.server.domain.errors import TransientConflict

ATTEMPTS = 5
log = logging.getLogger(__name__)


class RetryingRoute(APIRoute):
    def __init__(self, path: str, endpoint: Callable[..., Any], **options: Any) -> None:
        endpoint = getattr(endpoint, "_serialising", endpoint)  # a copy of a route (flat_routes.py)
        if _plain_function(endpoint):
            endpoint = self._serialising_endpoint(endpoint)
        self._serialises = False  # decided once FastAPI has built the response field
        super().__init__(path, endpoint, **options)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        self._serialises = self._may_serialise()
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

    def _may_serialise(self) -> bool:
        """The answer FastAPI would build is exactly ``Response(json, status_code)``: a response
        model, FastAPI's default response class, a status with a body, and nothing in the
        dependency tree that could set headers or a status of its own."""
        from fastapi.datastructures import DefaultPlaceholder
        from fastapi.utils import is_body_allowed_for_status_code

        response_class = self.response_class
        default_class = isinstance(response_class, DefaultPlaceholder) and response_class.value is JSONResponse
        return (
            hasattr(self.endpoint, "_serialising")
            and self.response_field is not None
            and default_class
            and is_body_allowed_for_status_code(self.status_code or 200)
            and not _sets_response(self.dependant)
        )

    def _serialising_endpoint(self, endpoint: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(endpoint)
        def serialising(**values: Any) -> Any:
            answer = endpoint(**values)
            if not self._serialises or isinstance(answer, Response):
                return answer  # FastAPI validates and serialises it, as for any route
            field = self.response_field
            assert field is not None
            value, errors = field.validate(answer, {}, loc=("response",))
            if errors:
                from fastapi.routing import _extract_endpoint_context  # the message names the endpoint

                context = _extract_endpoint_context(endpoint)
                raise ResponseValidationError(errors=errors, body=answer, endpoint_ctx=context)
            content = field.serialize_json(
                value,
                include=self.response_model_include,
                exclude=self.response_model_exclude,
                by_alias=self.response_model_by_alias,
                exclude_unset=self.response_model_exclude_unset,
                exclude_defaults=self.response_model_exclude_defaults,
                exclude_none=self.response_model_exclude_none,
            )
            return Response(content=content, media_type="application/json", status_code=self.status_code or 200)

        serialising._serialising = endpoint  # type: ignore[attr-defined]
        return serialising


def _plain_function(endpoint: Callable[..., Any]) -> bool:
    """A ``def`` endpoint FastAPI runs on a worker thread (not a coroutine, not a generator)."""
    unwrapped = inspect.unwrap(endpoint)
    return inspect.isfunction(unwrapped) and not (
        inspect.iscoroutinefunction(unwrapped)
        or inspect.isgeneratorfunction(unwrapped)
        or inspect.isasyncgenfunction(unwrapped)
    )


def _sets_response(dependant: Dependant) -> bool:
    return dependant.response_param_name is not None or any(_sets_response(d) for d in dependant.dependencies)
