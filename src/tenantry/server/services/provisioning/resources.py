"""SCIM resources ↔ rows: what a directory stores of a User or Group, and what of it
reaches the Tenantry user's profile.

A resource is stored as the provider sent it (``document``, values untouched, never the
password) beside the columns filters search. Profile fields and mapped custom attributes
go through Tenantry's own validators one by one: a value the validator refuses is dropped
and logged, never a reason to refuse the provisioning call (SPEC §11, §12).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError
from scim2_models import Context as ScimContext
from scim2_models import GroupMember, GroupMembership, Meta, Reference
from sqlalchemy.orm import Session

from tenantry.server.db.models import Directory, DirectoryGroup, DirectoryUser, User
from tenantry.server.domain.attributes import Requirement, validate_custom_attributes
from tenantry.server.domain.errors import InvalidArgument, TenantryError
from tenantry.server.domain.types import email_key, normalize_email
from tenantry.server.services.commands import UserProfileInput
from tenantry.server.services.directory.attributes import load_definitions
from tenantry.server.services.provisioning.protocol import GroupModel, UserModel

log = logging.getLogger(__name__)

STORED_CTX = ScimContext.RESOURCE_QUERY_RESPONSE  # drops what is never returned (password)
COMPUTED = ("id", "meta", "groups", "members")


def stored(resource: UserModel | GroupModel) -> dict[str, Any]:
    """The document kept for a resource: as sent, less the password and what we compute."""
    document = resource.model_dump(scim_ctx=STORED_CTX)
    for key in COMPUTED:
        document.pop(key, None)
    return document


def user_model(row: DirectoryUser, base: str, groups: Sequence[DirectoryGroup] = ()) -> UserModel:
    model = UserModel.model_validate(row.document)
    model.id = row.id
    model.meta = Meta(
        resource_type="User", created=row.created_at, last_modified=row.updated_at, location=f"{base}/Users/{row.id}"
    )
    model.groups = [
        GroupMembership(
            value=group.id, display=group.display_name, ref=Reference(f"{base}/Groups/{group.id}"), type="direct"
        )
        for group in groups
    ] or None
    return model


def group_model(row: DirectoryGroup, base: str, members: Sequence[tuple[DirectoryUser, str | None]] = ()) -> GroupModel:
    model = GroupModel.model_validate(row.document)
    model.id = row.id
    model.meta = Meta(
        resource_type="Group", created=row.created_at, last_modified=row.updated_at, location=f"{base}/Groups/{row.id}"
    )
    model.members = [
        GroupMember(
            value=user.id,
            display=display or user.display_name or user.user_name,
            ref=Reference(f"{base}/Users/{user.id}"),
            type="User",
        )
        for user, display in members
    ] or None
    return model


def address(resource: UserModel) -> str:
    """The e-mail address a pushed user is known by: the primary one, else the work one,
    else the first, else ``userName`` when it is an address. Raises InvalidArgument."""
    emails = [e for e in resource.emails or [] if e.value]
    chosen = (
        next((e for e in emails if e.primary), None)
        or next((e for e in emails if str(e.type or "").lower() == "work"), None)
        or (emails[0] if emails else None)
    )
    candidate = chosen.value if chosen else resource.user_name
    try:
        if not candidate or len(candidate) > 320:
            raise ValueError("no address")
        return normalize_email(candidate)
    except ValueError as exc:
        raise InvalidArgument.field(
            "emails", "invalidValue", "a user needs an e-mail address (in emails or as userName)"
        ) from exc


def columns(row: DirectoryUser, resource: UserModel) -> None:
    """The searchable columns of ``row`` from ``resource``."""
    row.user_name = resource.user_name or ""
    row.user_name_key = row.user_name.lower()
    row.external_id = resource.external_id
    row.display_name = resource.display_name or (resource.name.formatted if resource.name else None)
    row.email_key = email_key(address(resource))
    row.active = resource.active is not False
    row.document = stored(resource)


def _phone(resource: UserModel) -> str | None:
    phones = [p for p in resource.phone_numbers or [] if p.value]
    chosen = next((p for p in phones if p.primary), None) or (phones[0] if phones else None)
    return chosen.value if chosen else None


def profile_values(resource: UserModel) -> dict[str, Any]:
    name = resource.name
    return {
        "given_name": name.given_name if name else None,
        "family_name": name.family_name if name else None,
        "name": resource.display_name or (name.formatted if name else None),
        "locale": resource.locale,
        "phone_number": _phone(resource),
    }


def apply_to_user(session: Session, directory: Directory, user: User, resource: UserModel) -> None:
    """Write the profile fields and mapped custom attributes the directory owns onto ``user``,
    each through Tenantry's validators; a refused value is dropped and logged."""
    for field, value in profile_values(resource).items():
        if value is None:
            continue
        try:
            setattr(user, field, getattr(UserProfileInput.model_validate({field: value}), field))
        except ValidationError:
            log.info("directory %s: %s of user %s dropped (not a valid value)", directory.id, field, user.id)
    document = resource.model_dump(scim_ctx=STORED_CTX)
    definitions = load_definitions(session)
    attributes = dict(user.custom_attributes or {})
    for mapping in directory.attribute_mappings or []:
        value = lookup(document, str(mapping.get("map_to", "")))
        if value is None:
            continue
        try:
            attributes = validate_custom_attributes({mapping["key"]: value}, definitions, attributes, Requirement.NONE)
        except TenantryError:
            log.info("directory %s: attribute %s of user %s dropped", directory.id, mapping["key"], user.id)
    user.custom_attributes = attributes


def lookup(document: dict[str, Any], path: str) -> Any:
    """The value at a SCIM attribute path (``title``, ``name.givenName``,
    ``urn:…:enterprise:2.0:User:department``) in a dumped resource, or None."""
    node: Any = document
    if path.lower().startswith("urn:"):
        urn, _, attribute = path.rpartition(":")
        node = next((v for k, v in document.items() if k.lower() == urn.lower()), None)
        path = attribute
    for part in path.split("."):
        if not isinstance(node, dict):
            return None
        node = next((v for k, v in node.items() if k.lower() == part.lower()), None)
    return node if isinstance(node, str | int | float | bool) else None
