"""What this SCIM 2.0 service is (RFC 7643/7644), described with scim2-models: its resource
models, the capabilities it announces, and how lenient it is with what identity providers
actually send (Entra ID's string booleans and remove-with-value, Okta's ``id`` inside a
path-less replace)."""

from __future__ import annotations

from typing import Annotated, Any, Generic

from scim2_models import (
    URI,
    AuthenticationScheme,
    Bulk,
    ChangePassword,
    Email,
    EnterpriseUser,
    ETag,
    Filter,
    Group,
    Patch,
    Reference,
    Required,
    ResourceType,
    ScimPolicy,
    ScimProvider,
    ServiceProviderConfig,
    Sort,
    User,
)
from scim2_models.resources.resource import AnyExtension

# Entra and Okta differ from the RFC in ways that cannot be confused with anything else.
POLICY = ScimPolicy(
    unknown=ScimPolicy.Unknown.ignore,
    remove_value_as_filter=ScimPolicy.RemoveValue.apply,
    unmatched_path_filter=ScimPolicy.UnmatchedPathFilter.create,
)


class ScimEmail(Email):
    value: Annotated[str | None, Required.true] = None


class ScimUser(User[AnyExtension], Generic[AnyExtension]):
    """The core User with ``emails`` (and their ``value``) required: a Tenantry user is known
    by its e-mail address, so the schema this service publishes says so (and conformance
    checkers fill it)."""

    emails: Annotated[list[ScimEmail] | None, Required.true] = None  # type: ignore[assignment]


UserModel = ScimUser[EnterpriseUser]
GroupModel = Group
DEFAULT_COUNT = 100
MAX_COUNT = 1000

CONFIG = ServiceProviderConfig(
    documentation_uri=None,
    patch=Patch(supported=True),
    bulk=Bulk(supported=False, max_operations=0, max_payload_size=0),
    filter=Filter(supported=True, max_results=MAX_COUNT),
    change_password=ChangePassword(supported=False),
    sort=Sort(supported=False),
    etag=ETag(supported=False),
    authentication_schemes=[
        AuthenticationScheme(
            type=AuthenticationScheme.Type.oauthbearertoken,
            name="Directory bearer token",
            description="The directory's token, generated in Tenantry and sent as 'Authorization: Bearer <token>'.",
            primary=True,
        )
    ],
)


def _resource_type(model: Any, name: str, endpoint: str) -> ResourceType:
    described = ResourceType.from_resource(model)
    described.id = name
    described.name = name
    described.endpoint = Reference[URI](endpoint)
    return described


PROVIDER = ScimProvider(
    models=[ScimUser, EnterpriseUser, Group],
    resource_types=[_resource_type(UserModel, "User", "/Users"), _resource_type(GroupModel, "Group", "/Groups")],
    config=CONFIG,
    policy=POLICY,
)
