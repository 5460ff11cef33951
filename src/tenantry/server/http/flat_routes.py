"""One flat list of routes for the application, built once at start (issue 18).

FastAPI (0.165) keeps included routers nested and, on every request, walks each inclusion's
routes to find a match, then walks them again to handle it, checking at every level whether
any router changed: for ``/api/v1/…`` (an inclusion of an inclusion of a module's router) that
was ~15 % of a one-query API request. Here each included route becomes the route FastAPI's
inclusion would have made of it (same full path, dependencies, tags, responses, class: the
inclusion's own computation, read off its effective route), in the same order, directly on the
application: what is matched, and against what, does not change; only the walk does.

The copies are made once per process and router: building a route (its dependency tree and
pydantic adapters) is most of ``create_app``'s cost, ~3 ms a route and ~360 routes, and the
routers are module-level and the same for every application a process builds (the test suite
builds one per test). The copies hold nothing of the application they were made for: no
dependency-overrides provider (Tenantry does not use FastAPI's ``dependency_overrides``).
"""

from __future__ import annotations

import threading
from typing import Any

from fastapi import FastAPI, routing
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute

# FastAPI's nested inclusions (0.16x); older releases copied included routes flat themselves
_IncludedRouter: Any = getattr(routing, "_IncludedRouter", None)
_iter_routes_with_context: Any = getattr(routing, "_iter_routes_with_context", None)


_made: dict[tuple[int, int], tuple[Any, list[BaseRoute] | None]] = {}
_making = threading.Lock()


def flatten(app: FastAPI) -> None:
    if _IncludedRouter is None or _iter_routes_with_context is None:  # pragma: no cover
        return
    flat: list[BaseRoute] = []
    for route in app.router.routes:
        if not isinstance(route, _IncludedRouter):
            flat.append(route)
            continue
        copies = _copies(route)
        if copies is None:
            flat.append(route)  # something this does not know how to copy: keep the inclusion
        else:
            flat.extend(copies)
    app.router.routes[:] = flat


def _copies(inclusion: Any) -> list[BaseRoute] | None:
    """The flat routes of one inclusion of a router at the application's top level, made on the
    first application that includes it (with the same routes) and shared by the later ones."""
    context = inclusion.include_context
    plain = context.prefix == "" and not context.dependencies and not context.tags and not context.responses
    router = inclusion.original_router
    key = (id(router), router._get_routes_version())
    with _making:
        made = _made.get(key) if plain else None
        if made is None or made[0] is not router:
            copies = [_copy(route, route_context) for route, route_context in _iter_routes_with_context([inclusion])]
            built = None if any(copy is None for copy in copies) else [copy for copy in copies if copy is not None]
            if not plain:
                return built
            made = _made[key] = (router, built)
        return made[1]


def _copy(original: BaseRoute, context: Any) -> BaseRoute | None:
    if context is None:
        return original
    if isinstance(original, APIRoute):
        return type(original)(
            context.path,
            context.endpoint,
            response_model=context.response_model,
            status_code=context.status_code,
            tags=context.tags,
            dependencies=context.dependencies,
            summary=context.summary,
            description=context.description,
            response_description=context.response_description,
            responses=context.responses,
            deprecated=context.deprecated,
            name=context.name,
            methods=context.methods,
            operation_id=context.operation_id,
            response_model_include=context.response_model_include,
            response_model_exclude=context.response_model_exclude,
            response_model_by_alias=context.response_model_by_alias,
            response_model_exclude_unset=context.response_model_exclude_unset,
            response_model_exclude_defaults=context.response_model_exclude_defaults,
            response_model_exclude_none=context.response_model_exclude_none,
            include_in_schema=context.include_in_schema,
            response_class=context.response_class,
            dependency_overrides_provider=None,  # shared between applications (above)
            callbacks=context.callbacks,
            openapi_extra=context.openapi_extra,
            generate_unique_id_function=context.generate_unique_id_function,
            strict_content_type=context.strict_content_type,
            max_body_size=context.max_body_size,
            form_limits=getattr(original, "form_limits", None),
        )
    starlette_route: BaseRoute | None = context.starlette_route
    if starlette_route is not None and context.max_body_size is None:
        return starlette_route  # a plain route or mount, its path already prefixed
    return None
