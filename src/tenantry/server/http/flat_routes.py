"""One flat list of routes for the application, built once at start (issues 18 and 17).

FastAPI (0.165) keeps included routers nested and, on every request, walks each inclusion's
routes to find a match, then walks them again to handle it, checking at every level whether
any router changed: for ``/api/v1/…`` (an inclusion of an inclusion of a module's router) that
was ~15 % of a one-query API request. Here each included route becomes the route FastAPI's
inclusion would have made of it (same full path, dependencies, tags, responses, class: the
inclusion's own rules, ``_EffectiveRouteContext.from_api_route``), in the same order, directly
on the application: what is matched, and against what, does not change; only the walk does.

Start-up (issue 17): building a route analyses its endpoint's signature (pydantic fields for
every parameter and the response), the largest part of creating the application. FastAPI's
``include_router`` analyses every route of a nested inclusion again to check its path, and its
effective routes once more; ``include`` reads the inclusion's settings instead, so each route is
analysed at most twice (where it is declared, and here with its final path and dependencies),
not four or five times; once when the inclusion changes nothing the analysis depends on (no
prefix, dependencies or responses). Every route of Tenantry's is declared with its full path and
dependencies (``api/v1/routers.py``), so each is analysed once, and the application's routes are
the declared ones: building another application in the same process (the test suite builds one
per test) analyses nothing again.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, FastAPI, routing
from fastapi.datastructures import DefaultPlaceholder
from fastapi.routing import APIRoute
from fastapi.utils import get_value_or_default
from starlette import routing as starlette_routing
from starlette.routing import BaseRoute

# FastAPI's nested inclusions (0.16x); older releases copied included routes flat themselves
_IncludedRouter: Any = getattr(routing, "_IncludedRouter", None)
_IncludeContext: Any = getattr(routing, "_RouterIncludeContext", None)
_body_size_limit: Any = getattr(routing, "get_body_size_limit", None)
_merge_lifespan: Any = getattr(routing, "_merge_lifespan_context", None)
_with_body_limit: Any = getattr(routing, "wrap_app_with_body_limit", None)


def include(app: FastAPI, router: APIRouter) -> None:
    """``app.include_router(router)``, its routes added flat (see the module's docstring)."""
    if None in (_IncludeContext, _body_size_limit, _merge_lifespan, _with_body_limit):  # pragma: no cover
        app.include_router(router)
        return
    context = _IncludeContext.for_include(parent_router=app.router, included_router=router)
    flat = list(_routes(router, context))
    if any(route is None for route in flat):
        app.include_router(router)  # something this does not know how to copy: FastAPI's inclusion
        return
    app.router.routes.extend(route for route in flat if route is not None)
    for handler in router.on_startup:  # the rest of what include_router does
        app.router.add_event_handler("startup", handler)
    for handler in router.on_shutdown:
        app.router.add_event_handler("shutdown", handler)
    app.router.lifespan_context = _merge_lifespan(app.router.lifespan_context, router.lifespan_context)


def _routes(router: APIRouter, context: Any) -> Iterator[BaseRoute | None]:
    """The routes of ``router`` included with ``context``, nested inclusions walked; None for
    a route this cannot copy (the caller then leaves the inclusion to FastAPI)."""
    for route in router.routes:
        if isinstance(route, _IncludedRouter):
            yield from _routes(route.original_router, context.combine(route.include_context))
        elif isinstance(route, APIRoute):
            yield _api_route(route, context)
        elif type(route) is starlette_routing.Route and context.max_body_size is None:
            yield starlette_routing.Route(
                context.path_for(route),
                endpoint=route.endpoint,
                methods=list(route.methods or []),
                name=route.name,
                include_in_schema=route.include_in_schema,
            )
        else:
            yield None


def _api_route(route: APIRoute, context: Any) -> APIRoute:
    """The route FastAPI's inclusion makes of ``route`` (``from_api_route``'s merging): the
    declared route itself when the inclusion changes nothing, else a copy."""
    included = context.included_router
    settings: dict[str, Any] = {
        "tags": [*context.tags, *route.tags],
        "deprecated": route.deprecated or context.deprecated,
        "include_in_schema": route.include_in_schema and context.include_in_schema,
        "callbacks": [*context.callbacks, *(route.callbacks or [])],
        "response_class": get_value_or_default(
            route.response_class, included.default_response_class, context.default_response_class
        ),
        "generate_unique_id_function": get_value_or_default(
            route.generate_unique_id_function,
            included.generate_unique_id_function,
            context.generate_unique_id_function,
        ),
        "strict_content_type": get_value_or_default(
            route.strict_content_type, included.strict_content_type, context.strict_content_type
        ),
        "max_body_size": _body_size_limit(route.max_body_size, context.max_body_size),
        # None, not the application: routes are shared by every application a process builds
        # (the test suite builds one per test), and Tenantry has no ``dependency_overrides``.
        "dependency_overrides_provider": None,
    }
    if not context.prefix and not context.dependencies and not context.responses:
        differing = {name: value for name, value in settings.items() if not _same(value, getattr(route, name))}
        if not differing:
            return route  # the declared route is the flat route (every /api/v1 route, page, tab)
        if not {"response_class", "generate_unique_id_function"} & differing.keys():
            flat = copy.copy(route)  # the same path, parameters and fields: only what the handler reads
            for name, value in differing.items():
                setattr(flat, name, value)
            flat.app = _with_body_limit(routing.request_response(flat.get_route_handler()), flat.max_body_size)
            return flat
    return type(route)(
        context.path_for(route),
        route.endpoint,
        response_model=route.response_model,
        status_code=route.status_code,
        dependencies=[*context.dependencies, *route.dependencies],
        summary=route.summary,
        description=route.description,
        response_description=route.response_description,
        responses={**context.responses, **route.responses},
        name=route.name,
        methods=route.methods,
        operation_id=route.operation_id,
        response_model_include=route.response_model_include,
        response_model_exclude=route.response_model_exclude,
        response_model_by_alias=route.response_model_by_alias,
        response_model_exclude_unset=route.response_model_exclude_unset,
        response_model_exclude_defaults=route.response_model_exclude_defaults,
        response_model_exclude_none=route.response_model_exclude_none,
        openapi_extra=route.openapi_extra,
        form_limits=getattr(route, "form_limits", None),
        **settings,
    )


def _same(value: Any, declared: Any) -> bool:
    """Equal in effect: a default that was left a default counts as the value it stands for."""
    if isinstance(value, DefaultPlaceholder) != isinstance(declared, DefaultPlaceholder):
        value, declared = getattr(value, "value", value), getattr(declared, "value", declared)
    return bool(value == declared)
