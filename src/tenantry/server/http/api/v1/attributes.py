from __future__ import annotations

from typing import Annotated

from fastapi import Query

from tenantry.server.domain.attributes import AttributeDefinition, AttributeDefinitionPatch
from tenantry.server.http.api.v1 import routers, schemas
from tenantry.server.http.deps import Ctx
from tenantry.server.services.directory import attributes

router = routers.protected("user attributes")


@router.get("/user-attributes", response_model=schemas.UserAttributeList)
def list_user_attributes(ctx: Ctx) -> schemas.UserAttributeList:
    """All definitions in display order (at most 200, so always one page)."""
    views = attributes.list_all(ctx)
    return schemas.UserAttributeList(
        user_attributes=[schemas.user_attribute(v) for v in views],
        next_page_token="",
        prev_page_token="",
        total_size=len(views),
    )


@router.post("/user-attributes", status_code=201, response_model=schemas.UserAttributeEnvelope)
def create_user_attribute(ctx: Ctx, body: AttributeDefinition) -> schemas.UserAttributeEnvelope:
    return schemas.UserAttributeEnvelope(user_attribute=schemas.user_attribute(attributes.create(ctx, body)))


@router.get("/user-attributes/{key}", response_model=schemas.UserAttributeEnvelope)
def get_user_attribute(ctx: Ctx, key: str) -> schemas.UserAttributeEnvelope:
    return schemas.UserAttributeEnvelope(user_attribute=schemas.user_attribute(attributes.get(ctx, key)))


@router.patch("/user-attributes/{key}", response_model=schemas.UserAttributeChanged)
def update_user_attribute(
    ctx: Ctx, key: str, body: AttributeDefinitionPatch, force: Annotated[bool, Query()] = False
) -> schemas.UserAttributeChanged:
    """Partial update. When stored values would break (type, options, constraints), answers
    409 `incompatible_attribute_values` with the number of users affected, unless
    `force=true`, which clears those values (`values_cleared`)."""
    changed = attributes.update(ctx, key, body, force=force)
    return schemas.UserAttributeChanged(
        user_attribute=schemas.user_attribute(changed.attribute), values_cleared=changed.values_cleared
    )


@router.delete("/user-attributes/{key}", response_model=schemas.UserAttributeDeleted)
def delete_user_attribute(ctx: Ctx, key: str) -> schemas.UserAttributeDeleted:
    """Deletes the definition and removes its values from every user profile (not hidden:
    removed), in the same transaction. `values_removed` counts the profiles that held one."""
    return schemas.UserAttributeDeleted(values_removed=attributes.delete(ctx, key))
