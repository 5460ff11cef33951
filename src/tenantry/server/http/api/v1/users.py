from __future__ import annotations

from fastapi import Request

from tenantry.server.http.api.v1 import routers, schemas
from tenantry.server.http.deps import Ctx, Paging, attribute_filters
from tenantry.server.services.commands import UpdateUser
from tenantry.server.services.identity import users

router = routers.protected("users")


@router.get("/users", response_model=schemas.UserList)
def list_users(ctx: Ctx, paging: Paging, request: Request) -> schemas.UserList:
    """Filter by custom attributes with `?custom_attributes.<key>=<value>` (repeat for several;
    all must match). Values are read as the attribute's type: `true`, `42`, `2024-12-31`."""
    page = users.list_page(ctx, paging, attribute_filters=attribute_filters(request))
    return schemas.user_list(page)


@router.get("/users:search", response_model=schemas.UserList)
def search_users(ctx: Ctx, paging: Paging, query: schemas.SearchQuery) -> schemas.UserList:
    """Users whose e-mail or names contain every word of `query` (any case), or whose id or
    external id is `query`."""
    return schemas.user_list(users.list_page(ctx, paging, search=query))


@router.get("/users:external/{external_id}", response_model=schemas.UserEnvelope)
def get_user_by_external_id(ctx: Ctx, external_id: str) -> schemas.UserEnvelope:
    return schemas.UserEnvelope(user=schemas.user(users.get_by_external_id(ctx, external_id)))


@router.get("/users/{user_id}", response_model=schemas.UserEnvelope)
def get_user(ctx: Ctx, user_id: str) -> schemas.UserEnvelope:
    return schemas.UserEnvelope(user=schemas.user(users.get(ctx, user_id)))


@router.patch("/users/{user_id}", response_model=schemas.UserEnvelope)
def update_user(ctx: Ctx, user_id: str, body: UpdateUser) -> schemas.UserEnvelope:
    return schemas.UserEnvelope(user=schemas.user(users.update(ctx, user_id, body)))


@router.delete("/users/{user_id}")
def delete_user(ctx: Ctx, user_id: str) -> dict[str, object]:
    """Deletes the user and their memberships, freeing their seats."""
    users.delete_(ctx, user_id)
    return {}


@router.patch("/users:external/{external_id}", response_model=schemas.UserEnvelope)
def update_user_by_external_id(ctx: Ctx, external_id: str, body: UpdateUser) -> schemas.UserEnvelope:
    return schemas.UserEnvelope(user=schemas.user(users.update(ctx, users.id_for_external_id(ctx, external_id), body)))


@router.delete("/users:external/{external_id}")
def delete_user_by_external_id(ctx: Ctx, external_id: str) -> dict[str, object]:
    """Deletes the user and their memberships, freeing their seats."""
    users.delete_(ctx, users.id_for_external_id(ctx, external_id))
    return {}
