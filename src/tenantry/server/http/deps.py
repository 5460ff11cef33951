"""Request dependencies: the context, bearer authentication, pagination parameters."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from tenantry.server.context import Context
from tenantry.server.domain.errors import Unauthenticated
from tenantry.server.domain.pagination import PageRequest, page_request
from tenantry.server.domain.secrets import digest
from tenantry.server.services.integration import actors, clients, token_cache


class ApiClientBearer(HTTPBearer):
    """The management API's authentication, as ONE dependency: the bearer token read from the
    ``Authorization`` header and checked, answering the API client id behind it (401 without a
    valid one). A subclass of FastAPI's ``HTTPBearer`` named like it, so OpenAPI documents it
    exactly as before (the ``HTTPBearer`` scheme on every protected operation), but without a
    sub-dependency of its own: FastAPI solved ``HTTPBearer`` and the check as two (issue 18).
    Authorization (scopes, permissions) stays with the use cases' policies."""

    def __init__(self) -> None:
        super().__init__(auto_error=False, scheme_name="HTTPBearer", description="Access token from POST /oauth/token")

    async def __call__(self, request: Request) -> str:  # type: ignore[override]
        return await client_behind(get_context(request), await self.credentials(request))

    async def credentials(self, request: Request) -> HTTPAuthorizationCredentials | None:
        """``HTTPBearer``'s reading of the header (None when there is no bearer token)."""
        return await HTTPBearer.__call__(self, request)


require_client = ApiClientBearer()


def get_context(request: Request) -> Context:
    context: Context = request.app.state.context
    return context


async def _context(request: Request) -> Context:
    """``get_context`` as a dependency. Async because FastAPI runs a plain ``def`` dependency on
    a worker thread: one more thread hop on every API request for an attribute read (issue 18)."""
    return get_context(request)


Ctx = Annotated[Context, Depends(_context)]


async def client_behind(ctx: Context, credentials: HTTPAuthorizationCredentials | None) -> str:
    """``require_client``'s check. A token checked in the last few seconds is not checked
    again (see token_cache.py)."""
    if credentials is None or credentials.scheme.lower() != "bearer" or not credentials.credentials:
        raise Unauthenticated("Send 'Authorization: Bearer <access_token>' (get one from POST /oauth/token).")
    cache = token_cache.for_context(ctx)
    key = digest(credentials.credentials)
    client_id = cache.get(key)
    if client_id is None:
        owner = await run_in_threadpool(clients.token_owner, ctx, credentials.credentials)
        cache.put(key, owner.client_id, owner.expires_at)
        client_id = owner.client_id
    actors.set_for_request(actors.api_client(client_id))  # events this request records name the client
    return client_id


async def pagination(  # async: no worker-thread hop for parsing two query parameters
    page_size: Annotated[int | None, Query(description="Items per page (default 50, at most 100)")] = None,
    page_token: Annotated[
        str | None, Query(description="next_page_token or prev_page_token of an earlier page")
    ] = None,
) -> PageRequest:
    return page_request(page_size, page_token)


Paging = Annotated[PageRequest, Depends(pagination)]

ATTRIBUTE_FILTER_PREFIX = "custom_attributes."


def attribute_filters(request: Request) -> dict[str, str]:
    """``?custom_attributes.<key>=<value>`` query parameters as ``{key: value}``."""
    return {
        name.removeprefix(ATTRIBUTE_FILTER_PREFIX): value
        for name, value in request.query_params.multi_items()
        if name.startswith(ATTRIBUTE_FILTER_PREFIX)
    }
