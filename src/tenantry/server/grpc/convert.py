"""Between Scalekit's protobuf messages and Tenantry's commands and views.

Unset proto3 fields mean defaults: a field without presence counts as sent only when it is not
its zero value (or when an update mask names it); a field with presence when it is set.
Tenantry's ``metadata`` holds any JSON while Scalekit's is ``map<string, string>``: strings
travel as they are, other values as their JSON text.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, TypeVar

from google.protobuf import json_format, timestamp_pb2
from google.protobuf.message import Message
from pydantic import BaseModel
from scalekit.v1.commons import commons_pb2
from scalekit.v1.organizations import organizations_pb2
from scalekit.v1.users import users_pb2

from tenantry.server.domain.errors import InvalidArgument
from tenantry.server.services.read_models.views import MembershipView, OrganizationView, UserView

REGIONS = {commons_pb2.US: "US", commons_pb2.EU: "EU"}
REGION_NUMBERS = {name: number for number, name in REGIONS.items()}


def sent(message: Message, name: str, mask: frozenset[str] = frozenset()) -> bool:
    """Whether the client gave ``name`` a value (module docstring)."""
    if name in mask:
        return True
    field = message.DESCRIPTOR.fields_by_name[name]
    if field.has_presence:
        return message.HasField(name)
    value = getattr(message, name)
    return bool(len(value)) if hasattr(value, "__len__") else bool(value)


def fields(message: Message, names: tuple[str, ...], mask: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The sent fields among ``names`` as plain values (maps as dicts, lists as lists)."""
    found: dict[str, Any] = {}
    for name in names:
        if not sent(message, name, mask):
            continue
        value = getattr(message, name)
        if hasattr(value, "items"):
            value = dict(value.items())
        elif isinstance(value, str | int | float | bool):
            pass
        else:
            value = list(value)
        found[name] = None if value == "" and name in mask else value
    return found


def as_dict(message: Message) -> dict[str, Any]:
    """A request message as the REST body of the same shape (Scalekit's REST bindings carry
    the same field names): unset fields are left out, as ``fields()`` does; enums by name."""
    return json_format.MessageToDict(message, preserving_proto_field_name=True)


M = TypeVar("M", bound=Message)


def as_message(representation: BaseModel | dict[str, Any], message: type[M]) -> M:
    """A REST answer (a representation in Scalekit's JSON shape) as the protobuf message of
    the same shape: Tenantry's extra fields are left out, ``None`` stays unset."""
    data = representation.model_dump(mode="json") if isinstance(representation, BaseModel) else representation
    return json_format.ParseDict(data, message(), ignore_unknown_fields=True)


def timestamp(value: datetime | None) -> timestamp_pb2.Timestamp | None:
    if value is None:
        return None
    stamp = timestamp_pb2.Timestamp()
    stamp.FromDatetime(value)
    return stamp


def string_map(values: dict[str, Any]) -> dict[str, str]:
    return {str(k): v if isinstance(v, str) else json.dumps(v) for k, v in values.items()}


def _set_times(message: Message, **values: datetime | None) -> None:
    for name, value in values.items():
        stamp = timestamp(value)
        if stamp is not None:
            getattr(message, name).CopyFrom(stamp)


def organization(view: OrganizationView) -> organizations_pb2.Organization:
    message = organizations_pb2.Organization(
        id=view.id,
        display_name=view.display_name,
        region_code=REGION_NUMBERS.get(view.region_code or "", commons_pb2.REGION_CODE_UNSPECIFIED),
        metadata=string_map(view.metadata),
        settings=organizations_pb2.OrganizationSettings(
            features=[
                organizations_pb2.OrganizationSettingsFeature(name=name, enabled=on)
                for name, on in sorted(view.features.items())
            ]
        ),
    )
    for name in ("external_id", "slug", "logo_url"):
        if getattr(view, name) is not None:
            setattr(message, name, getattr(view, name))
    _set_times(message, create_time=view.create_time, update_time=view.update_time)
    return message


def membership(view: MembershipView) -> commons_pb2.OrganizationMembership:
    message = commons_pb2.OrganizationMembership(
        organization_id=view.organization_id,
        membership_status=commons_pb2.MembershipStatus.Value(view.status.value),
        roles=[commons_pb2.Role(id=role.id, name=role.name, display_name=role.display_name) for role in view.roles],
        name=view.organization_name,
        display_name=view.organization_name,
        provisioning_method=view.provisioning_method,
    )
    if view.inviter_email:
        message.inviter_email = view.inviter_email
    _set_times(
        message,
        join_time=view.join_time,
        created_at=view.created_at,
        accepted_at=view.accepted_at,
        expires_at=view.expires_at,
    )
    return message


def user(view: UserView) -> users_pb2.User:
    profile = {k: v for k, v in view.profile.items() if v is not None}
    message = users_pb2.User(
        id=view.id,
        email=view.email,
        metadata=string_map(view.metadata),
        memberships=[membership(m) for m in view.memberships],
        user_profile=commons_pb2.UserProfile(
            **{k: v for k, v in profile.items() if k != "groups"},
            groups=list(view.profile.get("groups") or []),
            email_verified=view.email_verified,
            metadata=string_map(view.profile_metadata),
            custom_attributes=string_map(view.custom_attributes),
        ),
    )
    if view.external_id is not None:
        message.external_id = view.external_id
    _set_times(
        message, create_time=view.create_time, update_time=view.update_time, last_login_time=view.last_login_time
    )
    return message


PROFILE_INPUT = (
    "given_name",
    "family_name",
    "name",
    "locale",
    "phone_number",
    "metadata",
    "custom_attributes",
    "preferred_username",
    "picture",
    "gender",
    "groups",
    "first_name",
    "last_name",
)


def profile_input(message: Message) -> dict[str, Any]:
    """A create or update profile message as the REST body's ``user_profile``."""
    return fields(message, PROFILE_INPUT)


def search_query(query: str) -> str:
    """Scalekit's search term: 3 to 100 characters (as the REST API's ``query``). Raises InvalidArgument."""
    text = query.strip()
    if not 3 <= len(text) <= 100:
        raise InvalidArgument.field("query", "out_of_range", "must be 3 to 100 characters")
    return text
