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
import importlib
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
from starlette.types import Receive, Scope, Send

from tenantry.server.domain.errors import TransientConflict

ATTEMPTS = 5
log = logging.getLogger(__name__)


class RetryingRoute(APIRoute):
    def __init__(self, path: str, endpoint: Callable[..., Any], **options: Any) -> None:
        endpoint = getattr(endpoint, "_serialising", endpoint)  # a copy of a route (flat_routes.py)
        if _plain_function(endpoint):
            endpoint = self._serialising_endpoint(endpoint)
        self._serialises = False  # decided once FastAPI has built the response field
        self._lean: Callable[[Request], Coroutine[Any, Any, Response]] | None = None
        super().__init__(path, endpoint, **options)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        """A lean route's request (below) without FastAPI's per-route wrapping: its exit
        stacks (for dependencies with ``yield`` and uploaded files: a lean route has neither)
        and its own exception handling, which does what the application's exception middleware
        does with the same handlers, one layer out. Anything else: FastAPI's way."""
        lean = self._lean
        if (
            lean is None
            or scope["method"] not in self.methods  # type: ignore[operator]
            or _effective_context(scope) is not None
            or _traced() is not None
        ):
            await super().handle(scope, receive, send)
            return
        response = await lean(Request(scope, receive, send))
        await response(scope, receive, send)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        self._serialises = self._may_serialise()
        handler = super().get_route_handler()
        lean = _lean_handler(self, handler)
        handler = lean or handler

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

        plain = lean is not None and self.max_body_size is None and _effective_context is not _unknown
        self._lean = retrying if plain else None
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


def _lean_handler(
    route: RetryingRoute, fastapis: Callable[[Request], Coroutine[Any, Any, Response]]
) -> Callable[[Request], Coroutine[Any, Any, Response]] | None:
    """For a route without a body whose endpoint answers its own ``Response`` (above) and whose
    dependencies are coroutines of the request and query parameters only (the API's token
    check, the context, paging): a handler that does what FastAPI's does for such a route, in
    the same order (each dependency; then path, query, header and cookie parameters, validated
    by FastAPI's own ``request_params_to_args``; the same ``RequestValidationError``; the
    endpoint on a worker thread), without FastAPI's general machinery around it (a solver and a
    ``Response`` per dependency, body handling, streaming, dependency caches and overrides). The
    API's one-query reads spent ~40 % of their loop-thread time there (issue 18). None for any
    other route: FastAPI handles it; and FastAPI's own handler, ``fastapis``, handles requests
    its OpenTelemetry instrumentation follows (its spans are made there)."""
    from fastapi.exceptions import RequestValidationError
    from starlette.concurrency import run_in_threadpool

    try:  # FastAPI's own pieces, as the releases this was measured on have them (pyproject's range)
        from fastapi.dependencies.utils import request_params_to_args
        from fastapi.routing import _extract_endpoint_context
    except ImportError:  # pragma: no cover - another FastAPI: its own handler, as before
        return None
    if "endpoint_ctx" not in inspect.signature(RequestValidationError).parameters:  # pragma: no cover
        return None
    traced = _traced
    dependant = route.dependant
    if not route._serialises or route.body_field is not None or not _lean(dependant, top=True):
        return None
    calls = [sub.call for sub in dependant.dependencies]
    if not all(_lean(sub, top=False) for sub in dependant.dependencies) or len(set(calls)) != len(calls):
        return None  # (FastAPI solves a dependency asked for twice once: not done here)
    call = dependant.call
    assert call is not None
    # (name, call, its request parameter's name, its query parameters), in FastAPI's order
    steps = [(sub.name, sub.call, sub.request_param_name, sub.query_params) for sub in dependant.dependencies]
    params = [
        (fields, source)
        for fields, source in (
            (dependant.path_params, "path_params"),
            (dependant.query_params, "query_params"),
            (dependant.header_params, "headers"),
            (dependant.cookie_params, "cookies"),
        )
        if fields
    ]
    request_param = dependant.request_param_name

    async def lean(request: Request) -> Response:
        if traced() is not None:
            return await fastapis(request)
        values: dict[str, Any] = {}
        errors: list[Any] = []
        for name, dependency, request_name, query_fields in steps:
            arguments: dict[str, Any] = {}
            if query_fields:
                found, wrong = request_params_to_args(query_fields, request.query_params)
                if wrong:
                    errors.extend(wrong)
                    continue
                arguments.update(found)
            if request_name is not None:
                arguments[request_name] = request
            solved = await dependency(**arguments)  # type: ignore[misc]
            if name is not None:
                values[name] = solved
        for fields, source in params:
            found, wrong = request_params_to_args(fields, getattr(request, source))
            values.update(found)
            errors += wrong
        if errors:
            context = dict(_extract_endpoint_context(call))
            if dependant.path:
                context["path"] = f"{request.method} {request.scope.get('root_path', '').rstrip('/')}{dependant.path}"
            raise RequestValidationError(errors, body=None, endpoint_ctx=context)  # type: ignore[arg-type]
        if request_param is not None:
            values[request_param] = request
        response: Response = await run_in_threadpool(call, **values)
        return response

    return lean


def _unknown(scope: Scope) -> Any:  # pragma: no cover - a FastAPI without inclusion contexts
    return None


_effective_context: Callable[[Scope], Any]
try:  # the inclusion context FastAPI matches a nested route through (never for flat routes)
    from fastapi.routing import _get_scope_effective_route_context as _effective_context
except ImportError:  # pragma: no cover - another FastAPI: its own handling, as before
    _effective_context = _unknown


def _fastapi_telemetry() -> Callable[[], Any]:
    """FastAPI's "is this request traced by my instrumentation" (0.16x; never, before it)."""
    try:
        module = importlib.import_module("fastapi.telemetry._api")
    except ImportError:  # pragma: no cover - a FastAPI without it
        return lambda: None
    found: Callable[[], Any] = getattr(module, "_get_request_telemetry", lambda: None)
    return found


def _lean(dependant: Dependant, *, top: bool) -> bool:
    """Nothing in ``dependant`` the lean handler does not do as FastAPI would."""
    call = dependant.call
    if call is None or dependant.body_params or (dependant.dependencies and not top):
        return False
    special = (
        dependant.websocket_param_name,
        dependant.http_connection_param_name,
        dependant.response_param_name,
        dependant.background_tasks_param_name,
        dependant.security_scopes_param_name,
        dependant.concurrency,
        dependant.own_oauth_scopes,
        dependant.parent_oauth_scopes,
    )
    if any(special):
        return False
    if top:
        return _plain_function(getattr(call, "_serialising", call))
    target = call if inspect.isfunction(call) else getattr(call, "__call__", None)  # noqa: B004 - a security scheme's
    return (
        target is not None
        and inspect.iscoroutinefunction(inspect.unwrap(target))
        and not dependant.path_params
        and not dependant.header_params
        and not dependant.cookie_params
        and dependant.use_cache
    )


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


_traced = _fastapi_telemetry()
