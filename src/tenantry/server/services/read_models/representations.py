"""The JSON shape of Tenantry's objects (API.md, Scalekit's naming), built from service views.

One definition serves the management API's answers and the events' payloads, so an event
carries exactly what ``GET`` on the object would show at that moment.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from tenantry.server.domain.attributes import AttributeDefinition
from tenantry.server.domain.memberships import MembershipStatus, ProvisioningMethod
from tenantry.server.services.read_models.views import (
    AttributeView,
    InviteView,
    MembershipView,
    OrganizationView,
    UserView,
)


class OrganizationFeature(BaseModel):
    name: str
    enabled: bool


class OrganizationSettings(BaseModel):
    features: list[OrganizationFeature]


class Organization(BaseModel):
    id: str
    display_name: str
    external_id: str | None
    metadata: dict[str, Any]
    created_by_user_id: str | None = Field(
        description="The user this organization was created on behalf of (counts toward their creation limit), "
        "or null for organizations the application created on its own."
    )
    create_time: datetime
    update_time: datetime
    region_code: str | None = Field(default=None, description="`US` or `EU` as the application set it; informational.")
    slug: str | None = None
    logo_url: str | None = None
    settings: OrganizationSettings = Field(default_factory=lambda: OrganizationSettings(features=[]))


class Role(BaseModel):
    id: str
    name: str
    display_name: str


class PublicMembership(BaseModel):
    """A membership as a public route shows it: without the application's ``metadata``."""

    organization_id: str
    name: str
    membership_status: MembershipStatus
    roles: list[Role]
    join_time: datetime | None
    invite_expires_at: datetime | None
    inviter_email: str | None
    provisioning_method: ProvisioningMethod = Field(
        description="How the membership came to be: invitation, api, signup, domain, sso_jit or directory."
    )
    display_name: str = Field(description="The organization's display name (Scalekit's field; same as `name`).")
    created_at: datetime | None = Field(default=None, description="When the membership (or its invitation) began.")
    accepted_at: datetime | None = Field(default=None, description="When the invitation was accepted.")
    expires_at: datetime | None = Field(default=None, description="When the invitation expires or expired.")


class Membership(PublicMembership):
    metadata: dict[str, Any] = Field(default_factory=dict, description="The application's own JSON map.")


class ExternalIdentity(BaseModel):
    connection_id: str
    connection_type: str
    connection_provider: str
    connection_user_id: str
    is_social: bool
    last_login_time: datetime | None
    created_time: datetime


class PublicUserProfile(BaseModel):
    """A profile as a public route shows it: without the identity provider's raw ``metadata``."""

    given_name: str | None
    family_name: str | None
    name: str | None
    picture: str | None
    phone_number: str | None
    locale: str | None
    custom_attributes: dict[str, Any]
    preferred_username: str | None = None
    gender: str | None = None
    groups: list[str] = Field(default_factory=list)
    email_verified: bool = False
    external_identities: list[ExternalIdentity] = Field(
        default_factory=list,
        description="Sign-ins through external identity providers linked to this user (empty until one signs in).",
    )


class UserProfile(PublicUserProfile):
    metadata: dict[str, Any] = Field(
        default_factory=dict,
        description="Raw attributes from an identity provider (Scalekit's `user_profile.metadata`).",
    )


class User(BaseModel):
    id: str
    email: str
    email_verified: bool
    external_id: str | None
    metadata: dict[str, Any]
    create_time: datetime
    update_time: datetime
    last_login_time: datetime | None
    user_profile: UserProfile
    memberships: list[Membership]


class PublicOrganization(BaseModel):
    """What anyone holding an invitation link may learn of its organization: never the
    application's own ``metadata``, ``external_id`` or creator."""

    id: str
    display_name: str
    create_time: datetime
    update_time: datetime


class PublicUser(BaseModel):
    """What a public route answers about the user it acted for: their own profile and the
    one membership at stake, never the application's ``metadata`` and ``external_id`` nor
    their other organizations."""

    id: str
    email: str
    email_verified: bool
    create_time: datetime
    update_time: datetime
    last_login_time: datetime | None
    user_profile: PublicUserProfile
    memberships: list[PublicMembership]


class Invite(BaseModel):
    organization_id: str
    user_id: str
    inviter_email: str | None
    status: MembershipStatus
    created_at: datetime | None
    expires_at: datetime | None
    resent_at: datetime | None
    resent_count: int


class UserAttribute(AttributeDefinition):
    position: int  # always set once stored
    create_time: datetime
    update_time: datetime


def organization(view: OrganizationView) -> Organization:
    return Organization(
        id=view.id,
        display_name=view.display_name,
        external_id=view.external_id,
        metadata=view.metadata,
        created_by_user_id=view.created_by_user_id,
        create_time=view.create_time,
        update_time=view.update_time,
        region_code=view.region_code,
        slug=view.slug,
        logo_url=view.logo_url,
        settings=OrganizationSettings(
            features=[OrganizationFeature(name=name, enabled=on) for name, on in sorted(view.features.items())]
        ),
    )


def membership(view: MembershipView) -> Membership:
    return Membership(**_membership_fields(view), metadata=view.metadata)


def _membership_fields(view: MembershipView) -> dict[str, Any]:
    """What every shape of a membership shows (the public one leaves out ``metadata``)."""
    return dict(
        organization_id=view.organization_id,
        name=view.organization_name,
        membership_status=view.status,
        roles=[Role(id=role.id, name=role.name, display_name=role.display_name) for role in view.roles],
        join_time=view.join_time,
        invite_expires_at=view.invite_expires_at,
        inviter_email=view.inviter_email,
        provisioning_method=view.provisioning_method,
        display_name=view.organization_name,
        created_at=view.created_at,
        accepted_at=view.accepted_at,
        expires_at=view.expires_at,
    )


def _profile(view: UserView) -> UserProfile:
    return UserProfile(**_profile_fields(view), metadata=view.profile_metadata)


def _profile_fields(view: UserView) -> dict[str, Any]:
    """What every shape of a profile shows (the public one leaves out ``metadata``)."""
    return dict(**view.profile, custom_attributes=view.custom_attributes, email_verified=view.email_verified)


def user(view: UserView) -> User:
    return User(
        id=view.id,
        email=view.email,
        email_verified=view.email_verified,
        external_id=view.external_id,
        metadata=view.metadata,
        create_time=view.create_time,
        update_time=view.update_time,
        last_login_time=view.last_login_time,
        user_profile=_profile(view),
        memberships=[membership(m) for m in view.memberships],
    )


def public_organization(view: OrganizationView) -> PublicOrganization:
    return PublicOrganization(
        id=view.id, display_name=view.display_name, create_time=view.create_time, update_time=view.update_time
    )


def public_user(view: UserView, organization_id: str) -> PublicUser:
    """``view`` for a public answer about its membership in ``organization_id``."""
    return PublicUser(
        id=view.id,
        email=view.email,
        email_verified=view.email_verified,
        create_time=view.create_time,
        update_time=view.update_time,
        last_login_time=view.last_login_time,
        user_profile=PublicUserProfile(**_profile_fields(view)),
        memberships=[
            PublicMembership(**_membership_fields(m)) for m in view.memberships if m.organization_id == organization_id
        ],
    )


def invite(view: InviteView) -> Invite:
    return Invite(
        organization_id=view.organization_id,
        user_id=view.user_id,
        inviter_email=view.inviter_email,
        status=view.status,
        created_at=view.created_at,
        expires_at=view.expires_at,
        resent_at=view.resent_at,
        resent_count=view.resent_count,
    )


def user_attribute(view: AttributeView) -> UserAttribute:
    return UserAttribute(**view.definition.model_dump(), create_time=view.create_time, update_time=view.update_time)


class Permission(BaseModel):
    """Scalekit's ``Permission`` (``is_scalekit_permission``: here, Tenantry's built-in
    ``tenantry:`` powers)."""

    id: str
    name: str
    description: str
    create_time: datetime
    update_time: datetime
    is_scalekit_permission: bool


class RolePermission(BaseModel):
    id: str
    name: str
    description: str
    create_time: datetime
    update_time: datetime
    role_name: str = Field(description="The role that grants it (the role itself or one it extends).")


class CatalogueRole(BaseModel):
    """Scalekit's ``Role`` (``permissions`` only with ``include``)."""

    id: str
    name: str
    display_name: str
    description: str
    default_creator: bool
    default_member: bool
    extends: str | None
    permissions: list[RolePermission] | None = None
    dependent_roles_count: int
    is_org_role: bool
    organization_id: str | None
    builtin: bool
    create_time: datetime
    update_time: datetime


def permission(view: Any) -> Permission:
    return Permission(
        id=view.id,
        name=view.name,
        description=view.description,
        create_time=view.create_time,
        update_time=view.update_time,
        is_scalekit_permission=view.builtin,
    )


def role_permission(view: Any) -> RolePermission:
    return RolePermission(
        id=view.id,
        name=view.name,
        description=view.description,
        create_time=view.create_time,
        update_time=view.update_time,
        role_name=view.role_name or "",
    )


def role(view: Any) -> CatalogueRole:
    return CatalogueRole(
        id=view.id,
        name=view.name,
        display_name=view.display_name,
        description=view.description,
        default_creator=view.default_creator,
        default_member=view.default_member,
        extends=view.extends,
        permissions=None if view.permissions is None else [role_permission(p) for p in view.permissions],
        dependent_roles_count=view.dependent_roles_count,
        is_org_role=view.organization_id is not None,
        organization_id=view.organization_id,
        builtin=view.builtin,
        create_time=view.create_time,
        update_time=view.update_time,
    )
